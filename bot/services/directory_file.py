"""The platform-neutral content of a directory file: people and topics as records."""
from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

_LOGGER = logging.getLogger(__name__)

# Shapes and lengths only (the store's column sizes); what values mean, such as a
# known timezone or an unknown person, is checked against the store when planning.
_RECORD_CONFIG = ConfigDict(
    extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True, frozen=True
)
_ITEM_LIMITS = {"aliases": 200, "tags": 64, "examples": 300}  # the column sizes


class DirectoryFileError(Exception):
    """A directory file that cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class PersonRecord(BaseModel):
    """A person, keyed by email. Absent optional fields keep what the store already has."""

    model_config = _RECORD_CONFIG
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    slack_id: str | None = Field(default=None, max_length=32)
    teams_id: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    role: str | None = Field(default=None, max_length=16)
    line: int = Field(default=0, exclude=True)

    @field_validator("slack_id", "teams_id", "timezone", "role", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("email", mode="after")
    @classmethod
    def _lower_email(cls, value: str) -> str:
        return value.lower()


class TopicRecord(BaseModel):
    """A topic, keyed by its normalised name. The file is the truth for all its fields."""

    model_config = _RECORD_CONFIG
    name: str = Field(max_length=200)
    aliases: list[str] = Field(default_factory=list)
    description: str = Field(default="", max_length=2000)
    tags: list[str] = Field(default_factory=list)
    parent: str | None = Field(default=None, max_length=200)
    channel: str | None = Field(default=None, max_length=80)
    poc: str | None = Field(default=None, max_length=254)
    backups: list[str] = Field(default_factory=list)
    managers: list[str] = Field(default_factory=list)  # emails; may change it and its subtopics
    examples: list[str] = Field(default_factory=list)  # phrasings that mean it (teach)
    line: int = Field(default=0, exclude=True)

    @field_validator("aliases", "tags", "backups", "managers", "examples", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        # `aliases:` with nothing after it is YAML null; it means "none", like [].
        return [] if value is None else value

    @field_validator("aliases", "tags", "backups", "managers", "examples", mode="after")
    @classmethod
    def _drop_blank_items(cls, value: list[str]) -> list[str]:
        return [item.strip() for item in value if item.strip()]

    @field_validator("description", mode="before")
    @classmethod
    def _null_is_blank(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("aliases", "tags", "examples", mode="after")
    @classmethod
    def _check_lengths(cls, value: list[str], info: ValidationInfo) -> list[str]:
        limit = _ITEM_LIMITS[info.field_name or ""]
        too_long = [item for item in value if len(item) > limit]
        if too_long:
            raise ValueError(f"'{too_long[0][:40]}' is longer than {limit} characters")
        return value

    @field_validator("parent", "channel", "poc", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("poc", mode="after")
    @classmethod
    def _lower_poc(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @field_validator("backups", "managers", mode="after")
    @classmethod
    def _lower_backups(cls, value: list[str]) -> list[str]:
        return [item.lower() for item in value]


class DirectoryFile(BaseModel):
    """Everything a directory file says. `*_origin` names a record's position in messages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    people: list[PersonRecord] = Field(default_factory=list)
    topics: list[TopicRecord] = Field(default_factory=list)
    # "line" for YAML, "row" for a topics CSV, "people.csv row" for its people file.
    people_origin: str = Field(default="line", exclude=True)
    topics_origin: str = Field(default="line", exclude=True)
