"""Who hears about a topic: its lineage (the topic and those above it) and the channels
subscribed to any of them, to one of its tags, or to everything. One statement each."""
from __future__ import annotations

from sqlalchemy import String, cast, literal_column, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from store.models import Subscription, Topic, TopicTag

MAX_DEPTH = 32  # imports reject parent cycles; this only bounds a corrupted store


def _lineage(topic_id: int) -> Select:
    """The topic's id and its ancestors' ids, nearest first (a recursive CTE, SQLite and PostgreSQL)."""
    start = select(Topic.id, Topic.parent_id, literal_column("0").label("depth")).where(Topic.id == topic_id)
    chain = start.cte("lineage", recursive=True)
    above = select(Topic.id, Topic.parent_id, (chain.c.depth + 1).label("depth")).join(
        chain, Topic.id == chain.c.parent_id).where(chain.c.depth < MAX_DEPTH - 1)
    chain = chain.union_all(above)
    return select(chain.c.id).order_by(chain.c.depth)


def lineage_ids(*, session: Session, topic_id: int) -> list[int]:
    """The topic, its parent, its grandparent... up to the root (removed ones included)."""
    return list(session.execute(_lineage(topic_id)).scalars())


def subscribed_channels(*, session: Session, topic_id: int) -> list[tuple[str, str]]:
    """(platform, channel) of the subscriptions that hear about this topic, oldest first."""
    lineage = _lineage(topic_id).order_by(None).subquery()
    tags = select(TopicTag.tag).where(TopicTag.topic_id == topic_id)
    wanted = (
        ((Subscription.target_kind == "topic") & Subscription.target.in_(select(cast(lineage.c.id, String))))
        | ((Subscription.target_kind == "tag") & Subscription.target.in_(tags))
        | (Subscription.target_kind == "all")
    )
    query = select(Subscription.platform, Subscription.channel).where(wanted).order_by(Subscription.id)
    return [(platform, channel) for platform, channel in session.execute(query)]


def topic(*, session: Session, topic_id: int) -> Topic | None:
    return session.get(Topic, topic_id)
