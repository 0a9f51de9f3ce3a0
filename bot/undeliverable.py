"""Deliveries given up for good must not vanish in a log: who can fix them hears about it."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.addresses import person_address
from bot.delivery import OutboundMessage
from bot.permissions import managers_of
from store.models import Person
from store.people import by_email
from store import access, hearing, outbox
from store.outbox import NewMessage

UNREACHABLE = "channel_unreachable"


def tell_unreachable(*, session: Session, message: OutboundMessage, now: datetime) -> int:
    """A channel the bot is not in (a private one: it must be invited) lost a message.

    The person who made the change and the topic's managers (else the admins) are told
    how to fix it, once per channel each; returns how many notices were written.
    """
    payload = message.payload or {}
    notice = {"lang": payload.get("lang", "en"), "channel": message.address, "topic": payload.get("topic") or ""}
    recipients = _who_can_fix(session, payload, now)
    return outbox.add(session=session, now=now, messages=[
        NewMessage(f"{UNREACHABLE}:{message.platform}:{message.address}", UNREACHABLE, *person_address(person), notice)
        for person in recipients])


def _who_can_fix(session: Session, payload: dict, now: datetime) -> list[Person]:
    found: dict[int, Person] = {}
    actor = by_email(session=session, email=str(payload.get("actor") or ""))
    if actor is not None and actor.id is not None:
        found[actor.id] = actor
    topic_id = payload.get("topic_id")
    lineage = hearing.lineage_ids(session=session, topic_id=int(topic_id)) if topic_id else []
    managers = managers_of(session, lineage, now) if lineage else set()
    wanted = access.in_ids(session=session, ids=managers) if managers else access.admins(session=session)
    for person in wanted:
        found.setdefault(person.id or 0, person)
    return list(found.values())
