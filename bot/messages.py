"""The core's request and reply model: what adapters translate from and render."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class Actor:
    """Who is asking, as the platform knows them (and the directory, once linked)."""

    platform: str
    user_id: str
    name: str = ""
    email: str | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class Request:
    text: str
    actor: Actor
    channel: str | None = None


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    email: str
    slack_id: str | None = None
    teams_id: str | None = None


@dataclass(frozen=True)
class TopicAnswer:
    topic_id: int
    topic: str
    description: str
    channel: str | None
    primary: PersonView | None
    backups: tuple[PersonView, ...] = ()
    matched: str | None = None  # the alias or phrase matched, when not the name
    matched_alias: bool = False
    inherited_from: str | None = None  # the ancestor whose POC answers


class ReplyKind(str, Enum):
    answer = "answer"
    suggestions = "suggestions"
    unknown = "unknown"
    help = "help"
    usage = "usage"
    error = "error"


@dataclass(frozen=True)
class Action:
    """A suggested next step an adapter may show as a button."""

    id: str  # "lookup", "share", "ask"
    label: str
    value: str


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    lang: str
    answer: TopicAnswer | None = None
    suggestions: tuple[str, ...] = ()
    query: str = ""  # what the user asked about, for "did you mean" and "unknown"
    note: str = ""  # a catalogue key for extra context (usage errors)
    actions: tuple[Action, ...] = field(default=())
