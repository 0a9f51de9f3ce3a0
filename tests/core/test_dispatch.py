"""The dispatcher delivers each outbox row exactly once, through retries, crashes and races."""
from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.jobs import DispatchResult, run_dispatch
from bot.delivery import DeliveryError
from store import outbox
from store.db import read_session, write_session
from store.models import OutboxMessage
from tests.fakes.notifier import RecordingNotifier
from tests.store.test_outbox import NOW, lapse, queue, row


def dispatch(engine: Engine, notifier: RecordingNotifier, now: datetime = NOW, worker: str = "w1", **kw) -> DispatchResult:
    return run_dispatch(engine=engine, notifiers={notifier.platform: notifier}, now=now, worker=worker, **kw)


def test_one_run_sends_one_row_per_address_so_a_busy_channel_holds_up_no_other(sqlite_engine: Engine) -> None:
    busy = queue(sqlite_engine, "CBUSY", count=5)
    others = [queue(sqlite_engine, f"C{n}")[0] for n in range(3)]
    notifier = RecordingNotifier()

    result = dispatch(sqlite_engine, notifier)

    assert result == DispatchResult(claimed=4, sent=4)
    assert sorted(notifier.ids) == sorted([busy[0], *others])
    for n in range(1, 5):
        dispatch(sqlite_engine, notifier, NOW + timedelta(seconds=n))
    assert [i for i, address, _ in notifier.delivered if address == "CBUSY"] == busy


def test_a_failed_delivery_is_retried_after_retry_after_and_sent_once(engine: Engine) -> None:
    [message] = queue(engine, "C1")
    notifier = RecordingNotifier()
    notifier.fail(DeliveryError("rate limited", retry_after=30))

    assert dispatch(engine, notifier) == DispatchResult(claimed=1, retrying=1)
    assert dispatch(engine, notifier, NOW + timedelta(seconds=29)).claimed == 0
    assert dispatch(engine, notifier, NOW + timedelta(seconds=30)) == DispatchResult(claimed=1, sent=1)
    assert dispatch(engine, notifier, NOW + timedelta(hours=1)).claimed == 0
    assert notifier.ids == [message]


def test_a_permanent_error_gives_the_row_up_at_once(sqlite_engine: Engine) -> None:
    [message] = queue(sqlite_engine, "CGONE")
    notifier = RecordingNotifier()
    notifier.fail(DeliveryError("channel_not_found", permanent=True))

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, failed=1)
    assert (row(sqlite_engine, message).status, row(sqlite_engine, message).last_error) == ("failed", "channel_not_found")
    assert dispatch(sqlite_engine, notifier, NOW + timedelta(days=1)).claimed == 0


def test_a_notifier_that_crashes_gets_the_row_retried_and_the_others_still_go(sqlite_engine: Engine) -> None:
    first, second = queue(sqlite_engine, "C1") + queue(sqlite_engine, "C2")
    notifier = RecordingNotifier()
    notifier.fail(KeyError("payload"))

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=2, sent=1, retrying=1)
    assert notifier.ids == [second]
    assert row(sqlite_engine, first).last_error == "KeyError: 'payload'"


def test_a_row_claimed_by_a_process_that_died_is_delivered_by_another_after_the_lease(engine: Engine) -> None:
    [message] = queue(engine, "C1")
    with write_session(engine) as session:  # claimed, then the process died before delivering
        outbox.claim_due(session=session, now=NOW, worker="dead", lease=timedelta(seconds=60), platforms=["slack"], limit=10)
    notifier = RecordingNotifier()

    assert dispatch(engine, notifier, NOW + timedelta(days=1), worker="alive").claimed == 0  # still leased
    lapse(engine, message)
    assert dispatch(engine, notifier, worker="alive").sent == 1
    assert notifier.ids == [message]


def test_rows_for_a_platform_without_a_notifier_wait_for_one(sqlite_engine: Engine) -> None:
    [teams] = queue(sqlite_engine, "19:room@thread.tacv2", platform="teams")

    assert dispatch(sqlite_engine, RecordingNotifier()).claimed == 0
    assert run_dispatch(engine=sqlite_engine, notifiers={}, now=NOW, worker="w1") == DispatchResult()
    assert row(sqlite_engine, teams).status == "pending"


def test_a_run_out_of_time_hands_its_remaining_rows_back(sqlite_engine: Engine) -> None:
    ids = [queue(sqlite_engine, f"C{n}")[0] for n in range(3)]
    notifier = RecordingNotifier()

    result = dispatch(sqlite_engine, notifier, lease=timedelta(0))  # no time to deliver anything

    assert result == DispatchResult(claimed=3, released=3)
    assert dispatch(sqlite_engine, notifier, worker="w2").sent == 3
    assert sorted(notifier.ids) == ids


def test_four_dispatchers_racing_over_200_rows_deliver_each_exactly_once_in_order(engine: Engine) -> None:
    addresses = [f"C{n:02d}" for n in range(20)]
    expected = [i for n in range(10) for address in addresses for i in queue(engine, address)]
    notifier = RecordingNotifier()
    barrier, errors = threading.Barrier(4), []

    def work(worker: str) -> None:
        try:
            barrier.wait()
            for _ in range(200):
                if len(notifier.ids) >= len(expected):
                    return
                dispatch(engine, notifier, worker=worker, limit=7)
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(notifier.ids) == sorted(expected)  # every row once, none twice
    by_address: dict[str, list[int]] = defaultdict(list)
    for message_id, address, _ in notifier.delivered:
        by_address[address].append(message_id)
    assert all(ids == sorted(ids) for ids in by_address.values())
    assert len({worker for *_, worker in notifier.delivered}) > 1
    with read_session(engine) as session:
        statuses = session.exec(select(OutboxMessage.status)).all()
    assert set(statuses) == {"sent"}


def test_failing_to_tell_who_can_fix_a_channel_does_not_undo_giving_the_row_up(engine: Engine, monkeypatch) -> None:
    import bot.jobs

    def broken(**_):
        raise RuntimeError("two people answer to one email")

    monkeypatch.setattr(bot.jobs, "tell_unreachable", broken)
    [message] = queue(engine, "CPRIVATE")
    notifier = RecordingNotifier()
    notifier.fail(DeliveryError("not_in_channel", permanent=True, not_member=True))

    assert dispatch(engine, notifier) == DispatchResult(claimed=1, failed=1)
    assert row(engine, message).status == "failed"
    assert dispatch(engine, notifier, NOW + timedelta(days=1)).claimed == 0


def test_a_store_blip_while_checking_a_row_leaves_it_for_later_and_the_others_still_go(
        sqlite_engine: Engine, monkeypatch) -> None:
    import bot.jobs

    real, calls = bot.jobs.refresh, []

    def flaky(session, message):
        calls.append(message.id)
        if len(calls) == 1:
            raise OSError("connection reset")
        return real(session, message)

    monkeypatch.setattr(bot.jobs, "refresh", flaky)
    first, second = queue(sqlite_engine, "C1") + queue(sqlite_engine, "C2")
    notifier = RecordingNotifier()

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=2, sent=1, retrying=1)
    assert notifier.ids == [second]
    lapse(sqlite_engine, first)
    assert dispatch(sqlite_engine, notifier, NOW + timedelta(minutes=2)).sent == 1 and notifier.ids == [second, first]
