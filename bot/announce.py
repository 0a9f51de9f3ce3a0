"""Who hears about a change: the handler that writes its announcement to the channels that hear
about the topic and its DMs to the people it concerns (outbox rows, in the change's transaction)."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.addresses import person_address, person_payload
from bot.events import Changes, DirectoryChanged
from bot.platforms import channel_platform
from store import hearing, outbox


def announce(unit: Changes, event: DirectoryChanged) -> int:
    """One announcement per hearing channel, a DM to whom the change names and one to whom it
    replaced; returns how many rows went in."""
    topic = unit.topic(event.topic_id)
    people = unit.people([event.person_id, event.previous_id])
    person, previous = people.get(event.person_id or 0), people.get(event.previous_id or 0)
    payload = {
        "lang": unit.lang, "topic": topic.name, "topic_id": topic.id, "change": event.kind,
        "person": person_payload(person), "previous": person_payload(previous),
        "actor": event.actor, "actor_person": person_payload(unit.person_by_email(event.actor)),
        "reason": event.reason, "effective_at": event.effective_at.isoformat(),
    }
    rows = [(platform, channel, "announcement") for platform, channel in hearing_channels(unit.session, topic)]
    if person is not None:
        rows.append((*person_address(person), f"dm_{event.kind}_new"))
    if previous is not None and previous.id != (person.id if person else None):
        rows.append((*person_address(previous), f"dm_{event.kind}_old"))
    return outbox.add(session=unit.session, now=unit.now, messages=[
        outbox.about(event, kind, kind=kind, platform=platform, address=address, payload=payload)
        for platform, address, kind in rows])


def hearing_channels(session: Session, topic: Any) -> list[tuple[str, str]]:
    """The topic's own channel, and channels subscribed to it, its ancestors, its tags or all."""
    found = hearing.subscribed_channels(session=session, topic_id=topic.id)
    if topic.channel:
        found.insert(0, (channel_platform(topic.channel), topic.channel))
    return list(dict.fromkeys(found))
