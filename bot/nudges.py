"""Nudges and escalations of waiting inquiries, written to the outbox: plain functions of `now`."""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import cast

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.addresses import person_address, person_payload
from bot.platforms import channel_platform
from bot.working_hours import DEFAULT_HOURS, WorkingHours, add_working_time, next_open
from store import inquiries
from store import people as person_store
from store.db import write_session
from store.inquiries import DueInquiry, PersonRow, Step
from store.models import AssignmentKind, Inquiry, Person, TopicPolicy
from store.queries import assigned_at
from store import outbox
from store.outbox import NewMessage

_LOGGER = logging.getLogger(__name__)
# A row whose step could not be worked out (bad data, a bug) is tried again this much
# later rather than at once, so it cannot hold a sweep in a loop.
RETRY_AFTER = timedelta(minutes=15)
QUESTION_DISPLAY = 300
ASSIGNEE, BACKUPS, CHANNEL = 0, 1, 2
KINDS = {ASSIGNEE: "inquiry_nudge", BACKUPS: "inquiry_escalation", CHANNEL: "inquiry_channel"}
PROGRESS = "inquiry_progress"


@dataclass(frozen=True)
class NudgePolicy:
    """When to nudge: durations are working time in the assignee's own zone and hours."""

    nudge_after: timedelta = timedelta(hours=4)
    nudge_every: timedelta = timedelta(hours=8)  # one working day of the default hours
    max_nudges: int = 2  # nudges to the assignee before the backups are asked
    hours: WorkingHours = DEFAULT_HOURS  # for people without their own schedule
    timezone: str | None = None  # for people without their own time zone (None: UTC)

    def __post_init__(self) -> None:
        # A zero interval would make a nudged row due again at once: a sweep in a loop.
        if self.nudge_every <= timedelta(0) or self.nudge_after < timedelta(0) or self.max_nudges < 0:
            raise ValueError(f"not a usable nudge policy: {self}")

    def for_topic(self, override: TopicPolicy | None) -> NudgePolicy:
        """These defaults with a topic's own values (NULL: keep the default; nonsense: clamped)."""
        if override is None:
            return self
        minutes = lambda value, default, least: (  # noqa: E731
            default if value is None else timedelta(minutes=max(least, value)))
        return replace(
            self, nudge_after=minutes(override.nudge_after_minutes, self.nudge_after, 0),
            nudge_every=minutes(override.nudge_every_minutes, self.nudge_every, 1),
            max_nudges=self.max_nudges if override.max_nudges is None else max(0, override.max_nudges),
        )


@dataclass(frozen=True)
class NudgeResult:
    """What one sweep did: rows claimed and what became of them."""

    claimed: int = 0
    nudged: int = 0  # the assignee was nudged
    to_backups: int = 0  # escalated to the topic's backups
    to_channel: int = 0  # escalated to the topic's channel (the last step)
    deferred: int = 0  # due outside the assignee's working hours: moved to the next opening
    failed: int = 0  # could not be worked out; tried again RETRY_AFTER later
    messages: int = 0  # outbox rows written
    batches: int = 0


def run_nudges(*, engine: Engine, now: datetime, batch: int = 500,
               defaults: NudgePolicy = NudgePolicy()) -> NudgeResult:
    """Nudge or escalate every due inquiry once, `batch` at a time, each batch one transaction.

    A claimed row leaves with its next due time after `now` (or none), so the loop ends,
    and a racing sweeper on another replica claims other rows.
    """
    total: Counter[str] = Counter()
    while True:
        with write_session(engine) as session:
            counts = _sweep_batch(session, now, batch, defaults)
        total.update(counts)
        if counts["claimed"] < batch:
            return NudgeResult(**total)


@dataclass
class _Batch:
    """What a batch's steps need, read with a few queries for the whole batch."""

    topics: dict[int, tuple[str, str | None]]
    policies: dict[int, NudgePolicy]
    people: dict[int, PersonRow]
    schedules: dict[int, str]
    backups: dict[int, list[PersonRow]]  # topic id -> current backups, for escalating rows only


def _sweep_batch(session: Session, now: datetime, limit: int, defaults: NudgePolicy) -> Counter[str]:
    claimed = inquiries.claim_due(session=session, now=now, limit=limit)
    counts: Counter[str] = Counter(batches=1, claimed=len(claimed))
    if not claimed:
        return counts
    batch = _load(session, claimed, now, defaults)
    steps, messages = [], []
    for row in claimed:
        try:
            outcome, step, rows = _step(row, batch, now)
        except Exception:
            _LOGGER.exception("could not work out the next step of inquiry %s; will retry", row.id)
            outcome, rows = "failed", []
            step = Step(row.id, now + RETRY_AFTER, row.nudges_sent, row.escalation_level)
        counts[outcome] += 1
        steps.append(step)
        messages += rows
    outbox.add_many(session=session, messages=messages, now=now)
    inquiries.reschedule(session=session, steps=steps)
    counts["messages"] = len(messages)
    return counts


def _load(session: Session, claimed: list[DueInquiry], now: datetime, defaults: NudgePolicy) -> _Batch:
    topic_ids = {r.topic_id for r in claimed}
    overrides = inquiries.policies(session=session, topic_ids=topic_ids)
    policies = {t: defaults.for_topic(overrides.get(t)) for t in topic_ids}
    # Backups are read only for the topics of rows about to reach them.
    escalating = [r.topic_id for r in claimed
                  if r.escalation_level == ASSIGNEE and r.nudges_sent >= policies[r.topic_id].max_nudges]
    held = assigned_at(session=session, topic_ids=sorted(set(escalating)), at=now) if escalating else []
    held = [a for a in held if a.kind == AssignmentKind.backup]
    wanted = {r.assignee_person_id for r in claimed} | {r.asker_person_id for r in claimed if r.asker_person_id}
    people = inquiries.people(session=session, ids=wanted | {a.person_id for a in held})
    backups: dict[int, list[PersonRow]] = {}
    for a in held:  # read as people, so each is reached on the platform they use
        backups.setdefault(a.topic_id, []).append(people[a.person_id])
    return _Batch(inquiries.topics(session=session, ids=topic_ids), policies, people,
                  inquiries.schedules(session=session, person_ids=wanted), backups)


def _step(row: DueInquiry, batch: _Batch, now: datetime) -> tuple[str, Step, list[dict]]:
    """The next step of one inquiry: its outcome, where it is left, and its outbox rows."""
    assignee, policy = batch.people[row.assignee_person_id], batch.policies[row.topic_id]
    opens, due_next = _timing(now, assignee.timezone or policy.timezone,
                              _hours(batch.schedules.get(assignee.id), policy.hours),
                              policy.nudge_every)
    if opens != now:  # a sweep that ran late must not nudge at 3 a.m.: wait for the opening
        return "deferred", Step(row.id, opens, row.nudges_sent, row.escalation_level), []
    following: datetime | None = due_next
    sent, level = row.nudges_sent, row.escalation_level
    backups = [p for p in batch.backups.get(row.topic_id, []) if p.id != assignee.id]
    channel = batch.topics[row.topic_id][1]
    # The assignee reads the conversation they were asked in: a nudge posted there (naming
    # them, where the asker sees it too) is their one reminder; else a DM is.
    here = bool(row.platform and row.conversation) and row.conversation_person_id == assignee.id
    if level == ASSIGNEE and sent < policy.max_nudges:
        sent, outcome, told = sent + 1, "nudged", [] if here else [_address(assignee)]
    elif level == ASSIGNEE and backups:
        level, outcome, told = BACKUPS, "to_backups", [_address(p) for p in backups]
    else:  # the backups were told, or there are none: the channel is the last step
        level, outcome, following = CHANNEL, "to_channel", None
        told = [(channel_platform(channel), channel)] if channel else []
    payload = _payload(row, batch, assignee, policy, sent, level, backups if level == BACKUPS else [], channel)
    payload["nudge_here"] = here and outcome == "nudged"
    rows = [_message(row.id, now, sent, level, KINDS[level], platform, address, payload) for platform, address in told]
    if row.platform and row.conversation:  # the asker sees each step in the inquiry's thread
        rows.append(_message(row.id, now, sent, level, PROGRESS, row.platform, row.conversation, payload))
    return outcome, Step(row.id, following, sent, level), rows


@lru_cache(maxsize=4096)
def _timing(now: datetime, tz: str | None, hours: WorkingHours, every: timedelta) -> tuple[datetime, datetime]:
    """(next opening from now, when the following step is due): a whole run shares `now`,
    and a few zones and schedules cover most people, so this is worked out a few times a run."""
    return next_open(now, tz=tz, hours=hours), add_working_time(now, every, tz=tz, hours=hours)


# person_address and person_payload read only a person's ids, name and email, which a
# PersonRow has: no ORM object is built for the hundreds of people a batch names.
def _address(person: PersonRow) -> tuple[str, str]:
    return person_address(cast(Person, person))


def _person(person: PersonRow | None) -> dict | None:
    return person_payload(cast(Person, person))


@lru_cache(maxsize=256)
def _parsed(text: str) -> WorkingHours | None:
    try:
        return WorkingHours.parse(text)
    except ValueError:
        _LOGGER.warning("ignoring unreadable working hours %r", text)
        return None


def _hours(text: str | None, default: WorkingHours) -> WorkingHours:
    return (_parsed(text) if text else None) or default


def _payload(row: DueInquiry, batch: _Batch, assignee: PersonRow, policy: NudgePolicy, sent: int, level: int,
             backups: list[PersonRow], channel: str | None) -> dict:
    """Platform-neutral: the adapter that owns the conversation renders it."""
    asker = batch.people.get(row.asker_person_id) if row.asker_person_id else None
    return {
        "lang": row.lang, "inquiry_id": row.id, "topic": batch.topics[row.topic_id][0], "topic_id": row.topic_id,
        "question": shorten(row.question), "asked_at": row.created_at.isoformat(),
        "asker": {"platform": row.asker_platform, "user_id": row.asker_user_id, "person": _person(asker)},
        "assignee": _person(assignee), "level": level, "nudges_sent": sent, "max_nudges": policy.max_nudges,
        "backups": [_person(p) for p in backups], "channel": channel if level == CHANNEL else None,
        "conversation": row.conversation, "thread": row.thread,
    }


def _message(inquiry_id: int, now: datetime, sent: int, level: int, kind: str, platform: str, address: str,
             payload: dict) -> NewMessage:
    # One row per step, due time and recipient. The claim already makes each due time one
    # sweep's; the sweep's instant keeps apart the rounds of an inquiry that was reopened,
    # handed off or moved (its counters start again, so step numbers repeat).
    return NewMessage(f"nudge:{inquiry_id}:{int(now.timestamp())}:{sent}:{level}:{kind}", kind, platform, address, payload)


def shorten(text: str, limit: int = QUESTION_DISPLAY) -> str:
    """The question for display: whole when short, else cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut) + "…"


def policy_for(*, session: Session, topic_id: int, defaults: NudgePolicy) -> NudgePolicy:
    """The defaults with the topic's own overrides."""
    return defaults.for_topic(inquiries.policies(session=session, topic_ids=[topic_id]).get(topic_id))


def schedule_of(*, session: Session, person_id: int, policy: NudgePolicy) -> tuple[str | None, WorkingHours]:
    """A person's time zone and working hours (their own, else the policy's)."""
    person = person_store.get(session=session, person_id=person_id)
    own = inquiries.schedules(session=session, person_ids=[person_id]).get(person_id)
    return (person.timezone if person and person.timezone else policy.timezone), _hours(own, policy.hours)


def due_after(*, session: Session, person_id: int, topic_id: int, start: datetime, defaults: NudgePolicy,
              delta: str = "nudge_after") -> datetime:
    """The instant `delta` ("nudge_after", "nudge_every" or "none") of this person's working
    time after `start`, by the topic's policy: when a nudge to them is next due."""
    policy = policy_for(session=session, topic_id=topic_id, defaults=defaults)
    tz, hours = schedule_of(session=session, person_id=person_id, policy=policy)
    amount = getattr(policy, delta) if delta != "none" else timedelta(0)
    return add_working_time(start, amount, tz=tz, hours=hours)


def open_inquiry(*, session: Session, inquiry: Inquiry, now: datetime,
                 defaults: NudgePolicy = NudgePolicy()) -> Inquiry:
    """Store a new inquiry, first due `nudge_after` working time from now in the assignee's hours."""
    inquiry.created_at = now
    inquiry.next_nudge_at = due_after(session=session, person_id=inquiry.assignee_person_id,
                                      topic_id=inquiry.topic_id, start=now, defaults=defaults)
    inquiry.target_at = inquiry.next_nudge_at
    return inquiries.add(session=session, inquiry=inquiry)


def snooze_inquiry(*, session: Session, inquiry: Inquiry, until: datetime,
                   defaults: NudgePolicy = NudgePolicy()) -> bool:
    """"I'm on it": no nudge before `until`, then at the first working moment from it."""
    policy = policy_for(session=session, topic_id=inquiry.topic_id, defaults=defaults)
    tz, hours = schedule_of(session=session, person_id=inquiry.assignee_person_id, policy=policy)
    due = inquiry.next_nudge_at and max(inquiry.next_nudge_at, next_open(until, tz=tz, hours=hours))
    return inquiries.snooze(session=session, inquiry_id=inquiry.id or 0, until=until, next_nudge_at=due)
