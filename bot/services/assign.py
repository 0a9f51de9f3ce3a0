"""Assign, hand over (now or on a date), add backups and unassign: kept, checked, announced."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from bot.announce import announce_change
from bot.commands import PersonRef, parse_assign, split_reason, PERSON, person_ref
from bot.dates import parse_day
from bot.messages import Reply, ReplyKind
from bot.permissions import may_change, record_refusal, who_can
from bot.services.context import Context, done, find_topic, invalid, view
from store import people
from store.directory import Current, bump_version, current_assignments, set_backups, set_primary
from store.locks import lock_topic
from store.models import DirectoryChange, Person


def find_person(session: Session, ctx: Context, ref: PersonRef) -> tuple[Person | None, Reply | None]:
    found: list[Person] = []
    if ref.slack_id:
        person = people.by_platform_id(session=session, platform="slack", user_id=ref.slack_id)
        found = [person] if person else []
    elif ref.email:
        person = people.by_email(session=session, email=ref.email)
        found = [person] if person else []
    elif ref.handle or ref.teams_name:
        found = people.by_handle(session=session, handle=(ref.handle or ref.teams_name or "").split()[0])
    if len(found) == 1:
        return found[0], None
    key = "person_ambiguous" if found else "person_unknown"
    return None, invalid(ctx, key, person=ref.text or ref.slack_id or "")


def assign(session: Session, ctx: Context, text: str) -> Reply:
    args = parse_assign(text)
    if args is None:
        return invalid(ctx, "usage_assign")
    topic_id, problem = find_topic(ctx, args.topic)
    if problem:
        return problem
    person, problem = find_person(session, ctx, args.person)
    if problem:
        return problem
    if not may_change(session, ctx, topic_id):
        return refuse(session, ctx, "assign", topic_id, text)
    lock_topic(session=session, topic_id=topic_id)  # two managers at once: one waits
    current = current_assignments(session=session, topic_ids=[topic_id]).get(topic_id, Current())
    if args.backup:
        return _add_backup(session, ctx, topic_id, person, current, args.reason)
    when = None
    if args.when:
        when = parse_day(args.when, now=ctx.now, tz=ctx.person.timezone if ctx.person else None)
        if when is None:
            return invalid(ctx, "bad_date", text=args.when)
        if when <= ctx.now:
            return invalid(ctx, "past_date", text=args.when)
    pending = _pending(session, topic_id)
    if pending:
        return invalid(ctx, "handover_clash", topic=_name(ctx, topic_id), when=pending)
    if current.primary and current.primary.person_id == person.id:
        return invalid(ctx, "already_poc", person=view(person), topic=_name(ctx, topic_id))
    if when is not None:
        return _schedule(session, ctx, topic_id, person, current, when, args.reason)
    return _hand_over(session, ctx, topic_id, person, current, args.reason)


def _hand_over(session: Session, ctx: Context, topic_id: int, person: Person, current: Current, reason: str) -> Reply:
    set_primary(session=session, topic_id=topic_id, person_id=person.id, actor=ctx.who, reason=reason, now=ctx.now)
    if person.id in [h.person_id for h in current.backups]:
        remaining = [h.person_id for h in current.backups if h.person_id != person.id]
        set_backups(session=session, topic_id=topic_id, person_ids=remaining, actor=ctx.who, reason=reason, now=ctx.now)
    previous = current.primary.person_id if current.primary else None
    record_change(session, ctx, topic_id, "primary", person.id, previous, reason, ctx.now)
    return done(ctx, "assigned", person=view(person), topic=_name(ctx, topic_id))


def _schedule(session: Session, ctx: Context, topic_id: int, person: Person, current: Current, when: datetime, reason: str) -> Reply:
    """Write the handover now with its future dates; the handover job announces it then."""
    set_primary(session=session, topic_id=topic_id, person_id=person.id, actor=ctx.who, reason=reason, now=when)
    previous = current.primary.person_id if current.primary else None
    record_change(session, ctx, topic_id, "primary", person.id, previous, reason, when)
    return done(ctx, "scheduled", person=view(person), topic=_name(ctx, topic_id), when=when.date().isoformat())


def _add_backup(session: Session, ctx: Context, topic_id: int, person: Person, current: Current, reason: str) -> Reply:
    if current.primary and current.primary.person_id == person.id:
        return invalid(ctx, "backup_is_poc", person=view(person), topic=_name(ctx, topic_id))
    backups = [h.person_id for h in current.backups]
    if person.id in backups:
        return invalid(ctx, "already_backup", person=view(person), topic=_name(ctx, topic_id))
    set_backups(session=session, topic_id=topic_id, person_ids=backups + [person.id], actor=ctx.who, reason=reason, now=ctx.now)
    record_change(session, ctx, topic_id, "backup_add", person.id, None, reason, ctx.now)
    return done(ctx, "backup_added", person=view(person), topic=_name(ctx, topic_id))


def unassign(session: Session, ctx: Context, text: str) -> Reply:
    body, reason = split_reason(text)
    found = PERSON.search(body)
    if found is None or not body[: found.start()].strip():
        return invalid(ctx, "usage_unassign")
    topic_id, problem = find_topic(ctx, body[: found.start()])
    if problem:
        return problem
    person, problem = find_person(session, ctx, person_ref(found))
    if problem:
        return problem
    if not may_change(session, ctx, topic_id):
        return refuse(session, ctx, "unassign", topic_id, text)
    lock_topic(session=session, topic_id=topic_id)
    current = current_assignments(session=session, topic_ids=[topic_id]).get(topic_id, Current())
    topic = _name(ctx, topic_id)
    if current.primary and current.primary.person_id == person.id:
        set_primary(session=session, topic_id=topic_id, person_id=None, actor=ctx.who, reason=reason, now=ctx.now)
        record_change(session, ctx, topic_id, "unassign", None, person.id, reason, ctx.now)
        return done(ctx, "unassigned_poc", person=view(person), topic=topic)
    backups = [h.person_id for h in current.backups]
    if person.id not in backups:
        return invalid(ctx, "not_assigned", person=view(person), topic=topic)
    set_backups(session=session, topic_id=topic_id, person_ids=[b for b in backups if b != person.id], actor=ctx.who, reason=reason, now=ctx.now)
    record_change(session, ctx, topic_id, "backup_remove", person.id, None, reason, ctx.now)
    return done(ctx, "backup_removed", person=view(person), topic=topic)


def record_change(session: Session, ctx: Context, topic_id: int, kind: str, person_id: int | None,
                  previous_id: int | None, reason: str, effective_at: datetime) -> DirectoryChange:
    """Keep the change; announce it now when it is effective now (same transaction)."""
    now_effective = effective_at <= ctx.now
    change = DirectoryChange(
        topic_id=topic_id, kind=kind, person_id=person_id, previous_person_id=previous_id,
        effective_at=effective_at, actor=ctx.who, reason=reason, created_at=ctx.now,
        announced_at=ctx.now if now_effective else None,
    )
    session.add(change)
    session.flush()
    if now_effective:
        announce_change(session=session, change=change, now=ctx.now, lang=ctx.lang)
    bump_version(session=session)
    return change


def refuse(session: Session, ctx: Context, action: str, topic_id: int | None, text: str) -> Reply:
    record_refusal(session, ctx, action, topic_id, text)
    can = [view(p) for p in who_can(session, ctx, topic_id)]
    return Reply(ReplyKind.refused, ctx.lang, note="refused", values={"role": ctx.role.value, "people": can or "—"})


def _pending(session: Session, topic_id: int) -> str | None:
    query = select(DirectoryChange.effective_at).where(
        DirectoryChange.topic_id == topic_id, DirectoryChange.kind == "primary",
        DirectoryChange.announced_at.is_(None), DirectoryChange.cancelled_at.is_(None),
    )
    when = session.execute(query).scalars().first()
    return when.date().isoformat() if when else None


def _name(ctx: Context, topic_id: int) -> str:
    return ctx.snapshot.topics[topic_id].name
