"""Who may change what: admins everything, managers their topics, anyone their own absence."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from bot.services.context import Context
from store import queries
from store.models import AuditEntry, Person, Role, TopicManager


def lineage_ids(ctx: Context, topic_id: int) -> list[int]:
    return [row.id for row in ctx.snapshot.lineage(topic_id)]


def may_change(session: Session, ctx: Context, topic_id: int | None) -> bool:
    """Admins may; managers may for topics they manage (listed, or POC of it or above)."""
    if ctx.role is Role.admin:
        return True
    if ctx.role is not Role.manager or ctx.person is None:
        return False
    if ctx.managers_manage_all or topic_id is None:
        return ctx.managers_manage_all
    return ctx.person.id in managers_of(session, lineage_ids(ctx, topic_id), ctx.now)


def managers_of(session: Session, topic_ids: list[int], now: datetime) -> set[int]:
    listed = select(TopicManager.person_id).where(TopicManager.topic_id.in_(topic_ids))
    people = set(session.execute(listed).scalars())
    for held in queries.assigned_at(session=session, topic_ids=topic_ids, at=now):
        if held.kind == "primary":
            people.add(held.person_id)
    managers = select(Person.id).where(Person.id.in_(people), Person.role.in_([Role.manager, Role.admin]))
    return set(session.execute(managers).scalars())


def who_can(session: Session, ctx: Context, topic_id: int | None) -> list[Person]:
    """The people to ask instead: the topic's managers, then admins."""
    ids = managers_of(session, lineage_ids(ctx, topic_id), ctx.now) if topic_id else set()
    admins = select(Person).where(Person.role == Role.admin)
    found = list(session.execute(select(Person).where(Person.id.in_(ids))).scalars())
    found += list(session.execute(admins).scalars())
    if ctx.admins:
        found += list(session.execute(select(Person).where(Person.email.in_(ctx.admins))).scalars())
    return list({p.id: p for p in found}.values())[:5]


def record_refusal(session: Session, ctx: Context, action: str, topic_id: int | None, detail: str) -> None:
    session.add(AuditEntry(
        at=ctx.now, actor=ctx.who, action=f"refused.{action}", topic_id=topic_id,
        detail={"request": detail[:300], "role": ctx.role.value}, reason="not allowed",
    ))
