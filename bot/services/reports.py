"""Read-only reports: a topic's history, and my topics."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from bot.i18n import t
from bot.messages import Message, Reply, ReplyKind
from bot.services.context import Context, find_topic, invalid, view
from store import queries
from store.models import Assignment, AssignmentKind, Person

HISTORY_LIMIT = 20


def history(session: Session, ctx: Context, text: str) -> Reply:
    topic_id, problem = find_topic(ctx, text)
    if problem:
        return problem
    query = (
        select(Assignment, Person).join(Person, Person.id == Assignment.person_id)
        .where(Assignment.topic_id == topic_id)
        .order_by(Assignment.starts_at.desc(), Assignment.id.desc()).limit(HISTORY_LIMIT)
    )
    lines = tuple(_history_line(a, p, ctx) for a, p in session.execute(query))
    topic = ctx.snapshot.topics[topic_id].name
    if not lines:
        return Reply(ReplyKind.listing, ctx.lang, note="history_empty", values={"topic": topic})
    return Reply(ReplyKind.listing, ctx.lang, note="history_title", values={"topic": topic}, lines=lines)


def _history_line(a: Assignment, p: Person, ctx: Context) -> Message:
    until = a.ends_at.date().isoformat() if a.ends_at else "…"
    values = {"person": view(p), "role": t(ctx.lang, f"home_{AssignmentKind(a.kind).value}"), "start": a.starts_at.date().isoformat(), "end": until,
              "by": a.created_by, "reason": a.reason or "—"}
    key = "history_line_scheduled" if a.starts_at > ctx.now else "history_line"
    return Message(key, values)


def mine(session: Session, ctx: Context, text: str) -> Reply:
    if ctx.person is None:
        return invalid(ctx, "not_in_directory")
    holds = queries.held_by(session=session, person_id=ctx.person.id, at=ctx.now)
    if not holds:
        return Reply(ReplyKind.listing, ctx.lang, note="mine_none")
    lines = tuple(Message("mine_line", {"topic": name, "role": t(ctx.lang, f"home_{kind.value}")}) for _, name, kind in holds)
    return Reply(ReplyKind.listing, ctx.lang, note="mine_title", lines=lines)
