"""The inquiry store claims due rows once, through its partial index, on SQLite and PostgreSQL."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import select

from store import inquiries, outbox
from store.db import read_session, write_session
from store.inquiries import Step
from store.outbox import NewMessage
from store.models import Inquiry, OutboxMessage, Person, Topic
from tests.harness import race

NOW = datetime(2030, 3, 4, 12, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def setup(engine: Engine) -> tuple[int, int]:
    with write_session(engine) as session:
        person, topic = Person(email="dan@acme.test", name="Dan"), Topic(name="Laptops", key="laptops")
        session.add_all([person, topic])
        session.flush()
        return topic.id, person.id


def add(engine: Engine, ids: tuple[int, int], due: datetime | None, **fields) -> int:
    topic_id, person_id = ids
    with write_session(engine) as session:
        row = Inquiry(topic_id=topic_id, assignee_person_id=person_id, asker_platform="slack",
                      asker_user_id="U0ANA", question="why?", next_nudge_at=due, created_at=NOW - 9 * MINUTE,
                      **fields)
        return inquiries.add(session=session, inquiry=row).id


def claim(engine: Engine, now: datetime = NOW, limit: int = 100) -> list[int]:
    with write_session(engine) as session:
        return [row.id for row in inquiries.claim_due(session=session, now=now, limit=limit)]


def stored(engine: Engine, inquiry_id: int) -> Inquiry:
    with read_session(engine) as session:
        return session.get(Inquiry, inquiry_id)


def test_a_claim_takes_due_waiting_rows_oldest_due_first_and_clears_their_due_time(engine: Engine) -> None:
    ids = setup(engine)
    later, earlier = add(engine, ids, NOW - MINUTE), add(engine, ids, NOW - 5 * MINUTE)
    acknowledged = add(engine, ids, NOW, status="acknowledged")
    add(engine, ids, NOW + MINUTE)  # not yet due
    add(engine, ids, None)  # nothing more to do
    add(engine, ids, NOW - MINUTE, status="answered")
    add(engine, ids, NOW - MINUTE, snoozed_until=NOW + MINUTE)

    with write_session(engine) as session:
        claimed = inquiries.claim_due(session=session, now=NOW, limit=2)
    assert [r.id for r in claimed] == sorted([earlier, later])
    assert claimed[0].question == "why?" and claimed[0].created_at == NOW - 9 * MINUTE
    assert stored(engine, earlier).next_nudge_at is None
    assert claim(engine) == [acknowledged]
    assert claim(engine) == []


def test_reschedule_stores_each_rows_next_time_and_counters(engine: Engine) -> None:
    ids = setup(engine)
    first, second = add(engine, ids, NOW), add(engine, ids, NOW)
    claim(engine)
    local = timezone(timedelta(hours=9))
    with write_session(engine) as session:
        inquiries.reschedule(session=session, steps=[
            Step(first, datetime(2030, 3, 5, 9, 0, tzinfo=local), 1, 0), Step(second, None, 2, 2)])

    assert stored(engine, first).next_nudge_at == datetime(2030, 3, 5, 0, 0, tzinfo=timezone.utc)
    assert (stored(engine, first).nudges_sent, stored(engine, second).escalation_level) == (1, 2)
    assert stored(engine, second).next_nudge_at is None
    assert claim(engine, datetime(2030, 3, 5, 0, 0, tzinfo=timezone.utc)) == [first]


def test_an_outbox_row_already_written_for_a_step_is_not_written_again(engine: Engine) -> None:
    message = NewMessage("nudge:1:1:0:inquiry_nudge", "inquiry_nudge", "slack", "U0DAN", {"inquiry_id": 1})
    for _ in range(2):
        with write_session(engine) as session:
            outbox.add_many(session=session, messages=[message, replace(message, address="U0EVE")], now=NOW)
    with read_session(engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert sorted(r.address for r in rows) == ["U0DAN", "U0EVE"]
    assert rows[0].payload == {"inquiry_id": 1} and rows[0].next_attempt_at == NOW and rows[0].status == "pending"


def test_settling_stops_the_nudges_and_records_when(engine: Engine) -> None:
    ids = setup(engine)
    answered, resolved = add(engine, ids, NOW), add(engine, ids, NOW)
    with write_session(engine) as session:
        assert inquiries.settle(session=session, inquiry_id=answered, status="answered", now=NOW)
        assert inquiries.settle(session=session, inquiry_id=resolved, status="resolved", now=NOW)
        with pytest.raises(ValueError):
            inquiries.settle(session=session, inquiry_id=resolved, status="open", now=NOW)

    assert (stored(engine, answered).status, stored(engine, answered).answered_at) == ("answered", NOW)
    assert stored(engine, resolved).resolved_at == NOW and stored(engine, resolved).next_nudge_at is None
    assert claim(engine, NOW + timedelta(days=30)) == []


def test_only_a_waiting_inquiry_can_be_snoozed(engine: Engine) -> None:
    ids = setup(engine)
    waiting, answered = add(engine, ids, NOW), add(engine, ids, NOW, status="answered")
    with write_session(engine) as session:
        assert inquiries.snooze(session=session, inquiry_id=waiting, until=NOW + MINUTE, next_nudge_at=NOW + MINUTE)
        assert not inquiries.snooze(session=session, inquiry_id=answered, until=NOW + MINUTE, next_nudge_at=NOW)

    assert claim(engine) == [] and claim(engine, NOW + MINUTE) == [waiting]


def test_racing_claimers_take_disjoint_rows(engine: Engine) -> None:
    ids = setup(engine)
    with write_session(engine) as session:
        session.add_all(Inquiry(topic_id=ids[0], assignee_person_id=ids[1], asker_platform="slack",
                                asker_user_id="U0ANA", question=f"q{n}", next_nudge_at=NOW - n * MINUTE)
                        for n in range(200))
    def work() -> list[int]:
        taken = []
        while batch := claim(engine, limit=9):
            assert len(batch) <= 9  # LIMIT holds even while other claimers take rows
            taken.extend(batch)
        return taken

    claimed = [row for taken in race(work) for row in taken]
    assert len(claimed) == len(set(claimed)) == 200


def test_the_claim_reads_the_partial_due_index_on_sqlite(sqlite_engine: Engine) -> None:
    # The claim's literal status list must match the index's own, or SQLite scans the table.
    seen: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("WITH due"):
            seen.append((statement, parameters))

    event.listen(sqlite_engine, "before_cursor_execute", record)
    try:
        claim(sqlite_engine)
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", record)
    [(statement, parameters)] = seen
    with sqlite_engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    details = " | ".join(str(row[-1]) for row in plan)
    assert "USING INDEX ix_inquiry_due" in details, details
    assert "TEMP B-TREE" not in details, details  # the index also gives the due order


def test_the_due_index_is_partial_on_both_backends(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_inquiry_due'")).scalar()
        else:
            found = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_inquiry_due'")).scalar()
    assert "WHERE" in found and "acknowledged" in found


def test_the_bulk_writes_store_values_exactly_as_sqlalchemy_does(engine: Engine) -> None:
    # The sweep's executemany bypasses per-row statement processing; what it stores must not differ.
    ids = setup(engine)
    due = datetime(2030, 3, 5, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=9)))
    by_orm, by_sweep = add(engine, ids, due), add(engine, ids, NOW)
    payload = {"question": "¿Quién? \"quoted\" <b>", "n": [1, None, True]}
    with write_session(engine) as session:
        inquiries.reschedule(session=session, steps=[Step(by_sweep, due, 1, 0)])
        session.add(OutboxMessage(dedupe_key="orm", platform="slack", address="U1", kind="k", payload=payload,
                                  next_attempt_at=NOW, created_at=NOW))
        outbox.add_many(session=session, now=NOW, messages=[NewMessage("sweep", "k", "slack", "U1", payload)])
    cast = "::text" if engine.dialect.name == "postgresql" else ""
    with engine.connect() as conn:
        times = dict(conn.execute(text(f"SELECT id, next_nudge_at{cast} FROM inquiry")).all())
        stored = dict(conn.execute(text(f"SELECT dedupe_key, payload{cast} || ' ' || created_at{cast} FROM outbox")).all())
    assert times[by_sweep] == times[by_orm]
    assert stored["sweep:slack:U1"] == stored["orm"]
