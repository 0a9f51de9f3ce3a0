"""Directory changes (who holds a topic, now or from a date): kept, found, claimed when due."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from store.models import Assignment, AssignmentKind, DirectoryChange, Person, Topic
from store.outbox import as_utc

_TABLE = DirectoryChange.__table__


def add(*, session: Session, topic_id: int, kind: str, person_id: int | None, previous_id: int | None,
        effective_at: datetime, actor: str, reason: str, now: datetime, announced: bool) -> DirectoryChange:
    """Keep one change (announced now, or left for the handovers job); returns it with its id."""
    change = DirectoryChange(
        topic_id=topic_id, kind=kind, person_id=person_id, previous_person_id=previous_id,
        effective_at=effective_at, actor=actor, reason=reason, created_at=now,
        announced_at=now if announced else None,
    )
    session.add(change)
    session.flush()
    return change


def pending_handover(*, session: Session, topic_id: int) -> DirectoryChange | None:
    """The topic's handover not yet announced nor cancelled, if any."""
    query = select(DirectoryChange).where(
        DirectoryChange.topic_id == topic_id, DirectoryChange.kind == "primary",
        DirectoryChange.announced_at.is_(None), DirectoryChange.cancelled_at.is_(None),
    )
    return session.execute(query).scalars().first()


def cancel(*, session: Session, change: DirectoryChange, at: datetime) -> None:
    change.cancelled_at = at
    session.add(change)


def claim_due(*, session: Session, now: datetime) -> list[DirectoryChange]:
    """Mark every due change announced and return them, oldest first. One conditional
    UPDATE ... RETURNING: a racing runner re-checks announced_at and skips."""
    now = as_utc(now)
    due = and_(_TABLE.c.announced_at.is_(None), _TABLE.c.cancelled_at.is_(None), _TABLE.c.effective_at <= now)
    rows = session.execute(update(_TABLE).where(due).values(announced_at=now).returning(*_TABLE.c)).mappings()
    changes = [DirectoryChange(**dict(row)) for row in rows]
    for change in changes:
        change.effective_at = as_utc(change.effective_at)  # SQLite returns naive datetimes
    return sorted(changes, key=lambda c: c.id or 0)


def unclaim(*, session: Session, change_id: int) -> None:
    """Put a claimed change back: the next run announces it."""
    session.execute(update(DirectoryChange).where(DirectoryChange.id == change_id).values(announced_at=None))


def ids_by_email(*, session: Session, emails: Collection[str]) -> dict[str, int]:
    return dict(session.execute(select(Person.email, Person.id).where(Person.email.in_(list(emails)))).all())


def topic_ids_by_key(*, session: Session, keys: Collection[str]) -> dict[str, int]:
    return dict(session.execute(select(Topic.key, Topic.id).where(Topic.key.in_(list(keys)))).all())


@dataclass(frozen=True)
class Holding:
    """One assignment row of a topic that holds now or later, with its person."""

    assignment_id: int
    kind: AssignmentKind
    position: int
    starts_at: datetime
    ends_at: datetime | None
    person: Person


def holdings(*, session: Session, topic_id: int, after: datetime) -> list[Holding]:
    """The topic's rows not ended by `after` (those holding then or later), with their people:
    one statement that tells who holds it at any moment from `after` on."""
    query = (select(Assignment.id, Assignment.kind, Assignment.position, Assignment.starts_at, Assignment.ends_at,
                    Person)
             .join(Person, Person.id == Assignment.person_id)
             .where(Assignment.topic_id == topic_id,
                    or_(Assignment.ends_at.is_(None), Assignment.ends_at > as_utc(after))))
    return [Holding(row_id, AssignmentKind(kind), position, as_utc(starts), as_utc(ends) if ends else None, person)
            for row_id, kind, position, starts, ends, person in session.execute(query)]
