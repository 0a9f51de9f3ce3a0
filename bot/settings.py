"""Typed settings from environment variables (and an optional .env file)."""
from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///pocbot.db", alias="DATABASE_URL")
    language: str = Field(default="en", alias="POCBOT_LANGUAGE")
    admins: str = Field(default="", alias="POCBOT_ADMINS")
    managers_manage_all: bool = Field(default=False, alias="POCBOT_MANAGERS_MANAGE_ALL")
    log_level: str = Field(default="WARNING", alias="POCBOT_LOG_LEVEL")
    port: int = Field(default=3000, alias="PORT")
    slack_bot_token: str = Field(default="", alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str = Field(default="", alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str = Field(default="", alias="SLACK_APP_TOKEN", repr=False)
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        return [s for s in (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token) if s]

    @property
    def admin_emails(self) -> set[str]:
        return {e.strip().lower() for e in self.admins.split(",") if e.strip()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
