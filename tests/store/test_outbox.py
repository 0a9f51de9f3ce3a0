"""The outbox queue claims, settles and retries rows the same way on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select, update

from store import outbox
from store.db import read_session, write_session
from store.models import OutboxMessage

NOW = datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=60)
_counter = iter(range(1, 1_000_000))


def queue(engine: Engine, address: str, *, platform: str = "slack", count: int = 1,
          due: datetime = NOW, created: datetime = NOW) -> list[int]:
    """Add `count` pending rows for one address; returns their ids, oldest first."""
    with write_session(engine) as session:
        rows = [OutboxMessage(dedupe_key=f"test:{next(_counter)}", platform=platform, address=address,
                              kind="announcement", payload={"text": f"hello {address}"},
                              next_attempt_at=due, created_at=created) for _ in range(count)]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def claim(engine: Engine, worker: str = "w1", now: datetime = NOW, platforms=("slack",), limit: int = 100) -> list[int]:
    with write_session(engine) as session:
        claimed = outbox.claim_due(session=session, now=now, worker=worker, lease=LEASE,
                                   platforms=platforms, limit=limit)
        return [m.id for m in claimed]


def row(engine: Engine, message_id: int) -> OutboxMessage:
    with read_session(engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.id == message_id)).one()


def sent(engine: Engine, message_id: int, worker: str = "w1", now: datetime = NOW) -> bool:
    with write_session(engine) as session:
        return outbox.mark_sent(session=session, message_id=message_id, worker=worker, now=now)


def failed(engine: Engine, message_id: int, worker: str = "w1", now: datetime = NOW, **kwargs) -> str | None:
    with write_session(engine) as session:
        return outbox.mark_failed(session=session, message_id=message_id, worker=worker, now=now,
                                  error=kwargs.pop("error", "boom"), **kwargs)


def test_a_claim_returns_the_due_rows_once_with_their_payload(engine: Engine) -> None:
    ids = queue(engine, "C1") + queue(engine, "C2")

    with write_session(engine) as session:
        claimed = outbox.claim_due(session=session, now=NOW, worker="w1", lease=LEASE, platforms=["slack"], limit=10)

    assert [m.id for m in claimed] == ids
    assert claimed[0].payload == {"text": "hello C1"} and claimed[0].address == "C1"
    assert claimed[0].claimed_by == "w1"
    assert claim(engine, "w2", NOW + timedelta(seconds=59)) == []


def lapse(engine: Engine, message_id: int) -> None:
    """The claim's lease ran out on the database's clock (its worker died long ago)."""
    with write_session(engine) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            claimed_until=outbox.database_clock(session, -timedelta(seconds=1))))


def test_a_row_whose_claim_lapsed_is_claimed_by_another_worker(engine: Engine) -> None:
    [message] = queue(engine, "C1")
    assert claim(engine, "dead-worker") == [message]
    assert claim(engine, "w2") == []

    lapse(engine, message)

    assert claim(engine, "w2") == [message]
    assert row(engine, message).claimed_by == "w2"


def test_a_worker_whose_clock_runs_days_ahead_takes_no_live_claim(engine: Engine) -> None:
    live = queue(engine, "C1") + queue(engine, "C2")
    assert claim(engine, "server") == live
    [later] = queue(engine, "C3", due=NOW + timedelta(days=2))

    # `pocbot tick --at` two days ahead: what is due is its own business, leases are not.
    assert claim(engine, "tick", NOW + timedelta(days=2)) == [later]
    assert [row(engine, m).claimed_by for m in live] == ["server", "server"]


def test_only_the_head_of_each_address_queue_is_claimed(engine: Engine) -> None:
    busy = queue(engine, "CBUSY", count=3)
    quiet = queue(engine, "CQUIET")

    assert claim(engine) == [busy[0], quiet[0]]
    assert claim(engine, "w2") == []  # the next CBUSY row waits while its head is in flight

    assert sent(engine, busy[0])
    assert claim(engine, "w2") == [busy[1]]


def test_a_head_waiting_to_be_retried_holds_back_only_its_own_address(engine: Engine) -> None:
    later = queue(engine, "C1", due=NOW + timedelta(minutes=5)) + queue(engine, "C1")
    other = queue(engine, "C2")

    assert claim(engine) == other
    assert sent(engine, other[0])
    assert claim(engine, "w2", NOW + timedelta(minutes=5)) == [later[0]]


def test_rows_of_other_platforms_and_rows_not_yet_due_are_not_claimed(engine: Engine) -> None:
    queue(engine, "19:abc@thread.tacv2", platform="teams")
    queue(engine, "C1", due=NOW + timedelta(seconds=1))
    console = queue(engine, "ana@acme.test", platform="console")

    assert claim(engine, platforms=["slack"]) == []
    assert claim(engine, platforms=["slack", "console"]) == console


def test_a_claim_takes_at_most_limit_rows(engine: Engine) -> None:
    ids = [queue(engine, f"C{n}")[0] for n in range(5)]

    assert claim(engine, limit=2) == ids[:2]
    assert claim(engine, "w2", limit=10) == ids[2:]


def test_mark_sent_records_the_delivery_and_releases_the_claim(engine: Engine) -> None:
    [message] = queue(engine, "C1")
    claim(engine)

    assert sent(engine, message, now=NOW + timedelta(seconds=2))
    stored = row(engine, message)
    assert (stored.status, stored.attempts, stored.claimed_by, stored.claimed_until) == ("sent", 1, None, None)
    assert outbox.as_utc(stored.sent_at) == NOW + timedelta(seconds=2)
    assert claim(engine, "w2", NOW + timedelta(hours=1)) == []


def test_only_the_worker_holding_the_claim_can_mark_the_row(engine: Engine) -> None:
    [message] = queue(engine, "C1")
    claim(engine, "w1")

    assert not sent(engine, message, worker="w2")
    assert failed(engine, message, worker="w2") is None
    assert row(engine, message).status == "pending"
    assert sent(engine, message, worker="w1")
    assert not sent(engine, message, worker="w1")  # and only once


def test_mark_failed_waits_as_long_as_retry_after_says(engine: Engine) -> None:
    [message] = queue(engine, "C1")
    claim(engine)

    assert failed(engine, message, retry_after=30, error="rate limited") == "pending"

    stored = row(engine, message)
    assert outbox.as_utc(stored.next_attempt_at) == NOW + timedelta(seconds=30)
    assert (stored.attempts, stored.claimed_by, stored.last_error) == (1, None, "rate limited")
    assert claim(engine, "w2", NOW + timedelta(seconds=29)) == []
    assert claim(engine, "w2", NOW + timedelta(seconds=30)) == [message]


def test_mark_failed_backs_off_exponentially_with_jitter_up_to_a_cap(engine: Engine) -> None:
    [message] = queue(engine, "C1")
    now, waits = NOW, []
    for _ in range(9):
        assert claim(engine, "w1", now) == [message]
        failed(engine, message, now=now)
        due = outbox.as_utc(row(engine, message).next_attempt_at)
        waits.append((due - now).total_seconds())
        now = due

    ceilings = [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert all(c / 2 <= w <= c for w, c in zip(waits, ceilings, strict=True)), waits
    assert row(engine, message).attempts == 9


def test_a_row_is_given_up_after_the_maximum_age_or_a_permanent_error(engine: Engine) -> None:
    [old] = queue(engine, "C1", created=NOW - outbox.MAX_AGE)
    [dead_end] = queue(engine, "C2")
    claim(engine)

    assert failed(engine, old, error="still down") == "failed"
    assert failed(engine, dead_end, error="channel_not_found", permanent=True) == "failed"

    assert (row(engine, old).status, row(engine, old).last_error) == ("failed", "still down")
    assert row(engine, dead_end).status == "failed"
    assert claim(engine, "w2", NOW + timedelta(days=7)) == []


def test_a_given_up_row_does_not_block_its_address(engine: Engine) -> None:
    first, second = queue(engine, "C1", count=2)
    claim(engine)
    failed(engine, first, permanent=True)

    assert claim(engine, "w2") == [second]


def test_prune_deletes_only_rows_sent_before_the_cutoff(engine: Engine) -> None:
    old, recent, pending = queue(engine, "C1"), queue(engine, "C2"), queue(engine, "C3", due=NOW + timedelta(days=9))
    claim(engine)
    sent(engine, old[0], now=NOW)
    sent(engine, recent[0], now=NOW + timedelta(days=2))

    with write_session(engine) as session:
        assert outbox.prune(session=session, before=NOW + timedelta(days=1)) == 1

    with read_session(engine) as session:
        left = session.exec(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
    assert left == recent + pending


@pytest.mark.parametrize("moment", [
    datetime(2030, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=2))), datetime(2030, 3, 1, 9, 0),
])
def test_times_in_other_zones_or_naive_are_read_as_utc(engine: Engine, moment: datetime) -> None:
    [message] = queue(engine, "C1")

    assert claim(engine, now=moment - timedelta(seconds=1)) == []
    assert claim(engine, now=moment) == [message]


def test_add_queues_each_source_and_recipient_once_and_says_how_many_went_in(engine: Engine) -> None:
    from store.outbox import NewMessage

    first = NewMessage("change:1:announcement", "announcement", "slack", "C1", {"topic": "Payroll"})
    messages = [first, NewMessage("change:1:announcement", "announcement", "slack", "C2", {"topic": "Payroll"})]
    with write_session(engine) as session:
        assert outbox.add(session=session, messages=messages, now=NOW) == 2
    with write_session(engine) as session:  # a retried event, a second replica: nothing new
        assert outbox.add(session=session, messages=[first], now=NOW) == 0
    with read_session(engine) as session:
        keys = sorted(m.dedupe_key for m in session.exec(select(OutboxMessage)).all())
    assert keys == ["change:1:announcement:slack:C1", "change:1:announcement:slack:C2"]
