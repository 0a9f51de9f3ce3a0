"""The outbox queue, and its only writer: queue messages (one key per source and recipient),
claim due rows with a lease, mark them sent or failed, prune."""
from __future__ import annotations

import logging
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import Column, and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from store.models import OutboxMessage

_LOGGER = logging.getLogger(__name__)
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=5)
# Long enough that a day-long platform outage loses nothing, short enough that a
# message nobody can deliver stops being retried.
MAX_AGE = timedelta(hours=48)
_TABLE = OutboxMessage.__table__
_ERROR_LENGTH = 500
_KEY_LENGTH = 200


@dataclass(frozen=True)
class NewMessage:
    """A message to queue. `source` says what it comes from ("change:42:announcement",
    "inquiry:7:intro", "digest:poc:2030-W10"...): one source owes one recipient one message."""

    source: str
    kind: str
    platform: str
    address: str
    payload: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.source}:{self.platform}:{self.address}"[:_KEY_LENGTH]


class Origin(Protocol):
    """What a message comes from, as the core's events name it: ("change", 42)."""

    origin: str

    @property
    def origin_id(self) -> int: ...


def about(event: Origin, part: str, *, kind: str, platform: str, address: str, payload: dict[str, Any]) -> NewMessage:
    """A message an event causes: its source, hence its dedupe key, is the event's row and the
    part the message plays ("change:42:announcement", "change:42:inquiries_moved_new"), so
    recording the event again (a retried job) queues nothing twice."""
    return NewMessage(f"{event.origin}:{event.origin_id}:{part}", kind, platform, address, payload)


def add(*, session: Session, messages: Sequence[NewMessage], now: datetime) -> int:
    """Queue these in the caller's transaction; a message whose key is queued already is skipped.
    Returns how many went in."""
    if not messages:
        return 0
    now = as_utc(now)
    rows = [{"dedupe_key": m.key, "platform": m.platform, "address": m.address, "kind": m.kind,
             "payload": m.payload, "status": "pending", "attempts": 0, "tries": 0, "next_attempt_at": now,
             "created_at": now, "last_error": ""} for m in messages]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_TABLE).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_TABLE.c.id)
    # RETURNING, not rowcount: psycopg 3 reports -1 for an INSERT ... ON CONFLICT DO NOTHING.
    return len(session.connection().execute(statement, rows).all())


# A nudge sweep queues thousands of rows: they go to the DBAPI's executemany, with values
# converted by the columns' own SQLAlchemy types (SQLAlchemy's per-row statement processing
# cost a quarter of a sweep's time, bench/nudge_sweep.py); a payload shared by a step's
# recipients is serialised once. What is stored is exactly what `add` stores (tested).
_ADD_MANY = (
    "INSERT INTO outbox (dedupe_key, platform, address, kind, payload, status, attempts, next_attempt_at,"
    " created_at, last_error) VALUES ({p}, {p}, {p}, {p}, {p}, 'pending', 0, {p}, {p}, '')"
    " ON CONFLICT (dedupe_key) DO NOTHING"
)


def add_many(*, session: Session, messages: Sequence[NewMessage], now: datetime) -> None:
    """`add` for many rows at once, when the count of rows that went in is not needed."""
    if not messages:
        return
    dialect = session.get_bind().dialect
    sql = _ADD_MANY.format(p="?" if dialect.paramstyle == "qmark" else "%s")
    at = converter(_TABLE.c.created_at, dialect)(as_utc(now))
    to_json, serialised = converter(_TABLE.c.payload, dialect), {}
    params = []
    for m in messages:
        payload = serialised.get(id(m.payload))
        if payload is None:
            payload = serialised[id(m.payload)] = to_json(m.payload)
        params.append((m.key, m.platform, m.address, m.kind, payload, at, at))
    session.connection().exec_driver_sql(sql, params)


def converter(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """A column's own conversion of a Python value to what the driver takes."""
    convert = column.type.dialect_impl(dialect).bind_processor(dialect)
    return (lambda value: None if value is None else convert(value)) if convert else (lambda value: value)


def as_utc(moment: datetime) -> datetime:
    """UTC and aware: SQLite stores datetimes without their offset, so bind UTC only."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def database_clock(session: Session, ahead: timedelta = timedelta(0)) -> ColumnElement[datetime]:
    """The database's time (plus `ahead`), as SQL: leases are measured on one clock only.

    A worker's `now` says what is due (`pocbot tick --at` may run days ahead); a lease
    measured on it would let such a worker take claims a live server still holds.
    """
    if session.get_bind().dialect.name == "sqlite":
        # UTC, the same text layout SQLAlchemy stores datetimes in, so they compare.
        return func.strftime("%Y-%m-%d %H:%M:%f000", "now", f"{ahead.total_seconds():+.3f} seconds")
    return func.now() + ahead


def _claimable(table, now: datetime, platforms: Collection[str], clock: ColumnElement[datetime]  # type: ignore[no-untyped-def]
               ) -> ColumnElement[bool]:
    return and_(
        table.c.status == "pending",
        table.c.next_attempt_at <= now,
        or_(table.c.claimed_until.is_(None), table.c.claimed_until < clock),
        table.c.platform.in_(list(platforms)),
    )


def claim_due(*, session: Session, now: datetime, worker: str, lease: timedelta,
              platforms: Collection[str], limit: int) -> list[OutboxMessage]:
    """Claim up to `limit` due rows, at most the head of each (platform, address) queue.

    One conditional UPDATE ... RETURNING. The outer WHERE repeats the claim condition:
    on PostgreSQL a claimer that waited for a row another claimer took re-checks it on
    the new version and skips it; on SQLite write transactions run one at a time.
    """
    now, clock = as_utc(now), database_clock(session)
    candidate, older = _TABLE.alias("candidate"), _TABLE.alias("older")
    # Only the oldest pending row of an address: keeps each channel's order, sends
    # one message per address per run, and lets a slow channel wait alone.
    is_head = ~exists().where(
        older.c.platform == candidate.c.platform, older.c.address == candidate.c.address,
        older.c.status == "pending", older.c.id < candidate.c.id,
    )
    due = (
        select(candidate.c.id).where(_claimable(candidate, now, platforms, clock), is_head)
        .order_by(candidate.c.next_attempt_at, candidate.c.id).limit(limit)
        # PostgreSQL only (SQLite drops it): rows locked by a racing claimer are skipped
        # rather than waited for; correctness still rests on the repeated condition.
        .with_for_update(skip_locked=True)
        # Chosen once: as a plain IN (subquery) PostgreSQL may rescan it per row, and a
        # rescan skips the rows this statement just claimed, so LIMIT would not hold.
        .cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    )
    statement = (
        update(_TABLE)
        .where(_TABLE.c.id.in_(select(due.c.id)), _claimable(_TABLE, now, platforms, clock))
        .values(claimed_by=worker, claimed_until=database_clock(session, lease), tries=_TABLE.c.tries + 1,
                first_tried_at=func.coalesce(_TABLE.c.first_tried_at, database_clock(session)))
        .returning(*_TABLE.c)
    )
    rows = session.execute(statement).mappings().all()
    return sorted((OutboxMessage(**dict(row)) for row in rows), key=lambda m: m.id or 0)


def _held(message_id: int, worker: str) -> ColumnElement[bool]:
    """Only the worker holding the claim may settle a row (a lapsed claim may have moved)."""
    return and_(_TABLE.c.id == message_id, _TABLE.c.claimed_by == worker, _TABLE.c.status == "pending")


def mark_sent(*, session: Session, message_id: int, worker: str, now: datetime) -> bool:
    """Mark a delivered row sent and release it; False when this worker no longer held it."""
    statement = update(_TABLE).where(_held(message_id, worker)).values(
        status="sent", sent_at=as_utc(now), attempts=_TABLE.c.attempts + 1,
        claimed_by=None, claimed_until=None, last_error="",
    )
    return (session.execute(statement).rowcount or 0) == 1


def mark_dropped(*, session: Session, message_id: int, worker: str, now: datetime, reason: str) -> bool:
    """Settle a row without delivering it: what it says is no longer true."""
    statement = update(_TABLE).where(_held(message_id, worker)).values(
        status="dropped", sent_at=as_utc(now), claimed_by=None, claimed_until=None, last_error=reason[:_ERROR_LENGTH],
    )
    return (session.execute(statement).rowcount or 0) == 1


def mark_failed(*, session: Session, message_id: int, worker: str, now: datetime, error: str,
                retry_after: float | None = None, permanent: bool = False) -> str | None:
    """Reschedule a failed delivery (Retry-After, else backoff) or give it up.

    Returns the row's new status ("pending" or "failed"), None when this worker no
    longer held it. A row is given up when the failure is permanent or it is older
    than MAX_AGE.
    """
    now = as_utc(now)
    found = session.execute(
        select(_TABLE.c.attempts, _TABLE.c.created_at).where(_held(message_id, worker)).with_for_update()
    ).first()
    if found is None:
        return None
    attempts = found.attempts + 1
    give_up = permanent or now - as_utc(found.created_at) >= MAX_AGE
    if retry_after is not None:
        wait = timedelta(seconds=max(0.0, retry_after))
    else:
        wait = backoff(attempts)
    values = {
        "attempts": attempts, "claimed_by": None, "claimed_until": None,
        "last_error": error[:_ERROR_LENGTH], "next_attempt_at": now + wait,
    }
    if give_up:
        values["status"] = "failed"
    session.execute(update(_TABLE).where(_held(message_id, worker)).values(**values))
    return "failed" if give_up else "pending"


def backoff(attempts: int) -> timedelta:
    """Capped exponential backoff with jitter (between half and all of 5 s * 2^(n-1))."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, min(attempts - 1, 16)))
    return ceiling * (0.5 + random.random() / 2)


def release(*, session: Session, message_ids: Collection[int], worker: str) -> int:
    """Give claimed rows back untouched (a run out of time), so any worker takes them at once."""
    if not message_ids:
        return 0
    statement = update(_TABLE).where(
        _TABLE.c.id.in_(list(message_ids)), _TABLE.c.claimed_by == worker, _TABLE.c.status == "pending",
    ).values(claimed_by=None, claimed_until=None, tries=_TABLE.c.tries - 1)  # never tried, after all
    return session.execute(statement).rowcount or 0


def release_all_but(*, session: Session, worker: str, keep: Collection[int]) -> int:
    """Give back every row this worker holds except those in `keep` (a stopping process)."""
    held = session.execute(select(_TABLE.c.id).where(
        _TABLE.c.claimed_by == worker, _TABLE.c.status == "pending")).scalars().all()
    return release(session=session, message_ids=set(held) - set(keep), worker=worker)


def prune(*, session: Session, before: datetime) -> int:
    """Delete rows sent (or dropped) before `before`; failed rows stay for someone to look at."""
    statement = delete(_TABLE).where(_TABLE.c.status.in_(["sent", "dropped"]), _TABLE.c.sent_at < as_utc(before))
    return session.execute(statement).rowcount or 0


def given_up(*, session: Session, since: datetime, limit: int) -> tuple[int, list[OutboxMessage]]:
    """Rows given up that were written since `since`: how many, and the newest `limit`."""
    recent = and_(_TABLE.c.status == "failed", _TABLE.c.created_at >= as_utc(since))
    count = session.execute(select(func.count()).select_from(_TABLE).where(recent)).scalar_one()
    rows = session.execute(select(OutboxMessage).where(recent).order_by(_TABLE.c.id.desc()).limit(limit)).scalars()
    return int(count), list(rows)
