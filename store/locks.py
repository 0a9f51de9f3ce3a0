"""Row locks that serialise concurrent changes to one topic on PostgreSQL.

SQLite needs none: its write transactions BEGIN IMMEDIATE and run one at a time
(SQLAlchemy leaves FOR UPDATE out there).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from store.models import Topic


def lock_topic(*, session: Session, topic_id: int) -> None:
    if session.get_bind().dialect.name == "sqlite":
        return  # nothing to lock: the write transaction holds the database (a statement saved)
    session.execute(select(Topic.id).where(Topic.id == topic_id).with_for_update())
