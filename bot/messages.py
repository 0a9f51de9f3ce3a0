"""The core's request and reply model: what adapters translate from and render."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bot.understanding.text import storable


@dataclass(frozen=True)
class Actor:
    """Who is asking, as the platform knows them (and the directory, once linked)."""

    platform: str
    user_id: str
    name: str = ""
    email: str | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class Mention:
    """A person mentioned in a message, in a syntax the core does not read (a Teams
    `<at>Name</at>`): a command reads their email where the mention was written."""

    written: str
    email: str


@dataclass(frozen=True)
class Request:
    text: str  # as typed, the platform's escaping undone: the core parses it, once
    actor: Actor
    channel: str | None = None
    mentions: tuple[Mention, ...] = ()
    # Called by the core for a command only (a lookup never waits for it): learns who is who,
    # the sender and the people mentioned, linking them on first sight. Returns the request to run.
    learn: Callable[[Request], Request] | None = None

    def __post_init__(self) -> None:
        # Every platform's text comes in here: what a store refuses never gets further.
        object.__setattr__(self, "text", storable(self.text))


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    email: str
    slack_id: str | None = None
    teams_id: str | None = None


@dataclass(frozen=True)
class ChannelRef:
    """A channel named in a reply: each platform renders it its own way (a link in Slack)."""

    id: str


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
    away_until: str | None = None  # the POC is away until this date (ISO, their day)
    cover: PersonView | None = None  # who answers meanwhile: delegate, else first backup
    why: Why | None = None  # what matched, when the name as typed did not


@dataclass(frozen=True)
class Why:
    """What made a topic match, said in a few words: the alias, the description words..."""

    kind: str  # "name", "alias", "typo", "description", "example", "meaning"
    words: str = ""  # the directory's words that matched, as written there


@dataclass(frozen=True)
class Choice:
    """One topic of a close call: picking it answers the question in full."""

    topic_id: int
    topic: str
    description: str = ""
    primary: PersonView | None = None  # named only when the bot is sure it is one of the choices
    why: Why | None = None


class ReplyKind(str, Enum):
    answer = "answer"
    suggestions = "suggestions"
    unknown = "unknown"
    help = "help"
    usage = "usage"
    error = "error"
    done = "done"  # a change was made (or scheduled)
    refused = "refused"  # not allowed; says why and who can
    invalid = "invalid"  # bad arguments; says what and how
    listing = "listing"  # lines of a report: history, mine


@dataclass(frozen=True)
class Action:
    """A suggested next step an adapter may show as a button."""

    id: str  # "lookup", "share", "ask"
    label: str
    value: str


@dataclass(frozen=True)
class Message:
    """A catalogue key and its values; PersonView values become mentions when rendered."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    lang: str
    answer: TopicAnswer | None = None
    suggestions: tuple[str, ...] = ()
    query: str = ""  # what the user asked about, for "did you mean" and "unknown"
    note: str = ""  # a catalogue key: the message of done/refused/invalid replies
    values: dict[str, Any] = field(default_factory=dict)  # filled into the note's text
    lines: tuple[Message, ...] = ()  # a listing's lines, each a catalogue key and values
    actions: tuple[Action, ...] = field(default=())
    choices: tuple[Choice, ...] = ()  # a close call: the likely topics, best first
