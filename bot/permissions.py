"""Who may change what: admins everything, managers their topics, anyone their own absence."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.services.context import Context
from store import access
from store.models import Person, Role


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
    """Managers (or admins) listed for these topics or their POC now (one statement)."""
    return access.managers_of(session=session, topic_ids=topic_ids, at=now)


def who_can(session: Session, ctx: Context, topic_id: int | None) -> list[Person]:
    """The people to ask instead: the topic's managers, then admins."""
    ids = managers_of(session, lineage_ids(ctx, topic_id), ctx.now) if topic_id else set()
    return access.ask_instead(session=session, ids=ids, emails=ctx.admins)


def record_refusal(session: Session, ctx: Context, action: str, topic_id: int | None, detail: str) -> None:
    access.record_refusal(session=session, at=ctx.now, actor=ctx.who, action=action, topic_id=topic_id,
                          detail={"request": detail[:300], "role": ctx.role.value})
