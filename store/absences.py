"""Absences as people declare them: away until a day (with a delegate or not), and back."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from store.models import Absence


def start(*, session: Session, person_id: int, delegate_id: int | None, now: datetime, until: datetime) -> None:
    session.add(Absence(person_id=person_id, delegate_id=delegate_id, starts_at=now, ends_at=until, created_at=now))


def end_current(*, session: Session, person_id: int, now: datetime) -> int:
    """End the person's absences under way now; returns how many there were."""
    current = (Absence.person_id == person_id) & (Absence.starts_at <= now) & (Absence.ends_at > now)
    ids = list(session.execute(select(Absence.id).where(current)).scalars())
    if ids:
        session.execute(update(Absence).where(Absence.id.in_(ids)).values(ends_at=now))
    return len(ids)
