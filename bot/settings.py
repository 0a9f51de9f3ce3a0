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
    log_level: str = Field(default="WARNING", alias="POCBOT_LOG_LEVEL")

    @property
    def admin_emails(self) -> set[str]:
        return {e.strip().lower() for e in self.admins.split(",") if e.strip()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
