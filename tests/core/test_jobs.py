"""Dated handovers are announced once, when due, by whichever runner gets there first."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.events import PocChanged
from bot.jobs import run_due, run_handovers
from bot.reactions import REACTIONS
from store.db import read_session, write_session
from store.models import DirectoryChange, DirectoryState, OutboxMessage, Person, Topic
from bot.delivery import DeliveryError
from tests.fakes.notifier import RecordingNotifier
from tests.harness import race

WHEN = datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc)


def handover(engine: Engine, topic: str = "Payments", *, when: datetime = WHEN, cancelled: bool = False) -> int:
    """Alice hands `topic` (announced in #C0PAY) to Bob on `when`; returns the change id."""
    with write_session(engine) as session:
        people = {p.email: p for p in session.exec(select(Person)).all()}
        for email, slack_id in (("alice@acme.test", "U0ALICE"), ("bob@acme.test", "U0BOB")):
            if email not in people:
                people[email] = Person(email=email, name=email.split("@")[0].title(), slack_id=slack_id)
                session.add(people[email])
        row = Topic(name=topic, key=topic.lower(), channel="C0PAY")
        session.add(row)
        session.flush()
        change = DirectoryChange(
            topic_id=row.id, kind="primary", person_id=people["bob@acme.test"].id,
            previous_person_id=people["alice@acme.test"].id, effective_at=when, actor="alice@acme.test",
            reason="parental leave", created_at=when - timedelta(days=7),
            cancelled_at=when - timedelta(days=1) if cancelled else None,
        )
        session.add(change)
        session.flush()
        return change.id


def outbox_rows(engine: Engine) -> list[tuple[str, str, str]]:
    with read_session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [(r.platform, r.address, r.kind) for r in rows]


def version(engine: Engine) -> int:
    with read_session(engine) as session:
        state = session.get(DirectoryState, 1)
        return state.version if state else 0


def test_a_handover_is_not_announced_before_its_date(engine: Engine) -> None:
    handover(engine)

    assert run_handovers(engine=engine, now=WHEN - timedelta(seconds=1)) == 0
    assert outbox_rows(engine) == []


def test_a_due_handover_is_announced_once_to_its_channel_and_both_people(engine: Engine) -> None:
    change_id = handover(engine)

    assert run_handovers(engine=engine, now=WHEN + timedelta(seconds=5)) == 1
    assert run_handovers(engine=engine, now=WHEN + timedelta(hours=1)) == 0

    assert outbox_rows(engine) == [
        ("slack", "C0PAY", "announcement"), ("slack", "U0BOB", "dm_primary_new"), ("slack", "U0ALICE", "dm_primary_old"),
    ]
    with read_session(engine) as session:
        change = session.get(DirectoryChange, change_id)
        payload = session.exec(select(OutboxMessage.payload)).first()
    assert change.announced_at is not None
    assert payload["topic"] == "Payments" and payload["person"]["slack_id"] == "U0BOB"
    assert version(engine) == 1  # bumped once, by the run that announced


def test_two_runners_at_once_announce_a_handover_once(engine: Engine) -> None:
    handover(engine)
    counts = race(lambda: run_handovers(engine=engine, now=WHEN))

    assert sorted(counts) == [0, 0, 0, 1]
    assert len(outbox_rows(engine)) == 3


def test_a_cancelled_handover_is_never_announced(engine: Engine) -> None:
    handover(engine, cancelled=True)

    assert run_handovers(engine=engine, now=WHEN + timedelta(days=1)) == 0
    assert outbox_rows(engine) == [] and version(engine) == 0


def test_a_handover_that_cannot_be_announced_is_kept_for_later_and_holds_up_no_other(
    sqlite_engine: Engine,
) -> None:
    broken, fine = handover(sqlite_engine, "Payments"), handover(sqlite_engine, "Travel")
    def fails_on_broken(unit, event):  # type: ignore[no-untyped-def]
        if event.change_id == broken:
            raise RuntimeError("a bug")

    with REACTIONS.also(PocChanged, fails_on_broken):
        assert run_handovers(engine=sqlite_engine, now=WHEN) == 1
    with read_session(sqlite_engine) as session:
        assert session.get(DirectoryChange, broken).announced_at is None
        assert session.get(DirectoryChange, fine).announced_at is not None

    assert run_handovers(engine=sqlite_engine, now=WHEN + timedelta(seconds=15)) == 1
    assert len(outbox_rows(sqlite_engine)) == 6


def test_run_due_announces_then_delivers_in_the_same_run(sqlite_engine: Engine) -> None:
    handover(sqlite_engine)
    notifier = RecordingNotifier()

    result = run_due(engine=sqlite_engine, notifiers={"slack": notifier}, now=WHEN, worker="tick")

    assert (result.handovers, result.dispatch.sent) == (1, 3)
    assert sorted(address for _, address, _ in notifier.delivered) == ["C0PAY", "U0ALICE", "U0BOB"]
    again = run_due(engine=sqlite_engine, notifiers={"slack": notifier}, now=WHEN, worker="tick")
    assert (again.handovers, again.dispatch.claimed) == (0, 0)


def test_run_due_delivers_everything_due_to_one_address_in_order(sqlite_engine: Engine) -> None:
    handover(sqlite_engine, "Payments")
    handover(sqlite_engine, "Payroll")  # the same channel and people hear twice
    notifier = RecordingNotifier()

    result = run_due(engine=sqlite_engine, notifiers={"slack": notifier}, now=WHEN, worker="tick")

    assert (result.handovers, result.dispatch.sent, result.dispatch.claimed) == (2, 6, 6)
    by_address = {address: [i for i, a, _ in notifier.delivered if a == address] for _, address, _ in notifier.delivered}
    assert {address: len(ids) for address, ids in by_address.items()} == {"C0PAY": 2, "U0ALICE": 2, "U0BOB": 2}
    assert all(ids == sorted(ids) for ids in by_address.values())
    with read_session(sqlite_engine) as session:
        assert set(session.exec(select(OutboxMessage.status)).all()) == {"sent"}


def test_run_due_stops_at_a_head_that_keeps_failing_and_holds_back_only_its_address(sqlite_engine: Engine) -> None:
    handover(sqlite_engine, "Payments")
    handover(sqlite_engine, "Payroll")
    notifier = RecordingNotifier()
    notifier.fail(DeliveryError("boom"))  # the first head (C0PAY's first announcement)

    result = run_due(engine=sqlite_engine, notifiers={"slack": notifier}, now=WHEN, worker="tick")

    assert (result.dispatch.sent, result.dispatch.retrying) == (4, 1)
    assert "C0PAY" not in {address for _, address, _ in notifier.delivered}
