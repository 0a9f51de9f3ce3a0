"""Whole-directory reads and writes in a few statements, for imports and exports."""
from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session

from store.bulk import chunks, insert_rows
from store.directory import Current, current_assignments
from store.models import Person, Topic, TopicAlias, TopicExample, TopicManager, TopicTag
from store.outbox import as_utc
from store.schedule import pending_changes

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    email: str
    name: str
    slack_id: str | None
    teams_id: str | None
    timezone: str | None
    role: str


@dataclass(frozen=True, slots=True)
class TopicRow:
    id: int
    key: str
    name: str
    description: str
    parent_id: int | None
    channel: str | None
    removed: bool


@dataclass
class DirectorySnapshot:
    """The whole directory as plain values: people by lower-cased email, topics by key."""

    people: dict[str, PersonRow]
    topics: dict[str, TopicRow]
    aliases: dict[int, list[tuple[str, str]]]  # topic id -> (alias or other spelling, key), oldest first
    tags: dict[int, list[str]]  # topic id -> tags, oldest first
    current: dict[int, Current]  # topic id -> current holders
    managers: dict[int, list[int]] = field(default_factory=dict)  # topic id -> person ids
    examples: dict[int, list[str]] = field(default_factory=dict)  # topic id -> taught phrasings
    # topic id -> changes still to come: (when, "primary" | "backup_add", person id), in order
    scheduled: dict[int, list[tuple[datetime, str, int]]] = field(default_factory=dict)
    email_of: dict[int, str] = field(init=False)
    topic_by_id: dict[int, TopicRow] = field(init=False)
    alias_owner: dict[str, int] = field(init=False)  # alias key -> topic id

    def __post_init__(self) -> None:
        self.email_of = {p.id: email for email, p in self.people.items()}
        self.topic_by_id = {t.id: t for t in self.topics.values()}
        self.alias_owner = {key: tid for tid, pairs in self.aliases.items() for _, key in pairs}


def load_snapshot(*, session: Session, now: datetime | None = None) -> DirectorySnapshot:
    """Read people, topics (removed ones too), aliases, tags, holders and managers.

    With `now`, the holders are those of that moment and `scheduled` the changes still to
    come; without, the open-ended rows (a scheduled handover's person already)."""
    people_query = select(Person.id, Person.email, Person.name, Person.slack_id,
                          Person.teams_id, Person.timezone, Person.role)
    people: dict[str, PersonRow] = {}
    for pid, email, name, slack_id, teams_id, tz, role in session.execute(people_query):
        people[email.lower()] = PersonRow(pid, email.lower(), name, slack_id, teams_id, tz,
                                          getattr(role, "value", role))
    topic_query = select(Topic.id, Topic.key, Topic.name, Topic.description, Topic.parent_id,
                         Topic.channel, Topic.removed_at)
    topics = {row[1]: TopicRow(*row[:6], removed=row[6] is not None)
              for row in session.execute(topic_query)}
    aliases: dict[int, list[tuple[str, str]]] = {}
    alias_query = select(TopicAlias.topic_id, TopicAlias.alias, TopicAlias.key, TopicAlias.spellings)
    for topic_id, alias, key, spellings in session.execute(alias_query.order_by(TopicAlias.id)):
        # Each other spelling of the key is listed beside it, as the file wrote it.
        aliases.setdefault(topic_id, []).extend((spelling, key) for spelling in [alias, *(spellings or [])])
    tags: dict[int, list[str]] = {}
    tag_query = select(TopicTag.topic_id, TopicTag.tag).order_by(TopicTag.id)
    for topic_id, tag in session.execute(tag_query):
        tags.setdefault(topic_id, []).append(tag)
    current = current_assignments(session=session, at=as_utc(now) if now else None)
    scheduled = pending_changes(session=session, after=now) if now else {}
    managers: dict[int, list[int]] = {}
    manager_query = select(TopicManager.topic_id, TopicManager.person_id).order_by(TopicManager.id)
    for topic_id, person_id in session.execute(manager_query):
        managers.setdefault(topic_id, []).append(person_id)
    examples: dict[int, list[str]] = {}
    # People's picks are the store's own evidence: a file neither lists nor replaces them.
    picks = select(TopicExample.topic_id, TopicExample.text).where(TopicExample.source != "picked")
    for topic_id, text in session.execute(picks.order_by(TopicExample.id)):
        examples.setdefault(topic_id, []).append(text)
    return DirectorySnapshot(people, topics, aliases, tags, current, managers, examples, scheduled)


def insert_people(*, session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert people (every column given, emails lower-cased); returns their ids by email."""
    insert_rows(session=session, model=Person, rows=rows)
    return _ids(session, Person.email, [row["email"] for row in rows])  # type: ignore[arg-type]


def insert_topics(*, session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert topics (every column given); returns their ids by key."""
    insert_rows(session=session, model=Topic, rows=rows)
    return _ids(session, Topic.key, [row["key"] for row in rows])  # type: ignore[arg-type]


def _ids(session: Session, column: InstrumentedAttribute[str], values: list[str]) -> dict[str, int]:
    # Read back rather than RETURNING, which COPY (PostgreSQL's fast path) cannot do.
    model = column.class_
    found: dict[str, int] = {}
    for chunk in chunks(values):
        rows = session.execute(select(column, model.id).where(column.in_(chunk)))
        found.update((value, row_id) for value, row_id in rows)
    return found


def delete_topic_children(
    *, session: Session, model: type[TopicAlias] | type[TopicTag] | type[TopicManager] | type[TopicExample],
    topic_ids: Collection[int],
) -> None:
    """Delete the aliases (or tags, or managers) of these topics, to write them afresh."""
    column = model.topic_id  # type: ignore[union-attr]
    for chunk in chunks(sorted(topic_ids)):
        session.execute(delete(model).where(column.in_(chunk)))
