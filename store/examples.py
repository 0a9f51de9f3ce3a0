"""Taught phrasings of topics (examples): the only SQL on them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from store.models import Topic, TopicExample


def add(*, session: Session, topic_id: int, text: str, key: str, source: str, actor: str,
        now: datetime) -> bool:
    """Keep the phrasing for the topic; False when the topic had it already."""
    found = session.execute(
        select(TopicExample.id).where(TopicExample.topic_id == topic_id, TopicExample.key == key)
    ).first()
    if found is not None:
        return False
    try:
        with session.begin_nested():  # a racing double click: the loser keeps nothing, not an error
            session.add(TopicExample(topic_id=topic_id, text=text, key=key, source=source, created_by=actor,
                                     created_at=now))
    except IntegrityError:
        return False
    return True


def holders(*, session: Session, key: str, topic_id: int | None = None) -> list[int]:
    """The topics that have this phrasing (among one topic, or all)."""
    query = (select(TopicExample.topic_id).join(Topic, Topic.id == TopicExample.topic_id)
             .where(TopicExample.key == key, Topic.removed_at.is_(None)))
    if topic_id is not None:
        query = query.where(TopicExample.topic_id == topic_id)
    return [row[0] for row in session.execute(query)]


def remove(*, session: Session, key: str, topic_ids: list[int]) -> None:
    session.execute(delete(TopicExample).where(TopicExample.key == key, TopicExample.topic_id.in_(topic_ids)))


def live(*, session: Session) -> list[tuple[int, str, str]]:
    """(topic id, text, source) of every example of a live topic, oldest first."""
    query = (select(TopicExample.topic_id, TopicExample.text, TopicExample.source)
             .join(Topic, Topic.id == TopicExample.topic_id)
             .where(Topic.removed_at.is_(None)).order_by(TopicExample.id))
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def clear_for_import(*, session: Session, wanted: dict[int, list[str]]) -> None:
    """Before an import writes these topics' examples (folded keys): drop their taught and imported
    ones, and any pick the file now lists (it becomes an imported one)."""
    for topic_id, keys in wanted.items():
        session.execute(delete(TopicExample).where(
            TopicExample.topic_id == topic_id,
            (TopicExample.source != "picked") | TopicExample.key.in_(keys or [""])))
