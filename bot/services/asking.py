"""Ask a topic's POC: open an inquiry, introduce the asker, and settle it by reply or button."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

from sqlmodel import Session

from bot.addresses import GroupAddress, person_address, person_payload
from bot.inquiry_actions import InquiryAction
from bot.landing import on_landing
from bot.delivery import Delivered
from bot.platforms import channel_platform, opens_groups, stranger_view
from bot.messages import ChannelRef, Message, PersonView, Reply, ReplyKind, TopicAnswer
from bot.nudges import due_after, open_inquiry, shorten, snooze_inquiry
from bot.permissions import who_can
from bot.services.context import Context, done, find_topic, invalid, view
from bot.services.lookup import answer_for
from store import inquiries, questions, topics
from store import people as person_store
from store.outbox import as_utc
from store.models import INQUIRY_WAITING, Inquiry, OutboxMessage, Person, Question, Role
from store import outbox
from store.outbox import NewMessage

MAX_QUESTION = 40_000  # a 10,000-character question is kept whole; beyond this is a paste accident
INTRO_DISPLAY = 2500  # the question as shown in chat; the store keeps it whole
_QUOTED = re.compile(r'^["“”\'](.+?)["“”\']\s*(.*)$', re.S)
_SEPARATED = re.compile(r"^(.{1,200}?)\s*(?::|\s-\s|\s—\s|\|)\s*(.*)$", re.S)
_MAX_TOPIC_WORDS = 16


# -- asking ------------------------------------------------------------------------------

def ask(session: Session, ctx: Context, text: str) -> Reply:
    """`ask <topic> <question>`: the topic is the longest exact name at the start (or quoted,
    or before a colon); a near miss gets suggestions, never a guess."""
    topic_text, question = split_topic(ctx, text)
    if not topic_text:
        return invalid(ctx, "usage_ask")
    topic_id, problem = find_topic(ctx, topic_text)
    if problem:
        return _with_usage(problem)
    return ask_topic(session, ctx, topic_id or 0, question)


def split_topic(ctx: Context, text: str) -> tuple[str, str]:
    """(topic, question) of what followed `ask`; the topic is '' when nothing was typed."""
    text = text.strip()
    for pattern in (_QUOTED, _SEPARATED):
        found = pattern.match(text)
        if found and ctx.snapshot.index.exact(found.group(1)) is not None:
            return found.group(1).strip(), found.group(2).strip()
    words = list(re.finditer(r"\S+", text))
    for n in range(min(len(words), _MAX_TOPIC_WORDS), 0, -1):
        candidate = text[: words[n - 1].end()]
        if ctx.snapshot.index.exact(candidate) is not None:
            return candidate, text[words[n - 1].end():].strip()
    if not words:
        return "", ""
    first = _QUOTED.match(text) or _SEPARATED.match(text)
    return (first.group(1), first.group(2)) if first else (words[0].group(), text[words[0].end():].strip())


def ask_topic(session: Session, ctx: Context, topic_id: int, question: str) -> Reply:
    """Put a question to the topic's POC (or whoever covers): an inquiry and an introduction."""
    question = question.strip()
    if topic_id not in ctx.snapshot.topics:
        return invalid(ctx, "inquiry_topic_gone")
    topic = ctx.snapshot.topics[topic_id].name
    if not question:
        return invalid(ctx, "ask_no_question", topic=topic)
    if len(question) > MAX_QUESTION:
        return invalid(ctx, "ask_too_long", limit=f"{MAX_QUESTION:,}")
    answer = answer_for(topic_id, session=session, snapshot=ctx.snapshot, now=ctx.now)
    if answer.primary is None:
        return _no_poc(session, ctx, answer, question)
    assignee = answer.cover if answer.away_until and answer.cover else answer.primary
    if _is_person(ctx, assignee.id):
        return invalid(ctx, "ask_self", topic=topic)
    inquiry = open_inquiry(session=session, now=ctx.now, defaults=ctx.policy, inquiry=Inquiry(
        topic_id=topic_id, asker_platform=ctx.actor.platform, asker_user_id=ctx.actor.user_id,
        asker_person_id=ctx.person.id if ctx.person else None, question=question, lang=ctx.lang,
        assignee_person_id=assignee.id,
    ))
    where, platform, address = _introduction_place(session, ctx, answer, assignee)
    if where == "channel":
        inquiries.change(session=session, inquiry=inquiry, platform=platform, conversation=address)
    if where == "group":  # the assignee is in the group DM: nudges go there alone. Not so in a topic's
        # channel, which they may not be in (a DM, then)
        inquiries.change(session=session, inquiry=inquiry, conversation_person_id=assignee.id)
    payload = payload_of(session, inquiry, topic, assignee, shared=where != "direct",
                         away=_pv(answer.primary) if assignee is not answer.primary else None)
    outbox.add(session=session, now=ctx.now, messages=[
        NewMessage(f"inquiry:{inquiry.id}:intro", "inquiry_intro", platform, address, payload)])
    lines = ()
    if assignee is not answer.primary:
        lines = (Message("ask_cover_line", {"poc": answer.primary, "until": answer.away_until, "person": assignee}),)
    values = {"person": assignee, "topic": topic, "channel": _channel(answer.channel), "id": inquiry.id}
    return Reply(ReplyKind.done, ctx.lang, note=f"ask_sent_{where}", values=values, lines=lines)


def _introduction_place(session: Session, ctx: Context, answer: TopicAnswer,
                        assignee: PersonView) -> tuple[str, str, str]:
    """(how, platform, address): a thread in the topic's channel when the topic says so, a
    group conversation of asker and POC when both are on a platform that opens those, else a DM to the POC."""
    policy = topics.policy(session=session, topic_id=answer.topic_id)
    if policy is not None and policy.ask_in == "channel" and answer.channel:
        return "channel", channel_platform(answer.channel), answer.channel
    platform, address = _address_of(session, assignee.id)  # where the POC is reached now
    if ctx.actor.platform == platform and opens_groups(platform):
        return "group", platform, GroupAddress((ctx.actor.user_id, address)).encode()
    return "direct", platform, address


def _no_poc(session: Session, ctx: Context, answer: TopicAnswer, question: str) -> Reply:
    """Nobody to ask: say so, offer the channel and the managers, and count the gap."""
    questions.record_all(session=session, rows=[Question(
        asked_at=ctx.now, platform=ctx.actor.platform, user_id=ctx.actor.user_id,
        person_id=ctx.person.id if ctx.person else None, text=shorten(question, 300),
        topic_id=answer.topic_id, outcome="no_poc")])
    people = [view(p) for p in who_can(session, ctx, answer.topic_id)]
    if not people and not answer.channel:
        return invalid(ctx, "ask_no_poc_nobody", topic=answer.topic)
    return invalid(ctx, "ask_no_poc", topic=answer.topic, channel=_channel(answer.channel), people=people or "—")


def _channel(channel: str | None) -> ChannelRef | str:
    return ChannelRef(channel) if channel else "—"


def _with_usage(problem: Reply) -> Reply:
    return Reply(problem.kind, problem.lang, note=problem.note, values=problem.values,
                 lines=(*problem.lines, Message("usage_ask")))


# -- settling: buttons and replies -----------------------------------------------------

def inquiry_action(session: Session, ctx: Context, inquiry_id: int, action: str) -> Reply:
    """A button on an inquiry: only the right people may, and a second click changes nothing."""
    inquiry = inquiries.get(session=session, inquiry_id=inquiry_id)
    known = InquiryAction.named(action)
    if inquiry is None or known is None:
        return invalid(ctx, "inquiry_unknown")
    return HANDLERS[known](session, ctx, inquiry)


def typed_action(action: str) -> Callable[[Session, Context, str], Reply]:
    """The buttons as commands, for chats without buttons: `answered #12`, `handoff 12`."""
    def handler(session: Session, ctx: Context, text: str) -> Reply:
        number = text.strip().lstrip("#")
        if not number.isdigit():
            return invalid(ctx, "usage_inquiry_command")
        return inquiry_action(session, ctx, int(number), action)
    return handler


def reply_in_thread(session: Session, ctx: Context, platform: str, conversation: str, thread: str | None) -> bool:
    """A message in an inquiry's conversation: from the POC, a backup or a delegate it is the
    answer (True); from anyone else (the asker adding detail) it changes nothing."""
    inquiry = inquiries.in_thread(session=session, platform=platform, conversation=conversation, thread=thread)
    if inquiry is None or ctx.person is None or _is_asker(ctx, inquiry):
        return False  # the asker adding detail (even one who is a backup) does not answer it
    if ctx.person.id not in _responders(session, ctx, inquiry):
        return False
    return _answer(session, ctx, inquiry)


def _answered(session: Session, ctx: Context, inquiry: Inquiry) -> Reply:
    if not _may_respond(session, ctx, inquiry):
        return _not_yours(session, ctx, inquiry, "responder")
    if not _answer(session, ctx, inquiry):
        return _already(session, ctx, inquiry)
    _tell(session, ctx, inquiry, InquiryAction.answered.value, to="asker")
    return done(ctx, "inquiry_marked_answered", topic=_topic(session, inquiry))


def _answer(session: Session, ctx: Context, inquiry: Inquiry) -> bool:
    changed = inquiries.transition(session=session, inquiry_id=inquiry.id or 0, from_status=INQUIRY_WAITING,
                                   status="answered", answered_at=ctx.now, next_nudge_at=None)
    if changed:
        inquiries.first_response(session=session, inquiry_id=inquiry.id or 0, now=ctx.now)
    return changed


def _on_it(session: Session, ctx: Context, inquiry: Inquiry) -> Reply:
    if not _may_respond(session, ctx, inquiry):
        return _not_yours(session, ctx, inquiry, "responder")
    if inquiry.status == "acknowledged" and inquiry.snoozed_until and as_utc(inquiry.snoozed_until) > ctx.now:
        return done(ctx, "inquiry_on_it_already", topic=_topic(session, inquiry))
    until = due_after(session=session, person_id=inquiry.assignee_person_id, topic_id=inquiry.topic_id,
                      start=ctx.now, defaults=ctx.policy, delta="nudge_every")
    if not inquiries.transition(session=session, inquiry_id=inquiry.id or 0, from_status=INQUIRY_WAITING,
                                unsnoozed_at=ctx.now, status="acknowledged"):
        return _already(session, ctx, inquiry)
    inquiries.first_response(session=session, inquiry_id=inquiry.id or 0, now=ctx.now)
    snooze_inquiry(session=session, inquiry=inquiry, until=until, defaults=ctx.policy)
    _tell(session, ctx, inquiry, InquiryAction.on_it.value, to="asker")
    return done(ctx, "inquiry_marked_on_it", topic=_topic(session, inquiry))


def _resolved(session: Session, ctx: Context, inquiry: Inquiry) -> Reply:
    if not _is_asker(ctx, inquiry):
        return _not_yours(session, ctx, inquiry, "asker")
    if not inquiries.transition(session=session, inquiry_id=inquiry.id or 0,
                                from_status=(*INQUIRY_WAITING, "answered"),
                                status="resolved", resolved_at=ctx.now, next_nudge_at=None):
        return _already(session, ctx, inquiry)
    _tell(session, ctx, inquiry, InquiryAction.resolved.value, to="assignee")
    return done(ctx, "inquiry_marked_resolved", topic=_topic(session, inquiry))


def _more_help(session: Session, ctx: Context, inquiry: Inquiry) -> Reply:
    """"Still need help": an answered, resolved or acknowledged inquiry waits again, and the
    assignee is reminded at their next working moment."""
    if not _is_asker(ctx, inquiry):
        return _not_yours(session, ctx, inquiry, "asker")
    if inquiry.status == "open":
        return done(ctx, "inquiry_still_open", person=_assignee(session, inquiry), topic=_topic(session, inquiry))
    due = due_after(session=session, person_id=inquiry.assignee_person_id, topic_id=inquiry.topic_id,
                    start=ctx.now, defaults=ctx.policy, delta="none")
    if not inquiries.transition(session=session, inquiry_id=inquiry.id or 0,
                                from_status=("acknowledged", "answered", "resolved", "closed"),
                                status="open", answered_at=None, resolved_at=None, snoozed_until=None,
                                nudges_sent=0, escalation_level=0, next_nudge_at=due):
        return _already(session, ctx, inquiry)
    _tell(session, ctx, inquiry, InquiryAction.more_help.value, to="assignee")
    return done(ctx, "inquiry_reopened", person=_assignee(session, inquiry), topic=_topic(session, inquiry))


def _hand_off(session: Session, ctx: Context, inquiry: Inquiry) -> Reply:
    """The assignee passes it to the topic's next backup; a second click finds it passed."""
    if inquiry.status not in INQUIRY_WAITING:
        return _already(session, ctx, inquiry)
    if not (_is_person(ctx, inquiry.assignee_person_id) or ctx.role is Role.admin):
        if ctx.person is not None and ctx.person.id in _responders(session, ctx, inquiry):
            return invalid(ctx, "inquiry_handed_already", person=_assignee(session, inquiry))
        return _not_yours(session, ctx, inquiry, "responder")
    target = _next_backup(session, ctx, inquiry)
    if target is None:
        return invalid(ctx, "inquiry_no_backup", topic=_topic(session, inquiry))
    due = due_after(session=session, person_id=target.id, topic_id=inquiry.topic_id, start=ctx.now,
                    defaults=ctx.policy)
    if not inquiries.transition(session=session, inquiry_id=inquiry.id or 0, from_status=INQUIRY_WAITING,
                                assignee=inquiry.assignee_person_id, assignee_person_id=target.id,
                                status="open", nudges_sent=0, escalation_level=0, snoozed_until=None,
                                next_nudge_at=due):
        return _already(session, ctx, inquiry)
    previous = _assignee(session, inquiry)
    inquiries.change(session=session, inquiry=inquiry, assignee_person_id=target.id)
    payload = payload_of(session, inquiry, _topic(session, inquiry), target, shared=False, previous=_pv(previous))
    outbox.add(session=session, now=ctx.now, messages=[NewMessage(
        f"inquiry:{inquiry.id}:handoff:{target.id}:{ctx.now.isoformat()}", "inquiry_handoff",
        *_address_of(session, target.id), payload)])
    _tell(session, ctx, inquiry, "handed_off", to="asker", person=_pv(target))
    return done(ctx, "inquiry_handed_off", person=target, topic=_topic(session, inquiry))


HANDLERS: dict[InquiryAction, Callable[[Session, Context, Inquiry], Reply]] = {
    InquiryAction.answered: _answered, InquiryAction.on_it: _on_it, InquiryAction.resolved: _resolved,
    InquiryAction.more_help: _more_help, InquiryAction.hand_off: _hand_off,
}


# -- who may, and what they are told ------------------------------------------------------

def _responders(session: Session, ctx: Context, inquiry: Inquiry) -> set[int]:
    """Who may answer: the assignee, the topic's POC and backups, and a delegate covering."""
    found = {inquiry.assignee_person_id}
    if inquiry.topic_id in ctx.snapshot.topics:
        answer = answer_for(inquiry.topic_id, session=session, snapshot=ctx.snapshot, now=ctx.now)
        found |= {p.id for p in (answer.primary, answer.cover, *answer.backups) if p is not None}
    return found


def _may_respond(session: Session, ctx: Context, inquiry: Inquiry) -> bool:
    if ctx.role is Role.admin:
        return True
    return ctx.person is not None and ctx.person.id in _responders(session, ctx, inquiry)


def _is_asker(ctx: Context, inquiry: Inquiry) -> bool:
    if ctx.person is not None and inquiry.asker_person_id == ctx.person.id:
        return True
    return (ctx.actor.platform, ctx.actor.user_id) == (inquiry.asker_platform, inquiry.asker_user_id)


def _is_person(ctx: Context, person_id: int) -> bool:
    return ctx.person is not None and ctx.person.id == person_id


def _next_backup(session: Session, ctx: Context, inquiry: Inquiry) -> PersonView | None:
    if inquiry.topic_id not in ctx.snapshot.topics:
        return None
    answer = answer_for(inquiry.topic_id, session=session, snapshot=ctx.snapshot, now=ctx.now)
    order = [p for p in (answer.primary, *answer.backups) if p is not None]
    ids = [p.id for p in order]
    # Onwards down the list from whoever holds it now (a cover not on it starts at the backups).
    later = order[ids.index(inquiry.assignee_person_id) + 1:] if inquiry.assignee_person_id in ids else list(answer.backups)
    return next((p for p in later if p.id != inquiry.asker_person_id), None)


def _not_yours(session: Session, ctx: Context, inquiry: Inquiry, needed: str) -> Reply:
    """Tell a participant who may do it; tell an outsider nothing (not even who asked what)."""
    outsider = not _is_asker(ctx, inquiry) and not (
        ctx.person is not None and ctx.person.id in _responders(session, ctx, inquiry))
    if outsider:
        return invalid(ctx, "inquiry_unknown")
    if needed == "asker":
        return Reply(ReplyKind.refused, ctx.lang, note="inquiry_only_asker",
                     values={"person": _asker_view(session, inquiry), "topic": _topic(session, inquiry)})
    return Reply(ReplyKind.refused, ctx.lang, note="inquiry_only_responders",
                 values={"person": _assignee(session, inquiry), "topic": _topic(session, inquiry)})


def _already(session: Session, ctx: Context, inquiry: Inquiry) -> Reply:
    """A click that finds the work done: say how things stand (read again: it may just have changed)."""
    inquiries.reload(session=session, inquiry=inquiry)
    return done(ctx, f"inquiry_already_{inquiry.status}", topic=_topic(session, inquiry),
                person=_assignee(session, inquiry))


def _tell(session: Session, ctx: Context, inquiry: Inquiry, event: str, *, to: str, **extra: object) -> None:
    """Post what happened in the inquiry's conversation, where both see it; with no shared
    conversation, send it to the other party directly."""
    inquiries.reload(session=session, inquiry=inquiry)
    by = view(ctx.person) if ctx.person else None
    payload = payload_of(session, inquiry, _topic(session, inquiry), _assignee(session, inquiry),
                         shared=bool(inquiry.conversation), event=event, by=_pv(by) if by else None,
                         **extra)
    if inquiry.platform and inquiry.conversation:
        place = (inquiry.platform, inquiry.conversation)
    elif to == "asker":
        place = _asker_address(session, inquiry)
    else:
        place = _address_of(session, inquiry.assignee_person_id)
    outbox.add(session=session, now=ctx.now, messages=[
        NewMessage(f"inquiry:{inquiry.id}:{event}:{ctx.now.isoformat()}", "inquiry_update", *place, payload)])


def payload_of(session: Session, inquiry: Inquiry, topic: str, assignee: PersonView, *, shared: bool,
               **extra: object) -> dict:
    """An inquiry as outbox messages carry it: platform-neutral, rendered by the adapter."""
    asker = _asker(session, inquiry)
    return {
        "lang": inquiry.lang, "inquiry_id": inquiry.id, "topic": topic, "topic_id": inquiry.topic_id,
        "question": shorten(inquiry.question, INTRO_DISPLAY), "asked_at": as_utc(inquiry.created_at).isoformat(),
        "asker": {"platform": inquiry.asker_platform, "user_id": inquiry.asker_user_id,
                  "person": person_payload(asker)},
        "assignee": _pv(assignee), "shared": shared, "conversation": inquiry.conversation,
        "thread": inquiry.thread, **extra,
    }


def _address_of(session: Session, person_id: int) -> tuple[str, str]:
    """Where a person's DMs go (their chosen or last-used platform): read from the store,
    since a PersonView does not carry those choices."""
    person = person_store.get(session=session, person_id=person_id)
    return person_address(person) if person else ("console", "")


def _asker_address(session: Session, inquiry: Inquiry) -> tuple[str, str]:
    asker = _asker(session, inquiry)
    if asker is not None and inquiry.asker_platform == "console":
        return person_address(asker)
    return inquiry.asker_platform, inquiry.asker_user_id


def _asker_view(session: Session, inquiry: Inquiry) -> PersonView:
    asker = _asker(session, inquiry)
    if asker is not None:
        return view(asker)
    return stranger_view(inquiry.asker_platform, inquiry.asker_user_id) or PersonView(0, inquiry.asker_user_id, "")


def _asker(session: Session, inquiry: Inquiry) -> Person | None:
    """The asker's directory person, when the asker is in the directory."""
    return person_store.get(session=session, person_id=inquiry.asker_person_id) if inquiry.asker_person_id else None


def _assignee(session: Session, inquiry: Inquiry) -> PersonView:
    person = person_store.get(session=session, person_id=inquiry.assignee_person_id)
    return view(person) if person else PersonView(0, "?", "")


def _topic(session: Session, inquiry: Inquiry) -> str:
    topic = topics.get(session=session, topic_id=inquiry.topic_id)
    return topic.name if topic else "?"


def _pv(person: PersonView | None) -> dict | None:
    return person_payload(cast(Person, person))


@on_landing("inquiry_intro")
def _introduction_landed(session: Session, message: OutboxMessage, landed: Delivered) -> None:
    """An inquiry's introduction, posted where asker and POC both are, becomes its thread:
    replies there answer it, and its progress is posted there."""
    payload = message.payload or {}
    if payload.get("shared") and payload.get("inquiry_id"):
        inquiries.set_conversation(session=session, inquiry_id=int(payload["inquiry_id"]),
                                   platform=message.platform, conversation=landed.conversation, thread=landed.thread)
