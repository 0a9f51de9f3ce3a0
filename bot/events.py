"""What happened, as typed events: a service records them, handlers (bot/reactions.py) answer
them with messages in the same transaction. Plain data: an event names rows, it does not
hold them."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlmodel import Session

from bot.nudges import NudgePolicy
from store import hearing
from store import people as person_store
from store.models import Person


@dataclass(frozen=True)
class Event:
    """Something that happened in a unit of work. `origin` and `origin_id` name the row it
    comes from: the outbox derives each message's dedupe key from them (store/outbox.py)."""

    origin: ClassVar[str] = "event"

    @property
    def origin_id(self) -> int:
        raise NotImplementedError


@dataclass(frozen=True)
class DirectoryChanged(Event):
    """A kept change of who holds a topic (a `directory_change` row) that takes effect now:
    chat commands, imports and the handovers job when its day comes all record one."""

    origin: ClassVar[str] = "change"
    kind: ClassVar[str] = ""  # the directory_change kind this event stands for
    change_id: int
    topic_id: int
    person_id: int | None  # who holds (or held, for a backup removed) after the change
    previous_id: int | None
    actor: str  # the email (or platform:user) the audit log names
    reason: str
    effective_at: datetime

    @property
    def origin_id(self) -> int:
        return self.change_id


@dataclass(frozen=True)
class PocChanged(DirectoryChanged):
    kind: ClassVar[str] = "primary"


@dataclass(frozen=True)
class Unassigned(DirectoryChanged):
    """The POC was removed and nobody named instead (`person_id` is None)."""

    kind: ClassVar[str] = "unassign"


@dataclass(frozen=True)
class BackupAdded(DirectoryChanged):
    kind: ClassVar[str] = "backup_add"


@dataclass(frozen=True)
class BackupRemoved(DirectoryChanged):
    kind: ClassVar[str] = "backup_remove"


CHANGE_EVENTS: dict[str, type[DirectoryChanged]] = {
    cls.kind: cls for cls in (PocChanged, Unassigned, BackupAdded, BackupRemoved)}


@dataclass(frozen=True)
class HandoverScheduled(Event):
    """A change kept for a later date: nothing is said now; on its day the handovers job
    records the DirectoryChanged event it stands for."""

    origin: ClassVar[str] = "change"
    change_id: int
    topic_id: int
    kind: str
    person_id: int | None
    effective_at: datetime

    @property
    def origin_id(self) -> int:
        return self.change_id


@dataclass(frozen=True)
class InquiriesMoved(Event):
    """A change gave the previous POC's waiting inquiries on a topic to someone else."""

    origin: ClassVar[str] = "change"
    change_id: int
    topic_id: int
    inquiry_ids: tuple[int, ...]
    to_person: int
    from_person: int

    @property
    def origin_id(self) -> int:
        return self.change_id


def change_event(*, change_id: int, topic_id: int, kind: str, person_id: int | None, previous_id: int | None,
                 actor: str, reason: str, effective_at: datetime) -> DirectoryChanged:
    """The event a directory_change row of this kind stands for once it takes effect."""
    return CHANGE_EVENTS[kind](change_id, topic_id, person_id, previous_id, actor, reason, effective_at)


Handler = Callable[["Changes", Any], int | None]  # returns how many outbox rows it wrote


class Registry:
    """Which handlers answer which event type, in order (exact types: a subclass lists its own)."""

    def __init__(self, table: Mapping[type[Event], Sequence[Handler]] | None = None) -> None:
        self._table: dict[type[Event], list[Handler]] = {kind: list(found) for kind, found in (table or {}).items()}

    def on(self, event_type: type[Event], handler: Handler) -> None:
        self._table.setdefault(event_type, []).append(handler)

    def off(self, event_type: type[Event], handler: Handler) -> None:
        self._table[event_type].remove(handler)

    @contextmanager
    def also(self, event_type: type[Event], handler: Handler) -> Iterator[None]:
        """The handler answers the event type for the block's length (tests, a one-off job)."""
        self.on(event_type, handler)
        try:
            yield
        finally:
            self.off(event_type, handler)

    def handlers(self, event_type: type[Event]) -> list[Handler]:
        return list(self._table.get(event_type, ()))

    def listing(self) -> dict[str, list[str]]:
        """Event name -> handler names: what answers what, for people and tests."""
        return {kind.__name__: [h.__name__ for h in found] for kind, found in self._table.items()}


class Changes:
    """What happened in one unit of work. Recording an event runs its handlers at once, in the
    unit's own transaction (before it commits): their outbox rows are written with the change,
    or rolled back with it. Rows a handler loads are kept for the next one (and for the service),
    so one change does not read a person or a topic twice."""

    def __init__(self, session: Session, *, registry: Registry, now: datetime, lang: str = "en",
                 policy: NudgePolicy = NudgePolicy(), topics: Mapping[int, Any] | None = None,
                 people: Iterable[Person] = ()) -> None:
        self.session, self.registry, self.now, self.lang, self.policy = session, registry, now, lang, policy
        self._topics = topics or {}  # the index's topic rows, when the caller has them
        self._people: dict[int, Person] = {}
        self._emails: dict[str, Person | None] = {}
        self.know(*people)
        self.recorded: list[Event] = []
        self.written = 0  # outbox rows the handlers wrote

    def record(self, event: Event) -> int:
        """Keep the event and run its handlers; returns the outbox rows they (and the events
        they recorded in turn) wrote."""
        before = self.written
        self.recorded.append(event)
        for handler in self.registry.handlers(type(event)):
            wrote = handler(self, event) or 0  # read after: events it records add to `written` too
            self.written += wrote
        return self.written - before

    def know(self, *people: Person | None) -> None:
        for person in people:
            if person is not None and person.id is not None:
                self._people[person.id] = person
                self._emails[person.email.lower()] = person

    def people(self, ids: Iterable[int | None]) -> dict[int, Person]:
        wanted = {i for i in ids if i is not None}
        missing = [i for i in wanted if i not in self._people]
        if missing:
            self.know(*person_store.by_ids(session=self.session, ids=missing).values())
        return {i: self._people[i] for i in wanted if i in self._people}

    def person_by_email(self, email: str) -> Person | None:
        key = email.strip().lower()
        if key not in self._emails:
            self._emails[key] = person_store.by_email(session=self.session, email=email)
        return self._emails[key]

    def topic(self, topic_id: int) -> Any:
        """The topic's row (id, name, channel, parent_id): the index's copy, else the store's."""
        found = self._topics.get(topic_id)
        return found if found is not None else hearing.topic(session=self.session, topic_id=topic_id)
