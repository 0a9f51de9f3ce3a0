"""Topics one at a time, as chat commands change them: add, alias, rename, remove, their nudge policy."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from store.models import Topic, TopicAlias, TopicPolicy, TopicTag


def get(*, session: Session, topic_id: int) -> Topic | None:
    return session.get(Topic, topic_id)


def key_taken(*, session: Session, key: str) -> bool:
    """A key held by any topic name or alias, removed topics included (history stays unique)."""
    name = session.execute(select(Topic.id).where(Topic.key == key)).first()
    return name is not None or session.execute(select(TopicAlias.id).where(TopicAlias.key == key)).first() is not None


def tag_known(*, session: Session, tag: str) -> bool:
    return session.execute(select(TopicTag.id).where(TopicTag.tag == tag)).first() is not None


def add(*, session: Session, name: str, key: str, parent_id: int | None, now: datetime) -> Topic:
    """A new topic, flushed so that its id is known."""
    topic = Topic(name=name, key=key, parent_id=parent_id, created_at=now)
    session.add(topic)
    session.flush()
    return topic


def add_alias(*, session: Session, topic_id: int, alias: str, key: str) -> None:
    session.add(TopicAlias(topic_id=topic_id, alias=alias, key=key))


def rename(*, session: Session, topic: Topic, name: str, key: str) -> None:
    topic.name, topic.key = name, key
    session.add(topic)


def remove(*, session: Session, topic: Topic, now: datetime) -> None:
    """The row stays (and its history): a removed topic just stops resolving."""
    topic.removed_at = now
    session.add(topic)


def policy(*, session: Session, topic_id: int) -> TopicPolicy | None:
    """The topic's own nudge settings, if it has any."""
    return session.get(TopicPolicy, topic_id)


def save_policy(*, session: Session, row: TopicPolicy, values: dict[str, Any]) -> None:
    """Store these settings in the topic's policy row (read by `policy`, or new)."""
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
