"""Which Teams settings work together; no botbuilder here, so `serve` can check cheaply."""
from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings

APP_TYPES = {"multitenant": "MultiTenant", "singletenant": "SingleTenant"}


@dataclass(frozen=True)
class TeamsConfig:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str

    @property
    def auth_on(self) -> bool:
        return bool(self.APP_ID)


def teams_config(settings: Settings) -> TeamsConfig:
    app_type = APP_TYPES.get(settings.microsoft_app_type.strip().lower(), settings.microsoft_app_type)
    return TeamsConfig(settings.microsoft_app_id.strip(), settings.microsoft_app_password,
                       settings.microsoft_app_tenant_id.strip(), app_type)


def teams_enabled(settings: Settings) -> bool:
    """Teams is on with an app id, or explicitly without auth (Emulator, local tests)."""
    return bool(settings.microsoft_app_id.strip() or settings.teams_without_auth)


def teams_problem(settings: Settings) -> str | None:
    """What is missing or contradictory in the Teams settings, or None when they can work."""
    app_id, password = settings.microsoft_app_id.strip(), settings.microsoft_app_password
    tenant, app_type = settings.microsoft_app_tenant_id.strip(), settings.microsoft_app_type.strip()
    if app_type.lower() not in APP_TYPES:
        return f"MICROSOFT_APP_TYPE must be MultiTenant or SingleTenant, not {app_type!r}."
    if not app_id:
        if password or tenant:
            return "MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID is set but MICROSOFT_APP_ID is not."
        return None
    if settings.teams_without_auth:
        return "POCBOT_TEAMS_WITHOUT_AUTH is for running without MICROSOFT_APP_ID: unset one of them."
    if not password:
        return "MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not."
    if app_type.lower() == "singletenant" and not tenant:
        return "MICROSOFT_APP_TYPE is SingleTenant but MICROSOFT_APP_TENANT_ID is not set."
    return None
