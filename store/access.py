"""Who may change a topic, and who to ask instead: managers and admins, one statement each."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from store.models import Assignment, AssignmentKind, AuditEntry, Person, Role, TopicManager
from store.outbox import as_utc

_MAY_MANAGE = (Role.manager, Role.admin)


def managers_of(*, session: Session, topic_ids: Collection[int], at: datetime) -> set[int]:
    """Managers (or admins) listed for these topics or holding one of them as POC at `at`."""
    ids = list(topic_ids)
    listed = select(TopicManager.person_id).where(TopicManager.topic_id.in_(ids))
    holding = select(Assignment.person_id).where(
        Assignment.topic_id.in_(ids), Assignment.kind == AssignmentKind.primary, Assignment.starts_at <= as_utc(at),
        or_(Assignment.ends_at.is_(None), Assignment.ends_at > as_utc(at)))
    query = select(Person.id).where(Person.role.in_(_MAY_MANAGE), or_(Person.id.in_(listed), Person.id.in_(holding)))
    return set(session.execute(query).scalars())


def ask_instead(*, session: Session, ids: Collection[int], emails: Collection[str], limit: int = 5) -> list[Person]:
    """These people (a topic's managers), then the admins, then those with these emails
    (bootstrap admins): each once, at most `limit`."""
    found = list(session.execute(select(Person).where(Person.id.in_(list(ids)))).scalars()) if ids else []
    found += admins(session=session)
    if emails:
        found += list(session.execute(select(Person).where(Person.email.in_(list(emails)))).scalars())
    return list({p.id: p for p in found}.values())[:limit]


def admins(*, session: Session) -> list[Person]:
    return list(session.execute(select(Person).where(Person.role == Role.admin)).scalars())


def in_ids(*, session: Session, ids: Collection[int]) -> list[Person]:
    return list(session.execute(select(Person).where(Person.id.in_(list(ids)))).scalars())


def record_refusal(*, session: Session, at: datetime, actor: str, action: str, topic_id: int | None,
                   detail: dict[str, Any]) -> None:
    session.add(AuditEntry(at=at, actor=actor, action=f"refused.{action}", topic_id=topic_id,
                           detail=detail, reason="not allowed"))
