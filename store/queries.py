"""Read queries for lookups: index rows, topics and the people assigned at a moment."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlmodel import Session

from store.models import Assignment, AssignmentKind, DirectoryState, Person, Topic, TopicAlias


@dataclass(frozen=True)
class Assigned:
    topic_id: int
    kind: AssignmentKind
    position: int
    person: Person


def directory_version(*, session: Session) -> int:
    version = session.execute(select(DirectoryState.version).where(DirectoryState.id == 1))
    return version.scalar() or 0


def index_rows(*, session: Session) -> Iterator[tuple[int, str, bool]]:
    """(topic id, name or alias, is_alias) for every live topic, names first."""
    live = Topic.removed_at.is_(None)
    for topic_id, name in session.execute(select(Topic.id, Topic.name).where(live)):
        yield topic_id, name, False
    aliases = select(TopicAlias.topic_id, TopicAlias.alias).join(Topic).where(live)
    for topic_id, alias in session.execute(aliases):
        yield topic_id, alias, True


def topic(*, session: Session, topic_id: int) -> Topic | None:
    return session.get(Topic, topic_id)


def topics_by_id(*, session: Session, topic_ids: list[int]) -> dict[int, Topic]:
    rows = session.execute(select(Topic).where(Topic.id.in_(topic_ids))).scalars()
    return {t.id: t for t in rows}


def assigned_at(*, session: Session, topic_ids: list[int], at: datetime) -> list[Assigned]:
    """Who held each topic at that moment, primaries first, backups in their order."""
    query = (
        select(Assignment.topic_id, Assignment.kind, Assignment.position, Person)
        .join(Person, Person.id == Assignment.person_id)
        .where(
            Assignment.topic_id.in_(topic_ids),
            Assignment.starts_at <= at,
            or_(Assignment.ends_at.is_(None), Assignment.ends_at > at),
        )
        .order_by(Assignment.position, Assignment.id)
    )
    rows = [Assigned(*row) for row in session.execute(query)]
    # Sorted here: enum order differs between SQLite (text) and PostgreSQL (enum type).
    return sorted(rows, key=lambda a: a.kind != AssignmentKind.primary)
