"""The platform-neutral content of a directory file: people and topics as records."""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timezone
from typing import Any

from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_serializer, field_validator,
                      model_validator)

from bot.understanding.text import fold, topic_key
from store import limits

_LOGGER = logging.getLogger(__name__)

# Shapes and lengths only (the store's column sizes); what values mean, such as a
# known timezone or an unknown person, is checked against the store when planning.
_RECORD_CONFIG = ConfigDict(
    extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True, frozen=True
)
_ITEM_LIMITS = {"aliases": limits.TOPIC_NAME, "tags": limits.TAG, "examples": limits.EXAMPLE}
_KEYS = {"aliases": topic_key, "examples": fold}  # the key each one is stored with


_WHERE = re.compile(r"^(?P<origin>\D*?) ?(?P<number>\d+): ")


def in_file_order(errors: list[str]) -> list[str]:
    """Problems by the line (or row) they name, each file's together; ones without a line first."""
    origins: dict[str, int] = {}

    def place(error: str) -> tuple[int, int]:
        found = _WHERE.match(error)
        if found is None:
            return (-1, 0)
        return (origins.setdefault(found["origin"], len(origins)), int(found["number"]))

    return sorted(errors, key=place)


class DirectoryFileError(Exception):
    """A directory file that cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _Located(BaseModel):
    """Where a record is in its file: its line (or row), and in YAML each field's line
    and its list items' lines, so a problem names the line of the field at fault."""

    line: int = Field(default=0, exclude=True)
    # Not a field: set after validation (validating it costs more than the record itself).
    _field_lines: dict[str, tuple[int, list[int]]] = PrivateAttr(default_factory=dict)

    def located(self, field_lines: dict[str, tuple[int, list[int]]]) -> "_Located":
        self._field_lines = field_lines
        return self

    def line_of(self, name: str, index: int | None = None) -> int:
        line, items = self._field_lines.get(name, (self.line, []))
        return items[index] if index is not None and index < len(items) else line


class PersonRecord(_Located):
    """A person, keyed by email. Absent optional fields keep what the store already has."""

    model_config = _RECORD_CONFIG
    email: str = Field(max_length=limits.EMAIL)
    name: str = Field(max_length=limits.PERSON_NAME)
    slack_id: str | None = Field(default=None, max_length=limits.SLACK_ID)
    teams_id: str | None = Field(default=None, max_length=limits.TEAMS_ID)
    timezone: str | None = Field(default=None, max_length=limits.TIMEZONE)
    role: str | None = Field(default=None, max_length=limits.ROLE)

    @field_validator("slack_id", "teams_id", "timezone", "role", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("email", mode="after")
    @classmethod
    def _lower_email(cls, value: str) -> str:
        return value.lower()


class ScheduledRecord(BaseModel):
    """A change still to come: from `at`, `poc` holds the topic, or `backup` joins its backups.

    In YAML a mapping ({at: 2030-03-01T09:00:00+00:00, poc: bob@acme.test}); in a CSV cell
    (and in dry runs) the text "2030-03-01T09:00:00+00:00 poc bob@acme.test". A date alone
    means its midnight UTC, and so does a time without an offset.
    """

    model_config = _RECORD_CONFIG
    at: datetime
    poc: str | None = Field(default=None, max_length=limits.EMAIL)
    backup: str | None = Field(default=None, max_length=limits.EMAIL)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        when, _, rest = value.strip().partition(" ")
        kind, _, email = rest.strip().partition(" ")
        if kind not in ("poc", "backup") or not email.strip():
            raise ValueError(f"'{value[:60]}' is not '<date-time> poc <email>' or '<date-time> backup <email>'")
        return {"at": when, kind: email.strip()}

    @field_validator("at", mode="before")
    @classmethod
    def _day_is_midnight(cls, value: Any) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time(), timezone.utc)
        return value

    @field_validator("at", mode="after")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    @field_validator("poc", "backup", mode="after")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @model_validator(mode="after")
    def _one_change(self) -> "ScheduledRecord":
        if (self.poc is None) == (self.backup is None):
            raise ValueError("give either a poc or a backup")
        return self

    @property
    def email(self) -> str:
        return self.poc or self.backup or ""

    @property
    def kind(self) -> str:
        return "poc" if self.poc else "backup"

    def text(self) -> str:
        return f"{self.at.isoformat()} {self.kind} {self.email}"


class TopicRecord(_Located):
    """A topic, keyed by its normalised name. The file is the truth for all its fields."""

    model_config = _RECORD_CONFIG
    name: str = Field(max_length=limits.TOPIC_NAME)
    aliases: list[str] = Field(default_factory=list)
    description: str = Field(default="", max_length=limits.DESCRIPTION)
    tags: list[str] = Field(default_factory=list)
    parent: str | None = Field(default=None, max_length=limits.TOPIC_NAME)
    channel: str | None = Field(default=None, max_length=limits.CHANNEL)
    poc: str | None = Field(default=None, max_length=limits.EMAIL)
    backups: list[str] = Field(default_factory=list)
    managers: list[str] = Field(default_factory=list)  # emails; may change it and its subtopics
    examples: list[str] = Field(default_factory=list)  # phrasings that mean it (teach)
    scheduled: list[ScheduledRecord] = Field(default_factory=list)  # changes to come, by date

    @field_validator("scheduled", mode="before")
    @classmethod
    def _no_schedule_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_serializer("scheduled")
    def _compact_schedule(self, value: list[ScheduledRecord]) -> list[dict[str, Any]]:
        return [item.model_dump(exclude_none=True) for item in value]

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
        name = info.field_name or ""
        limit = _ITEM_LIMITS[name]
        too_long = [item for item in value if not limits.fits(item, limit, _KEYS.get(name))]
        if too_long:
            raise ValueError(f"'{too_long[0][:40]}' is longer than {limit} characters")
        return value

    @field_validator("name", "parent", mode="after")
    @classmethod
    def _check_key(cls, value: str | None) -> str | None:
        # Within the limit as written, yet its key (as stored) may not be: "ß" folds to "ss".
        if value and not limits.fits(value, limits.TOPIC_NAME, topic_key):
            raise ValueError(f"longer than {limits.TOPIC_NAME} characters once folded")
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
