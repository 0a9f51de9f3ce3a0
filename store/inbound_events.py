"""Claims on inbound platform events, so that a retried event is handled once."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from store.models import InboundEvent


def claim(*, session: Session, platform: str, event_id: str, now: datetime, lease: timedelta) -> bool:
    """True for exactly one caller at a time: the first, or one whose earlier try lapsed.

    One conditional upsert: insert the claim, or take over a row that is not done
    and whose lease expired. Both SQLite and PostgreSQL give one winner.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = InboundEvent.__table__
    statement = dialect.insert(table).values(
        platform=platform, event_id=event_id, done=False, lease_until=now + lease, created_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.platform, table.c.event_id],
        set_={"lease_until": now + lease},
        where=(table.c.done.is_(False)) & (table.c.lease_until < now),
    ).returning(table.c.id)
    return session.execute(statement).first() is not None


def finish(*, session: Session, platform: str, event_id: str) -> None:
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.platform == platform, InboundEvent.event_id == event_id)
        .values(done=True)
    )


def release(*, session: Session, platform: str, event_id: str, now: datetime) -> None:
    """Let a retry take the event over at once: the first try failed."""
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.platform == platform, InboundEvent.event_id == event_id)
        .values(lease_until=now - timedelta(seconds=1))
    )


def forget_before(*, session: Session, before: datetime) -> int:
    """Drop claims older than any retry the platform would still send."""
    result = session.execute(delete(InboundEvent).where(InboundEvent.created_at < before))
    return result.rowcount or 0
