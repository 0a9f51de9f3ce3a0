"""Undoing a scheduled handover before its day: its rows never take effect."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from store.models import Assignment, AssignmentKind, DirectoryChange
from store.outbox import as_utc


def cancel_scheduled(*, session: Session, topic_id: int, starts_at: datetime) -> None:
    """Void the primary row starting then (ends as it starts: kept, never effective) and
    let the row it would have ended run on."""
    primary = (Assignment.topic_id == topic_id) & (Assignment.kind == AssignmentKind.primary)
    session.execute(
        update(Assignment).where(primary, Assignment.starts_at == starts_at).values(ends_at=starts_at)
    )
    session.execute(
        update(Assignment)
        .where(primary, Assignment.ends_at == starts_at, Assignment.starts_at < starts_at)
        .values(ends_at=None)
    )


SCHEDULED_KINDS = ("primary", "backup_add")  # what a directory file can schedule


def pending_changes(*, session: Session, after: datetime,
                    topic_ids: list[int] | None = None) -> dict[int, list[tuple[datetime, str, int]]]:
    """The changes still to come (effective after `after`, not cancelled): topic id ->
    [(when, kind, person id)], in the order they happen."""
    query = select(DirectoryChange.topic_id, DirectoryChange.effective_at, DirectoryChange.kind,
                   DirectoryChange.person_id).where(
        DirectoryChange.announced_at.is_(None), DirectoryChange.cancelled_at.is_(None),
        DirectoryChange.effective_at > as_utc(after), DirectoryChange.kind.in_(SCHEDULED_KINDS),
    ).order_by(DirectoryChange.effective_at, DirectoryChange.id)
    if topic_ids is not None:
        query = query.where(DirectoryChange.topic_id.in_(topic_ids))
    found: dict[int, list[tuple[datetime, str, int]]] = {}
    for topic_id, when, kind, person_id in session.execute(query):
        found.setdefault(topic_id, []).append((as_utc(when), kind, person_id))
    return found


def cancel_pending(*, session: Session, topic_id: int, now: datetime) -> None:
    """Undo every change still to come for a topic, as if never scheduled: its rows never take
    effect and the rows they would have ended run on; the changes are kept, cancelled."""
    times = sorted({when for when, _, _ in pending_changes(session=session, after=now, topic_ids=[topic_id])
                    .get(topic_id, [])}, reverse=True)
    of_topic = Assignment.topic_id == topic_id
    for when in times:  # latest first: each undone row leaves the one before it open-ended again
        session.execute(update(Assignment).where(of_topic, Assignment.starts_at == when).values(ends_at=when))
        session.execute(update(Assignment).where(of_topic, Assignment.ends_at == when, Assignment.starts_at < when)
                        .values(ends_at=None))
    session.execute(update(DirectoryChange).where(
        DirectoryChange.topic_id == topic_id, DirectoryChange.announced_at.is_(None),
        DirectoryChange.cancelled_at.is_(None), DirectoryChange.effective_at > as_utc(now),
    ).values(cancelled_at=as_utc(now)))
