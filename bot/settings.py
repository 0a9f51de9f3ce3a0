"""Typed settings from environment variables (and an optional .env file)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.i18n import languages
from bot.nudges import NudgePolicy
from bot.working_hours import WorkingHours, parse_duration

T = TypeVar("T")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# What pydantic's checks say, in the words of someone setting an environment variable.
_PLAIN = {
    "int_parsing": "must be a whole number", "float_parsing": "must be a number",
    "bool_parsing": "must be true or false (also 1/0, yes/no, on/off)",
    "greater_than_equal": "must be at least {ge}", "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
}


class SettingsError(ValueError):
    """A setting that cannot work; the message names the variable and what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///pocbot.db", alias="DATABASE_URL")
    language: str = Field(default="en", alias="POCBOT_LANGUAGE")
    admins: str = Field(default="", alias="POCBOT_ADMINS")
    managers_manage_all: bool = Field(default=False, alias="POCBOT_MANAGERS_MANAGE_ALL")
    log_level: str = Field(default="WARNING", alias="POCBOT_LOG_LEVEL")
    port: int = Field(default=3000, ge=0, le=65535, alias="PORT")
    # `pocbot serve` on SIGTERM/SIGINT: seconds to finish the work in hand (below a container stop's 30 s).
    shutdown_seconds: float = Field(default=25.0, gt=0, alias="POCBOT_SHUTDOWN_SECONDS")
    slack_bot_token: str = Field(default="", alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str = Field(default="", alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str = Field(default="", alias="SLACK_APP_TOKEN", repr=False)
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    microsoft_app_id: str = Field(default="", alias="MICROSOFT_APP_ID")
    microsoft_app_password: str = Field(default="", alias="MICROSOFT_APP_PASSWORD", repr=False)
    microsoft_app_tenant_id: str = Field(default="", alias="MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: str = Field(default="MultiTenant", alias="MICROSOFT_APP_TYPE")
    # Serve /api/messages with no app id, unauthenticated: the Bot Framework Emulator, local tests.
    teams_without_auth: bool = Field(default=False, alias="POCBOT_TEAMS_WITHOUT_AUTH")
    # Inquiries: durations are working time ("4h", "90m", "1d" = one 8-hour working day).
    nudge_after: str = Field(default="4h", alias="POCBOT_NUDGE_AFTER")
    nudge_every: str = Field(default="1d", alias="POCBOT_NUDGE_EVERY")
    max_nudges: int = Field(default=2, ge=0, alias="POCBOT_MAX_NUDGES")
    working_hours: str = Field(default="mon-fri 09:00-17:00", alias="POCBOT_WORKING_HOURS")
    timezone: str = Field(default="UTC", alias="POCBOT_TIMEZONE")  # for people and channels without one
    digest: str = Field(default="mon 09:00", alias="POCBOT_DIGEST")  # weekly, local time; "off" stops it
    # Understanding: the embedded model ("off": names, aliases and words only), and where to send
    # people whose question no topic covers.
    semantic: bool = Field(default=True, alias="POCBOT_SEMANTIC")
    fallback_channel: str = Field(default="", alias="POCBOT_FALLBACK_CHANNEL")
    # Read by bot.understanding.model when the model loads; checked here with the others (0: all cores).
    model_threads: int = Field(default=0, ge=0, alias="POCBOT_MODEL_THREADS")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value.strip().lower() not in languages():
            raise ValueError(f"must be one of {', '.join(languages())} (the languages with replies)")
        return value.strip().lower()

    @field_validator("slack_api_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            make_url(value.strip()).get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError):
            raise ValueError("must be a database URL such as sqlite:///pocbot.db or "
                             "postgresql+psycopg://user:password@host/db") from None
        return value.strip()

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        values = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token, self.microsoft_app_password)
        return [s for s in values if s]

    def nudge_policy(self) -> NudgePolicy:
        """The global nudge defaults; a bad value raises ValueError naming its variable."""
        return NudgePolicy(
            nudge_after=_read("POCBOT_NUDGE_AFTER", parse_duration, self.nudge_after),
            nudge_every=_read("POCBOT_NUDGE_EVERY", _positive, self.nudge_every),
            max_nudges=self.max_nudges,
            hours=_read("POCBOT_WORKING_HOURS", WorkingHours.parse, self.working_hours),
            timezone=_read("POCBOT_TIMEZONE", lambda name: ZoneInfo(name).key, self.timezone),
        )

    @property
    def admin_emails(self) -> set[str]:
        return {e.strip().lower() for e in self.admins.split(",") if e.strip()}


def _positive(text: str) -> timedelta:
    found = parse_duration(text)
    if found <= timedelta(0):
        raise ValueError(f"must be more than zero, not {text!r}")
    return found


def _read(variable: str, parse: Callable[[str], T], value: str) -> T:
    try:
        return parse(value)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ValueError(f"{variable}: {exc}") from None


def describe(error: ValidationError) -> str:
    """One line per bad variable: its name, what is wrong, and (unless secret) the value given."""
    secret = {f.alias for f in Settings.model_fields.values() if not f.repr}
    lines = []
    for problem in error.errors(include_url=False):
        variable = ".".join(str(part) for part in problem["loc"]) or "settings"
        plain = _PLAIN.get(problem["type"])
        what = plain.format(**problem.get("ctx", {})) if plain else str(problem["msg"]).removeprefix("Value error, ")
        # A database URL may hold a password.
        given = "" if variable in secret or variable == "DATABASE_URL" else f", not {problem.get('input')!r}"
        lines.append(f"{variable}: {what}{given}")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings; a value that cannot work raises SettingsError naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None
