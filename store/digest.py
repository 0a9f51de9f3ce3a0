"""What the weekly digest reads, and its once-only mark: zones, waiting inquiries, managers, changes."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from store.models import (
    INQUIRY_WAITING_SQL, DirectoryChange, Inquiry, JobMark, Person, Subscription, Topic, TopicManager,
)
from store.outbox import as_utc

_MAX_DEPTH = 32
_CHUNK = 500  # ids per IN list: well inside SQLite's limit on bound parameters


class Recipient(NamedTuple):
    """The person fields an address and a mention need (person_address takes it as a Person)."""

    id: int
    name: str
    email: str
    slack_id: str | None
    teams_id: str | None
    notify_platform: str | None  # where they want their DMs (bot.addresses.person_address)
    last_platform: str | None


class Waiting(NamedTuple):
    """One waiting inquiry of a POC's digest, with how many that POC has in all."""

    assignee: Recipient
    total: int
    inquiry_id: int
    topic: str
    question: str
    created_at: datetime
    asker_platform: str
    asker_user_id: str
    asker: Recipient | None


def _dialect(session: Session):  # type: ignore[no-untyped-def]
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


def zones(*, session: Session) -> list[str | None]:
    """Every time zone people have (None: no zone of their own)."""
    return [zone for (zone,) in session.connection().execute(select(Person.timezone).distinct())]


def marked(*, session: Session, keys: Collection[str]) -> set[str]:
    query = select(JobMark.key).where(JobMark.key.in_(list(keys)))
    return set(session.connection().execute(query).scalars())


def mark(*, session: Session, key: str, now: datetime) -> bool:
    """Insert the mark; False when another run (or replica) already has it.

    On PostgreSQL a racing insert of the same key waits for the first transaction and then
    does nothing; on SQLite write transactions run one at a time.
    """
    statement = (
        _dialect(session).insert(JobMark.__table__).values(key=key[:200], done_at=as_utc(now))
        .on_conflict_do_nothing(index_elements=["key"])
        # RETURNING says whether a row went in; rowcount does not, on psycopg 3 (-1).
        .returning(JobMark.__table__.c.key)
    )
    return session.connection().execute(statement).first() is not None


def _in_zones(column: Any, names: Collection[str], with_none: bool) -> ColumnElement[bool]:
    condition = column.in_(list(names))
    return or_(condition, column.is_(None)) if with_none else condition


def _recipient(row: Sequence[Any]) -> Recipient | None:
    return Recipient._make(row) if row[0] is not None else None


def waiting(*, session: Session, names: Collection[str], with_none: bool, per_person: int) -> list[Waiting]:
    """The oldest `per_person` waiting inquiries of each assignee in these zones, by assignee.

    Window functions keep the rest in the database; only the shown rows and a count leave it.
    """
    assignee, asker = Person.__table__.alias("assignee"), Person.__table__.alias("asker")
    i = Inquiry.__table__.c
    ranked = (
        select(
            *_fields(assignee), func.count().over(partition_by=i.assignee_person_id).label("total"),
            func.row_number().over(partition_by=i.assignee_person_id, order_by=(i.created_at, i.id)).label("rank"),
            i.id.label("inquiry_id"), i.topic_id, i.question, i.created_at, i.asker_platform, i.asker_user_id,
            i.asker_person_id,
        )
        .join(assignee, assignee.c.id == i.assignee_person_id)
        # The partial index's own text, so SQLite can read only the waiting rows.
        .where(text(INQUIRY_WAITING_SQL), _in_zones(assignee.c.timezone, names, with_none))
        .subquery()
    )
    r = ranked.c
    query = (
        select(*(r[name] for name in Recipient._fields), r.total, r.inquiry_id, Topic.name, r.question,
               r.created_at, r.asker_platform, r.asker_user_id, *_fields(asker))
        .select_from(ranked).join(Topic, Topic.id == r.topic_id).outerjoin(asker, asker.c.id == r.asker_person_id)
        .where(r.rank <= per_person).order_by(r.id, r.rank)
    )
    width = len(Recipient._fields)
    return [Waiting(Recipient._make(row[:width]), *row[width:width + 7], _recipient(row[width + 7:]))
            for row in session.connection().execute(query)]


def _fields(table: Any) -> list[Any]:
    return [table.c[name] for name in Recipient._fields]


def managers(*, session: Session, names: Collection[str], with_none: bool) -> dict[Recipient, set[int]]:
    """Listed topic managers in these zones, and the topics each is listed for."""
    person = Person.__table__.c
    query = (
        select(*_fields(Person.__table__), TopicManager.topic_id)
        .join(TopicManager, TopicManager.person_id == person.id)
        .where(_in_zones(person.timezone, names, with_none))
    )
    found: dict[Recipient, set[int]] = {}
    for row in session.connection().execute(query):
        found.setdefault(Recipient._make(row[:-1]), set()).add(row[-1])
    return found


def lineages(*, session: Session, topic_ids: Collection[int]) -> dict[int, set[int]]:
    """Each topic with all its ancestors, read a level at a time."""
    parent: dict[int, int | None] = {}
    todo = set(topic_ids)
    for _ in range(_MAX_DEPTH):
        todo -= parent.keys()
        if not todo:
            break
        ids = sorted(todo)
        for start in range(0, len(ids), _CHUNK):
            query = select(Topic.id, Topic.parent_id).where(Topic.id.in_(ids[start:start + _CHUNK]))
            parent.update({topic: up for topic, up in session.connection().execute(query)})
        todo = {p for p in parent.values() if p is not None}
    found: dict[int, set[int]] = {}
    for topic_id in topic_ids:
        chain, current = set(), topic_id
        while current is not None and current not in chain and len(chain) < _MAX_DEPTH:
            chain.add(current)
            current = parent.get(current)
        found[topic_id] = chain
    return found


def subscribed_channels(*, session: Session) -> set[tuple[str, str]]:
    query = select(Subscription.platform, Subscription.channel).distinct()
    return {(platform, channel) for platform, channel in session.connection().execute(query)}


def announced_changes(*, session: Session, since: datetime, until: datetime) -> list[DirectoryChange]:
    """Changes announced in [since, until], in the order they took effect (a week holds few)."""
    query = (
        select(DirectoryChange)
        .where(DirectoryChange.announced_at >= as_utc(since), DirectoryChange.announced_at <= as_utc(until),
               DirectoryChange.cancelled_at.is_(None))
        .order_by(DirectoryChange.effective_at, DirectoryChange.id)
    )
    return list(session.execute(query).scalars())
