"""Read-only reports: a topic's history, and my topics."""
from __future__ import annotations

from sqlmodel import Session

from bot.durations import human
from bot.i18n import t
from bot.messages import Message, PersonView, Reply, ReplyKind
from bot.nudges import shorten
from bot.platforms import stranger_view
from bot.services.context import Context, find_topic, invalid, view
from store import inquiries, queries
from store import people as person_store
from store.models import Assignment, AssignmentKind, Inquiry, Person
from store.outbox import as_utc

HISTORY_LIMIT = 20
MINE_LIMIT = 10


def history(session: Session, ctx: Context, text: str) -> Reply:
    topic_id, problem = find_topic(ctx, text)
    if problem:
        return problem
    held = queries.history(session=session, topic_id=topic_id, limit=HISTORY_LIMIT)
    lines = tuple(_history_line(a, p, ctx) for a, p in held)
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
    """My topics, the questions waiting for my answer (oldest first), and the ones I asked."""
    asked = _asked_lines(session, ctx)
    if ctx.person is None:
        if asked:
            return Reply(ReplyKind.listing, ctx.lang, lines=asked)
        return invalid(ctx, "not_in_directory")
    holds = queries.held_by(session=session, person_id=ctx.person.id, at=ctx.now)
    lines = tuple(Message("mine_line", {"topic": name, "role": t(ctx.lang, f"home_{kind.value}")}) for _, name, kind in holds)
    lines += _waiting_lines(session, ctx) + asked
    return Reply(ReplyKind.listing, ctx.lang, note="mine_title" if holds else "mine_none", lines=lines)


def _waiting_lines(session: Session, ctx: Context) -> tuple[Message, ...]:
    waiting = inquiries.waiting_for(session=session, person_id=ctx.person.id if ctx.person else 0, limit=MINE_LIMIT)
    lines = tuple(Message("mine_waiting_line", {
        "id": inquiry.id, "topic": topic, "asker": _asker(session, inquiry),
        "age": human(ctx.now - as_utc(inquiry.created_at)), "question": shorten(inquiry.question, 120),
    }) for inquiry, topic in waiting)
    return (Message("mine_waiting_title"), *lines) if lines else ()


def _asked_lines(session: Session, ctx: Context) -> tuple[Message, ...]:
    asked = inquiries.asked_by(session=session, platform=ctx.actor.platform, user_id=ctx.actor.user_id,
                               person_id=ctx.person.id if ctx.person else None, limit=MINE_LIMIT)
    lines = tuple(Message("mine_asked_line", {
        "id": inquiry.id, "topic": topic, "person": view(assignee), "status": t(ctx.lang, f"status_{inquiry.status}"),
    }) for inquiry, topic, assignee in asked)
    return (Message("mine_asked_title"), *lines) if lines else ()


def _asker(session: Session, inquiry: Inquiry) -> PersonView | str:
    person = person_store.get(session=session, person_id=inquiry.asker_person_id) if inquiry.asker_person_id else None
    if person is not None:
        return view(person)
    return stranger_view(inquiry.asker_platform, inquiry.asker_user_id) or inquiry.asker_user_id
