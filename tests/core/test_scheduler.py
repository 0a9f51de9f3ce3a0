"""The scheduler only calls the plain jobs, as of its clock, one run of each at a time."""
from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy.engine import Engine

from bot.scheduler import guarded, start_scheduler, stop_scheduler
from tests.core.test_jobs import WHEN, handover
from tests.fakes.notifier import RecordingNotifier


def wait_until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Poll background work (the scheduler's threads); not a stand-in for the clock."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the scheduler did not get there in time"
        time.sleep(0.02)


def test_the_scheduler_announces_a_due_handover_and_delivers_it_as_of_its_clock(sqlite_engine: Engine) -> None:
    handover(sqlite_engine)
    notifier = RecordingNotifier()

    scheduler = start_scheduler(engine=sqlite_engine, notifiers={"slack": notifier}, clock=lambda: WHEN, worker="test")
    try:
        wait_until(lambda: len(notifier.ids) == 3)
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        stop_scheduler(scheduler)

    assert set(jobs) == {"dispatch", "handovers", "prune", "nudges", "digests"}
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 30)
    assert jobs["dispatch"].trigger.interval.total_seconds() == 1
    assert jobs["handovers"].trigger.interval.total_seconds() == 15
    assert sorted(address for _, address, _ in notifier.delivered) == ["C0PAY", "U0ALICE", "U0BOB"]
    assert not scheduler.running


def test_a_failing_job_is_logged_and_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("the store is down")

    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        guarded("dispatch", broken)()

    assert "job dispatch failed" in caplog.text and "the store is down" in caplog.text


def test_serve_and_tick_run_the_one_job_table(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A job added to bot.jobs.job_table runs in `pocbot serve` (scheduled) and `pocbot tick` (once)."""
    import bot.jobs
    from bot.jobs import run_due

    ran: list[str] = []
    real = bot.jobs.job_table

    def with_probe(**kw):  # type: ignore[no-untyped-def]
        return [*real(**kw), bot.jobs.Job("probe", bot.jobs.PRUNE_EVERY, lambda now: ran.append(now.isoformat()))]

    monkeypatch.setattr(bot.jobs, "job_table", with_probe)
    monkeypatch.setattr("bot.scheduler.job_table", with_probe)
    run_due(engine=sqlite_engine, notifiers={}, now=WHEN, worker="tick")
    scheduler = start_scheduler(engine=sqlite_engine, notifiers={}, clock=lambda: WHEN, worker="serve")
    try:
        wait_until(lambda: len(ran) == 2)
        names = {job.id for job in scheduler.get_jobs()}
    finally:
        stop_scheduler(scheduler)

    assert ran == [WHEN.isoformat()] * 2 and names == {"dispatch", "handovers", "prune", "nudges", "digests", "probe"}
