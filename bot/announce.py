"""Who hears about a change, as outbox rows written in the change's own transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from bot.addresses import person_address, person_payload
from bot.platforms import channel_platform
from bot.inquiry_moves import move_inquiries
from bot.nudges import NudgePolicy
from store.models import DirectoryChange, Subscription, Topic, TopicTag
from store.people import by_email, by_ids
from store import outbox
from store.outbox import NewMessage

_MAX_DEPTH = 32


def announce_change(*, session: Session, change: DirectoryChange, now: datetime, lang: str = "en",
                    policy: NudgePolicy = NudgePolicy()) -> int:
    """Write one announcement per hearing channel and the DMs; returns how many rows."""
    topic = session.get(Topic, change.topic_id)
    people = by_ids(session=session, ids=[i for i in (change.person_id, change.previous_person_id) if i])
    person, previous = people.get(change.person_id), people.get(change.previous_person_id)
    payload = {
        "lang": lang, "topic": topic.name, "topic_id": topic.id, "change": change.kind,
        "person": person_payload(person), "previous": person_payload(previous),
        "actor": change.actor, "actor_person": person_payload(by_email(session=session, email=change.actor)),
        "reason": change.reason, "effective_at": change.effective_at.isoformat(),
    }
    rows = [(platform, channel, "announcement") for platform, channel in hearing_channels(session, topic)]
    if person is not None:
        rows.append((*person_address(person), f"dm_{change.kind}_new"))
    if previous is not None and previous.id != (person.id if person else None):
        rows.append((*person_address(previous), f"dm_{change.kind}_old"))
    written = outbox.add(session=session, now=now, messages=[
        NewMessage(f"change:{change.id}:{kind}", kind, platform, address, payload) for platform, address, kind in rows])
    return written + move_inquiries(session=session, change=change, topic=topic, now=now, lang=lang, defaults=policy)


def hearing_channels(session: Session, topic: Topic) -> list[tuple[str, str]]:
    """The topic's own channel, and channels subscribed to it, its ancestors, its tags or all."""
    lineage = _lineage(session, topic)
    tags = list(session.execute(select(TopicTag.tag).where(TopicTag.topic_id == topic.id)).scalars())
    wanted = (
        ((Subscription.target_kind == "topic") & Subscription.target.in_([str(t.id) for t in lineage]))
        | ((Subscription.target_kind == "tag") & Subscription.target.in_(tags))
        | (Subscription.target_kind == "all")
    )
    found = [(s.platform, s.channel) for s in session.execute(select(Subscription).where(wanted)).scalars()]
    if topic.channel:
        found.insert(0, (channel_platform(topic.channel), topic.channel))
    return list(dict.fromkeys(found))


def _lineage(session: Session, topic: Topic) -> list[Topic]:
    chain, current = [], topic
    while current is not None and len(chain) < _MAX_DEPTH:
        chain.append(current)
        current = session.get(Topic, current.parent_id) if current.parent_id else None
    return chain
