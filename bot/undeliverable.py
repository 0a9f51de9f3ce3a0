"""Deliveries given up for good must not vanish in a log: who can fix them hears about it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.addresses import person_address
from bot.notify import OutboundMessage
from bot.permissions import managers_of
from store.models import OutboxMessage, Person, Role, Topic
from store.people import by_email

UNREACHABLE = "channel_unreachable"
_MAX_DEPTH = 32


def tell_unreachable(*, session: Session, message: OutboundMessage, now: datetime) -> int:
    """A channel the bot is not in (a private one: it must be invited) lost a message.

    The person who made the change and the topic's managers (else the admins) are told
    how to fix it, once per channel each; returns how many notices were written.
    """
    payload = message.payload or {}
    notice = {"lang": payload.get("lang", "en"), "channel": message.address, "topic": payload.get("topic") or ""}
    recipients = _who_can_fix(session, payload, now)
    return sum(_write(session, message.platform, message.address, person, notice, now) for person in recipients)


def _who_can_fix(session: Session, payload: dict, now: datetime) -> list[Person]:
    found: dict[int, Person] = {}
    actor = by_email(session=session, email=str(payload.get("actor") or ""))
    if actor is not None and actor.id is not None:
        found[actor.id] = actor
    topic_id = payload.get("topic_id")
    managers = managers_of(session, _lineage(session, int(topic_id)), now) if topic_id else set()
    wanted = select(Person).where(Person.id.in_(managers)) if managers else select(Person).where(Person.role == Role.admin)
    for person in session.execute(wanted).scalars():
        found.setdefault(person.id or 0, person)
    return list(found.values())


def _lineage(session: Session, topic_id: int) -> list[int]:
    chain, current = [], session.get(Topic, topic_id)
    while current is not None and len(chain) < _MAX_DEPTH:
        chain.append(current.id)
        current = session.get(Topic, current.parent_id) if current.parent_id else None
    return chain


def _write(session: Session, platform: str, channel: str, person: Person, notice: dict, now: datetime) -> int:
    """Insert unless this person was already told about this channel (then 0)."""
    to_platform, address = person_address(person)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(OutboxMessage.__table__).values(
        dedupe_key=f"{UNREACHABLE}:{platform}:{channel}:{to_platform}:{address}"[:200], platform=to_platform,
        address=address, kind=UNREACHABLE, payload=notice, status="pending", attempts=0, tries=0,
        next_attempt_at=now, created_at=now, last_error="",
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage.__table__.c.id)
    return len(session.execute(statement).all())
