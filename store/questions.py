"""The log of lookups: recent questions per user, and the ones that found nobody."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from store.models import Question, Topic


def record_all(*, session: Session, rows: list[Question]) -> None:
    session.add_all(rows)


def recent(*, session: Session, platform: str, user_id: str, limit: int = 5) -> list[tuple[datetime, str, str | None]]:
    """(when, what was asked, the topic answered) for a user's latest questions."""
    query = (
        select(Question.asked_at, Question.text, Topic.name)
        .outerjoin(Topic, Topic.id == Question.topic_id)
        .where(Question.platform == platform, Question.user_id == user_id)
        .order_by(Question.asked_at.desc(), Question.id.desc())
        .limit(limit)
    )
    return [(at, text, name) for at, text, name in session.execute(query)]
