"""Inquiries in the store: create, claim the due ones for the nudge sweep, reschedule, settle."""
from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from store.models import (
    INQUIRY_WAITING, INQUIRY_WAITING_SQL, Inquiry, Person, PersonSchedule, Topic, TopicPolicy,
)
from store.outbox import as_utc, converter

_LOGGER = logging.getLogger(__name__)
_TABLE = Inquiry.__table__
# A settled status and the column recording when (closed: given up without an answer).
SETTLED_AT = {"answered": "answered_at", "resolved": "resolved_at", "closed": None}


class DueInquiry(NamedTuple):
    """What the sweep needs of a claimed inquiry (as it was before the claim)."""

    id: int
    topic_id: int
    asker_platform: str
    asker_user_id: str
    asker_person_id: int | None
    question: str
    lang: str
    assignee_person_id: int
    platform: str | None
    conversation: str | None
    thread: str | None
    conversation_person_id: int | None
    created_at: datetime
    nudges_sent: int
    escalation_level: int


_RETURNED = [_TABLE.c[name] for name in DueInquiry._fields]


class PersonRow(NamedTuple):
    """The person fields a message needs; read without the ORM, a batch of hundreds at a time."""

    id: int
    name: str
    email: str
    slack_id: str | None
    teams_id: str | None
    timezone: str | None
    notify_platform: str | None
    last_platform: str | None


@dataclass(frozen=True)
class Step:
    """Where the sweep leaves one claimed inquiry: its next due time and counters."""

    inquiry_id: int
    next_nudge_at: datetime | None
    nudges_sent: int
    escalation_level: int


def add(*, session: Session, inquiry: Inquiry) -> Inquiry:
    session.add(inquiry)
    session.flush()
    return inquiry


def change(*, session: Session, inquiry: Inquiry, **values: Any) -> None:
    """Set fields of an inquiry row this session holds; they are written with its transaction."""
    for name, value in values.items():
        setattr(inquiry, name, value)
    session.add(inquiry)


def _due(now: datetime) -> ColumnElement[bool]:
    # The waiting-states text is the partial index's own; `<=` on next_nudge_at implies
    # its IS NOT NULL, so both SQLite and PostgreSQL can use ix_inquiry_due.
    return and_(
        text(INQUIRY_WAITING_SQL), _TABLE.c.next_nudge_at <= now,
        or_(_TABLE.c.snoozed_until.is_(None), _TABLE.c.snoozed_until <= now),
    )


def claim_due(*, session: Session, now: datetime, limit: int) -> list[DueInquiry]:
    """Claim up to `limit` due inquiries, oldest due first, by clearing their next_nudge_at.

    One conditional UPDATE ... RETURNING, as store.outbox.claim_due: the outer WHERE
    repeats the due condition, so on PostgreSQL a claimer that waited for a row another
    one took re-checks the committed version and skips it; on SQLite write transactions
    run one at a time. The caller sets the real next due time in the same transaction
    (reschedule), so no other sweeper ever sees the cleared value.
    """
    now = as_utc(now)
    due = (
        select(_TABLE.c.id).where(_due(now))
        .order_by(_TABLE.c.next_nudge_at, _TABLE.c.id).limit(limit)
        # PostgreSQL only: skip rows a racing sweeper holds instead of queueing behind it.
        .with_for_update(skip_locked=True)
        # Chosen once: as a plain IN (subquery) PostgreSQL may rescan it per row, and a
        # rescan skips the rows this statement just claimed, so LIMIT would not hold.
        .cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    )
    statement = (
        update(_TABLE).where(_TABLE.c.id.in_(select(due.c.id)), _due(now))
        .values(next_nudge_at=None).returning(*_RETURNED)
    )
    rows = session.connection().execute(statement).all()
    return sorted((DueInquiry._make(row) for row in rows), key=lambda r: r.id)


# A sweep's rescheduling goes to the DBAPI's executemany, with values converted by the
# columns' own SQLAlchemy types, as its outbox rows do (store.outbox.add_many).
_RESCHEDULE = "UPDATE inquiry SET next_nudge_at = {p}, nudges_sent = {p}, escalation_level = {p} WHERE id = {p}"
def _driver_sql(session: Session, template: str) -> tuple[str, Dialect]:
    dialect = session.get_bind().dialect
    return template.format(p="?" if dialect.paramstyle == "qmark" else "%s"), dialect


def reschedule(*, session: Session, steps: Sequence[Step]) -> None:
    """Store each claimed inquiry's next due time and counters (one executemany)."""
    if not steps:
        return
    sql, dialect = _driver_sql(session, _RESCHEDULE)
    when = converter(_TABLE.c.next_nudge_at, dialect)
    params = [(when(s.next_nudge_at), s.nudges_sent, s.escalation_level, s.inquiry_id) for s in steps]
    session.connection().exec_driver_sql(sql, params)


def topics(*, session: Session, ids: Collection[int]) -> dict[int, tuple[str, str | None]]:
    """(name, channel) by topic id."""
    rows = session.connection().execute(select(Topic.id, Topic.name, Topic.channel).where(Topic.id.in_(list(ids))))
    return {topic_id: (name, channel) for topic_id, name, channel in rows}


def people(*, session: Session, ids: Collection[int]) -> dict[int, PersonRow]:
    query = select(*(Person.__table__.c[name] for name in PersonRow._fields)).where(Person.id.in_(list(ids)))
    return {row.id: PersonRow._make(row) for row in session.connection().execute(query)}


def policies(*, session: Session, topic_ids: Collection[int]) -> dict[int, TopicPolicy]:
    query = select(TopicPolicy).where(TopicPolicy.topic_id.in_(list(topic_ids)))
    return {p.topic_id: p for p in session.execute(query).scalars()}


def schedules(*, session: Session, person_ids: Collection[int]) -> dict[int, str]:
    """Working hours ('mon-fri 09:00-17:00') of those people who have their own."""
    query = select(PersonSchedule.person_id, PersonSchedule.working_hours).where(
        PersonSchedule.person_id.in_(list(person_ids)))
    return {person_id: hours for person_id, hours in session.connection().execute(query)}


def snooze(*, session: Session, inquiry_id: int, until: datetime, next_nudge_at: datetime | None) -> bool:
    """Pause nudges until `until`; the next one is due at `next_nudge_at`. False if not waiting."""
    statement = update(_TABLE).where(_TABLE.c.id == inquiry_id, _TABLE.c.status.in_(INQUIRY_WAITING)).values(
        snoozed_until=as_utc(until), next_nudge_at=as_utc(next_nudge_at) if next_nudge_at else None)
    return (session.connection().execute(statement).rowcount or 0) == 1


def settle(*, session: Session, inquiry_id: int, status: str, now: datetime) -> bool:
    """Mark an inquiry answered, resolved or closed: it is never nudged again."""
    if status not in SETTLED_AT:
        raise ValueError(f"not a settled status: {status!r}")
    values: dict[str, Any] = {"status": status, "next_nudge_at": None}
    if SETTLED_AT[status]:
        values[SETTLED_AT[status]] = as_utc(now)
    statement = update(_TABLE).where(_TABLE.c.id == inquiry_id).values(**values)
    return (session.connection().execute(statement).rowcount or 0) == 1


# -- one inquiry at a time: what chat actions read and change --------------------------

def get(*, session: Session, inquiry_id: int) -> Inquiry | None:
    return session.get(Inquiry, inquiry_id)


def reload(*, session: Session, inquiry: Inquiry) -> None:
    """Read the inquiry's row again: a concurrent click may just have changed it."""
    session.refresh(inquiry)


def in_thread(*, session: Session, platform: str, conversation: str, thread: str | None) -> Inquiry | None:
    """The waiting inquiry a reply belongs to: the one of that thread, else (a reply outside
    any thread of a group DM) the newest waiting one of the conversation."""
    query = select(Inquiry).where(
        Inquiry.platform == platform, Inquiry.conversation == conversation, Inquiry.status.in_(INQUIRY_WAITING))
    if thread is not None:
        query = query.where(Inquiry.thread == thread)
    return session.execute(query.order_by(Inquiry.id.desc()).limit(1)).scalars().first()


def transition(*, session: Session, inquiry_id: int, from_status: Collection[str], assignee: int | None = None,
               unsnoozed_at: datetime | None = None, **values: Any) -> bool:
    """Change an inquiry only if it is still in one of `from_status` (and with `assignee`):
    of two clicks at once, one changes it and the other finds it changed (the caller says so)."""
    values = {k: as_utc(v) if isinstance(v, datetime) else v for k, v in values.items()}
    statement = update(_TABLE).where(_TABLE.c.id == inquiry_id, _TABLE.c.status.in_(list(from_status)))
    if assignee is not None:
        statement = statement.where(_TABLE.c.assignee_person_id == assignee)
    if unsnoozed_at is not None:  # not already paused: of two "I'm on it" clicks one wins
        statement = statement.where(or_(_TABLE.c.status == "open", _TABLE.c.snoozed_until.is_(None),
                                        _TABLE.c.snoozed_until <= as_utc(unsnoozed_at)))
    return (session.connection().execute(statement.values(**values)).rowcount or 0) == 1


def first_response(*, session: Session, inquiry_id: int, now: datetime) -> None:
    """Note the first answer or acknowledgement (later ones keep the first)."""
    statement = update(_TABLE).where(_TABLE.c.id == inquiry_id, _TABLE.c.first_response_at.is_(None))
    session.connection().execute(statement.values(first_response_at=as_utc(now)))


def set_conversation(*, session: Session, inquiry_id: int, platform: str, conversation: str, thread: str | None) -> None:
    """Where the inquiry's conversation lives, learnt when its introduction was delivered."""
    statement = update(_TABLE).where(_TABLE.c.id == inquiry_id).values(
        platform=platform, conversation=conversation[:200], thread=thread[:200] if thread else None)
    session.connection().execute(statement)


def waiting_for(*, session: Session, person_id: int, limit: int = 10) -> list[tuple[Inquiry, str]]:
    """Inquiries waiting for this person, oldest first, with their topic's name."""
    query = (select(Inquiry, Topic.name).join(Topic, Topic.id == Inquiry.topic_id)
             .where(Inquiry.assignee_person_id == person_id, text(INQUIRY_WAITING_SQL))  # the partial index's text
             .order_by(Inquiry.created_at, Inquiry.id).limit(limit))
    return [(row[0], row[1]) for row in session.execute(query)]


def asked_by(*, session: Session, platform: str, user_id: str, person_id: int | None,
             limit: int = 10) -> list[tuple[Inquiry, str, Person]]:
    """What this person asked, open ones first then newest: (inquiry, topic name, assignee)."""
    who = (Inquiry.asker_platform == platform) & (Inquiry.asker_user_id == user_id)
    if person_id is not None:
        who = who | (Inquiry.asker_person_id == person_id)
    waiting = Inquiry.status.in_(INQUIRY_WAITING)
    query = (select(Inquiry, Topic.name, Person).join(Topic, Topic.id == Inquiry.topic_id)
             .join(Person, Person.id == Inquiry.assignee_person_id).where(who)
             .order_by(waiting.desc(), Inquiry.created_at.desc(), Inquiry.id.desc()).limit(limit))
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def any_waiting(*, session: Session, topic_id: int, person_id: int) -> bool:
    """Whether this person holds a waiting inquiry on this topic."""
    query = select(_TABLE.c.id).where(_TABLE.c.topic_id == topic_id, _TABLE.c.assignee_person_id == person_id,
                                      _TABLE.c.status.in_(INQUIRY_WAITING)).limit(1)
    return session.connection().execute(query).first() is not None


def move_waiting(*, session: Session, topic_id: int, from_person: int, to_person: int,
                 next_nudge_at: datetime) -> list[int]:
    """Give a topic's waiting inquiries held by one person to another, nudges counted afresh."""
    statement = update(_TABLE).where(
        _TABLE.c.topic_id == topic_id, _TABLE.c.assignee_person_id == from_person,
        _TABLE.c.status.in_(INQUIRY_WAITING),
    ).values(assignee_person_id=to_person, nudges_sent=0, escalation_level=0, snoozed_until=None,
             next_nudge_at=as_utc(next_nudge_at)).returning(_TABLE.c.id)
    return sorted(session.connection().execute(statement).scalars())


def waiting_count(*, session: Session, person_id: int | None) -> int:
    """How many inquiries wait for this person now."""
    waiting = select(func.count()).select_from(Inquiry).where(
        Inquiry.assignee_person_id == person_id, Inquiry.status.in_(INQUIRY_WAITING))
    return session.execute(waiting).scalar_one()


def still_waiting(*, session: Session, inquiry_ids: Collection[int], assignee: int | None = None) -> set[int]:
    """Those of the inquiries that still wait, for this assignee when one is named."""
    wanted = select(Inquiry.id).where(Inquiry.id.in_(inquiry_ids), Inquiry.status.in_(INQUIRY_WAITING))
    if assignee is not None:
        wanted = wanted.where(Inquiry.assignee_person_id == assignee)
    return set(session.execute(wanted).scalars())
