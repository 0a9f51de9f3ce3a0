"""Assign, hand over (now or on a date), add backups and unassign: kept, checked, announced."""
from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime

from sqlmodel import Session

from bot.commands import PersonRef, parse_assign, split_reason, PERSON, person_ref
from bot.dates import parse_day, zone
from bot.events import Changes, HandoverScheduled, change_event
from bot.messages import Message, PersonView, Reply, ReplyKind
from bot.permissions import may_change, record_refusal, who_can
from bot.reactions import changes as changes_of
from bot.services.context import Context, done, find_topic, invalid, view
from store import changes, people
from store.changes import Holding
from store.directory import Current, DirectoryWriter, Held, audit, bump_version
from store.schedule import cancel_scheduled
from store.locks import lock_topic
from store.models import DirectoryChange, Person


def find_person(session: Session, ctx: Context, ref: PersonRef) -> tuple[Person | None, Reply | None]:
    """A mention by the mentioned user's id on its platform; a mention that shows a name (and
    whose id is missing or not linked yet) by that name's first word; else by email or handle."""
    found = _mentioned(session, ref)
    if not found and (ref.name or not ref.user_id):
        found = _named(session, ref)
    if len(found) == 1:
        return found[0], None
    if ref.user_id and not ref.name and not found:
        field = f"{ref.platform}_id"  # shown as a mention where the view has a field for that platform
        ids = {field: ref.user_id} if field in {f.name for f in fields(PersonView)} else {}
        mentioned = PersonView(0, ref.user_id, "", **ids)
        return None, invalid(ctx, "person_not_linked", person=mentioned)
    key = "person_ambiguous" if found else "person_unknown"
    return None, invalid(ctx, key, person=ref.text)


def _mentioned(session: Session, ref: PersonRef) -> list[Person]:
    if not (ref.platform and ref.user_id):
        return []
    person = people.by_platform_id(session=session, platform=ref.platform, user_id=ref.user_id)
    return [person] if person else []


def _named(session: Session, ref: PersonRef) -> list[Person]:
    if ref.email:
        person = people.by_email(session=session, email=ref.email)
        return [person] if person else []
    if ref.handle or ref.name:
        return people.by_handle(session=session, handle=(ref.handle or ref.name or "").split()[0])
    return []


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
    when = None
    if args.when:
        when = parse_day(args.when, now=ctx.now, tz=_tz(ctx))
        if when is None:
            return invalid(ctx, "bad_date", text=args.when)
        if when <= ctx.now:
            return invalid(ctx, "past_date", text=args.when)
    ctx, pending, unit, current = _locked(session, ctx, topic_id, person)
    if args.backup:
        return _add_backup(unit, ctx, topic_id, person, current, args.reason, when)
    if pending:
        return invalid(ctx, "handover_clash", topic=_name(ctx, topic_id), when=_day(ctx, pending.effective_at))
    if current.primary and current.primary.person_id == person.id:
        return invalid(ctx, "already_poc", person=view(person), topic=_name(ctx, topic_id))
    return _hand_over(unit, ctx, topic_id, person, current, args.reason, when)


def _hand_over(unit: Changes, ctx: Context, topic_id: int, person: Person, current: Current,
               reason: str, when: datetime | None) -> Reply:
    """Now, or on a date: the rows are written with that date; lookups follow the clock."""
    at = when or ctx.now
    writer = _writer(unit.session, ctx, reason, at)
    writer.set_primary(topic_id, person.id, current)
    if person.id in [h.person_id for h in current.backups]:  # a POC is not also a backup
        writer.set_backups(topic_id, [h.person_id for h in current.backups if h.person_id != person.id], current)
    writer.flush()
    previous = current.primary.person_id if current.primary else None
    record_change(unit, ctx, topic_id, "primary", person.id, previous, reason, at)
    if when is None:
        return _assigned(unit, ctx, person, topic_id, previous)
    return done(ctx, "scheduled", person=view(person), topic=_name(ctx, topic_id), when=_day(ctx, when))


def _assigned(unit: Changes, ctx: Context, person: Person, topic_id: int, previous: int | None) -> Reply:
    """Done, naming whom it replaced: after a race with another admin, that may not be who they saw."""
    reply = done(ctx, "assigned", person=view(person), topic=_name(ctx, topic_id))
    if previous is None:
        return reply
    before = view(unit.people([previous])[previous])
    return replace(reply, values={**reply.values, "previous": before},
                   lines=(Message("assigned_replaced", {"previous": before}),))


def _add_backup(unit: Changes, ctx: Context, topic_id: int, person: Person, current: Current,
                reason: str, when: datetime | None) -> Reply:
    if current.primary and current.primary.person_id == person.id:
        return invalid(ctx, "backup_is_poc", person=view(person), topic=_name(ctx, topic_id))
    backups = [h.person_id for h in current.backups]
    if person.id in backups:
        return invalid(ctx, "already_backup", person=view(person), topic=_name(ctx, topic_id))
    writer = _writer(unit.session, ctx, reason, when or ctx.now)
    writer.set_backups(topic_id, backups + [person.id], current)
    writer.flush()
    record_change(unit, ctx, topic_id, "backup_add", person.id, None, reason, when or ctx.now)
    if when is None:
        return done(ctx, "backup_added", person=view(person), topic=_name(ctx, topic_id))
    return done(ctx, "backup_scheduled", person=view(person), topic=_name(ctx, topic_id), when=_day(ctx, when))


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
    ctx, pending, unit, current = _locked(session, ctx, topic_id, person)
    if pending and pending.person_id == person.id:
        return _cancel(session, ctx, pending, person, reason)
    topic = _name(ctx, topic_id)
    writer = _writer(session, ctx, reason, ctx.now)
    if current.primary and current.primary.person_id == person.id:
        writer.set_primary(topic_id, None, current)
        writer.flush()
        record_change(unit, ctx, topic_id, "unassign", None, person.id, reason, ctx.now)
        return done(ctx, "unassigned_poc", person=view(person), topic=topic)
    backups = [h.person_id for h in current.backups]
    if person.id not in backups:
        return invalid(ctx, "not_assigned", person=view(person), topic=topic)
    writer.set_backups(topic_id, [b for b in backups if b != person.id], current)
    writer.flush()
    record_change(unit, ctx, topic_id, "backup_remove", person.id, None, reason, ctx.now)
    return done(ctx, "backup_removed", person=view(person), topic=topic)


def _cancel(session: Session, ctx: Context, change: DirectoryChange, person: Person, reason: str) -> Reply:
    """Unassigning whom a handover is scheduled to cancels it: nothing changes, nothing is said."""
    cancel_scheduled(session=session, topic_id=change.topic_id, starts_at=change.effective_at)
    changes.cancel(session=session, change=change, at=ctx.now)
    audit(session=session, actor=ctx.who, action="assignment.cancel", now=ctx.now, reason=reason,
          topic_id=change.topic_id, person_id=person.id, after={"effective_at": change.effective_at.isoformat()})
    bump_version(session=session)
    return done(ctx, "handover_cancelled", person=view(person), topic=_name(ctx, change.topic_id),
                when=_day(ctx, change.effective_at))


def record_change(unit: Changes, ctx: Context, topic_id: int, kind: str, person_id: int | None,
                  previous_id: int | None, reason: str, effective_at: datetime) -> DirectoryChange:
    """Keep the change and record what happened: effective now, its handlers announce it in this
    transaction; on a later date, the handovers job records it then."""
    now_effective = effective_at <= ctx.now
    change = changes.add(session=unit.session, topic_id=topic_id, kind=kind, person_id=person_id,
                         previous_id=previous_id, effective_at=effective_at, actor=ctx.who, reason=reason,
                         now=ctx.now, announced=now_effective)
    if now_effective:
        unit.record(change_event(change_id=change.id or 0, topic_id=topic_id, kind=kind, person_id=person_id,
                                 previous_id=previous_id, actor=ctx.who, reason=reason, effective_at=effective_at))
    else:
        unit.record(HandoverScheduled(change.id or 0, topic_id, kind, person_id, effective_at))
    bump_version(session=unit.session)
    return change


def refuse(session: Session, ctx: Context, action: str, topic_id: int | None, text: str) -> Reply:
    record_refusal(session, ctx, action, topic_id, text)
    can = [view(p) for p in who_can(session, ctx, topic_id)]
    return Reply(ReplyKind.refused, ctx.lang, note="refused", values={"role": ctx.role.value, "people": can or "—"})


def _locked(session: Session, ctx: Context, topic_id: int, person: Person
            ) -> tuple[Context, DirectoryChange | None, Changes, Current]:
    """Lock the topic, then read the time: a writer that waited for the lock sees every row
    the one before it wrote, so the POC it ends is the one that holds the topic now.
    Returns the context at that time, the pending handover, the unit that records what
    happens (knowing the people read so far) and who holds the topic then."""
    lock_topic(session=session, topic_id=topic_id)  # two managers at once: one waits
    now = max(ctx.now, ctx.clock()) if ctx.clock else ctx.now
    pending = changes.pending_handover(session=session, topic_id=topic_id)
    holdings = changes.holdings(session=session, topic_id=topic_id, after=ctx.now)
    if pending is None:
        # Without a scheduled handover the open primary started in the past; if it seems to
        # start later, another replica's clock runs ahead: count from its start.
        now = max([now] + [h.starts_at for h in holdings if h.kind == "primary" and h.ends_at is None])
    ctx = replace(ctx, now=now)
    unit = changes_of(session, now=now, lang=ctx.lang, policy=ctx.policy, topics=ctx.snapshot.topics,
                      people=[ctx.person, person, *(h.person for h in holdings)])
    return ctx, pending, unit, _holders(holdings, now)


def _holders(holdings: list[Holding], at: datetime) -> Current:
    """Who holds the topic at `at` (a scheduled handover's people do not yet)."""
    current = Current()
    for h in sorted(holdings, key=lambda h: (h.position, h.assignment_id)):
        if h.starts_at <= at and (h.ends_at is None or h.ends_at > at):
            held = Held(h.assignment_id, h.person.id or 0, h.position)
            if h.kind == "primary":
                current.primary = held
            else:
                current.backups.append(held)
    return current


def _writer(session: Session, ctx: Context, reason: str, at: datetime) -> DirectoryWriter:
    return DirectoryWriter(session=session, actor=ctx.who, reason=reason, now=at)


def _tz(ctx: Context) -> str | None:
    return ctx.timezone


def _day(ctx: Context, moment: datetime) -> str:
    """A date as the person typed it: in their time zone, not UTC's."""
    return moment.astimezone(zone(_tz(ctx))).date().isoformat()


def _name(ctx: Context, topic_id: int) -> str:
    return ctx.snapshot.topics[topic_id].name
