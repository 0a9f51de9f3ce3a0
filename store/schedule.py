"""Undoing a scheduled handover before its day: its rows never take effect."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from store.models import Assignment, AssignmentKind


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
