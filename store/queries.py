"""Read queries for lookups: the live directory for the index, and who held a topic when."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlmodel import Session

from store.models import Assignment, AssignmentKind, DirectoryState, Person, Topic, TopicAlias


@dataclass(frozen=True)
class TopicRow:
    id: int
    name: str
    key: str
    description: str
    parent_id: int | None
    channel: str | None


@dataclass(frozen=True)
class AssignedPerson:
    topic_id: int
    kind: AssignmentKind
    position: int
    person_id: int
    name: str
    email: str
    slack_id: str | None
    teams_id: str | None


# Built once: composing a statement costs more than running it on the hot path.
_VERSION = select(DirectoryState.version).where(DirectoryState.id == 1)
_ASSIGNED = (
    select(
        Assignment.topic_id, Assignment.kind, Assignment.position,
        Person.id, Person.name, Person.email, Person.slack_id, Person.teams_id,
    )
    .join(Person, Person.id == Assignment.person_id)
    .where(
        Assignment.topic_id.in_(bindparam("topic_ids", expanding=True)),
        Assignment.starts_at <= bindparam("at"),
        or_(Assignment.ends_at.is_(None), Assignment.ends_at > bindparam("at")),
    )
    .order_by(Assignment.position, Assignment.id)
)


def directory_version(*, session: Session) -> int:
    return session.connection().execute(_VERSION).scalar() or 0


def live_topics(*, session: Session) -> Iterator[TopicRow]:
    columns = (Topic.id, Topic.name, Topic.key, Topic.description, Topic.parent_id, Topic.channel)
    query = select(*columns).where(Topic.removed_at.is_(None))
    # fetchall: iterating a result row by row costs a Python call per row.
    for row in session.connection().execute(query).fetchall():
        yield TopicRow(*row)


def live_aliases(*, session: Session) -> Iterator[tuple[int, str, str]]:
    """(topic id, alias, key) of live topics; keys are topic_key(alias), stored on write."""
    query = select(TopicAlias.topic_id, TopicAlias.alias, TopicAlias.key).join(Topic)
    yield from session.connection().execute(query.where(Topic.removed_at.is_(None))).fetchall()


def assigned_at(*, session: Session, topic_ids: list[int], at: datetime) -> list[AssignedPerson]:
    """Who held these topics at that moment: primaries first, backups in their order."""
    result = session.connection().execute(_ASSIGNED, {"topic_ids": topic_ids, "at": at})
    rows = [AssignedPerson(*row) for row in result]
    # Sorted here: enum order differs between SQLite (text) and PostgreSQL (enum type).
    return sorted(rows, key=lambda a: a.kind != AssignmentKind.primary)


_HELD_BY = (
    select(Topic.id, Topic.name, Assignment.kind)
    .join(Topic, Topic.id == Assignment.topic_id)
    .where(
        Assignment.person_id == bindparam("person_id"),
        Assignment.starts_at <= bindparam("at"),
        or_(Assignment.ends_at.is_(None), Assignment.ends_at > bindparam("at")),
        Topic.removed_at.is_(None),
    )
    .order_by(Topic.name)
)


def held_by(*, session: Session, person_id: int, at: datetime) -> list[tuple[int, str, AssignmentKind]]:
    """(topic id, topic name, primary or backup) for what a person holds at that moment."""
    result = session.connection().execute(_HELD_BY, {"person_id": person_id, "at": at})
    return [(topic_id, name, AssignmentKind(kind)) for topic_id, name, kind in result]
