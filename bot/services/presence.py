"""Away and back: anyone may mark themselves away; lookups then route to the cover."""
from __future__ import annotations

from sqlmodel import Session

from bot import platforms
from bot.commands import parse_away
from bot.dates import parse_day, zone
from bot.messages import Reply
from bot.services.assign import find_person
from bot.services.context import Context, done, invalid, view
from bot.understanding.text import fold
from store import absences, people
from store.directory import audit


def away(session: Session, ctx: Context, text: str) -> Reply:
    if ctx.person is None:
        return invalid(ctx, "not_in_directory")
    parsed = parse_away(text)
    if parsed is None:
        return invalid(ctx, "usage_away")
    until = parse_day(parsed[0], now=ctx.now, tz=ctx.timezone)
    if until is None:
        return invalid(ctx, "bad_date", text=parsed[0])
    if until <= ctx.now:
        return invalid(ctx, "past_date", text=parsed[0])
    delegate = None
    if parsed[1] is not None:
        delegate, problem = find_person(session, ctx, parsed[1])
        if problem:
            return problem
        if delegate.id == ctx.person.id:
            return invalid(ctx, "delegate_self")
    absences.end_current(session=session, person_id=ctx.person.id, now=ctx.now)
    absences.start(session=session, person_id=ctx.person.id, delegate_id=delegate.id if delegate else None,
                   now=ctx.now, until=until)
    audit(session=session, actor=ctx.who, action="person.away", now=ctx.now, person_id=ctx.person.id,
          after={"until": until.isoformat(), "delegate": delegate.email if delegate else None})
    day = until.astimezone(zone(ctx.timezone)).date().isoformat()  # the day they meant
    if delegate:
        return done(ctx, "away_set_delegate", until=day, person=view(delegate))
    return done(ctx, "away_set", until=day)


def back(session: Session, ctx: Context, text: str) -> Reply:
    if ctx.person is None:
        return invalid(ctx, "not_in_directory")
    if not absences.end_current(session=session, person_id=ctx.person.id, now=ctx.now):
        return invalid(ctx, "not_away")
    audit(session=session, actor=ctx.who, action="person.back", now=ctx.now, person_id=ctx.person.id)
    return done(ctx, "back_set")


def choose_dm_platform(session: Session, ctx: Context, text: str) -> Reply:
    """The `notify via teams|slack|auto` command: where my DMs go when I use both (auto: where I
    last wrote). Not to be confused with delivering them (bot/delivery.py) or their text (bot/notices.py)."""
    if ctx.person is None:
        return invalid(ctx, "not_in_directory")
    words = [w for w in fold(text).split() if w not in ("via", "on", "en", "por", "me")]
    choice = words[0] if len(words) == 1 else ""
    field = platforms.user_field(choice)
    if choice != "auto" and (choice not in platforms.chat_platforms() or field is None):
        return invalid(ctx, "usage_notify")
    if choice != "auto" and not getattr(ctx.person, field or "", None):
        return invalid(ctx, "notify_no_account", platform=platforms.title(choice))
    before = ctx.person.notify_platform
    people.set_notify_platform(session=session, person=ctx.person, platform=None if choice == "auto" else choice)
    audit(session=session, actor=ctx.who, action="person.notify", now=ctx.now, person_id=ctx.person.id,
          before={"notify_platform": before}, after={"notify_platform": ctx.person.notify_platform})
    if choice == "auto":
        return done(ctx, "notify_auto")
    return done(ctx, "notify_set", platform=platforms.title(choice))

