"""Bot Framework authentication from our settings, with credentials that keep their token."""
from __future__ import annotations

from msrest.authentication import Authentication

from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity, ServiceClientCredentialsFactory

from integrations.teams.config import TeamsConfig


class KeptCredentials(ServiceClientCredentialsFactory):
    """The SDK builds new credentials (and a new MSAL app, so a new token) for every turn;
    keeping one per app id and scope lets MSAL reuse its token until it expires."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self.inner = inner
        self._kept: dict[tuple[str, str, str, bool], Authentication] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self.inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self.inner.is_authentication_disabled()

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Authentication:
        key = (app_id or "", oauth_scope or "", login_endpoint or "", bool(validate_authority))
        if key not in self._kept:
            self._kept[key] = await self.inner.create_credentials(app_id, oauth_scope, login_endpoint,
                                                                  validate_authority)
        return self._kept[key]


def authentication(config: TeamsConfig) -> ConfigurationBotFrameworkAuthentication:
    """Inbound JWT checks and outbound credentials; with no app id both are off (Emulator style)."""
    credentials = KeptCredentials(ConfigurationServiceClientCredentialFactory(config))
    return ConfigurationBotFrameworkAuthentication(config, credentials_factory=credentials)


def bot_identity(app_id: str) -> ClaimsIdentity:
    """Who the bot is when it speaks first (what CloudAdapter.create_claims_identity builds)."""
    claims = {AuthenticationConstants.AUDIENCE_CLAIM: app_id, AuthenticationConstants.APP_ID_CLAIM: app_id}
    return ClaimsIdentity(claims, True)
