"""The scheduler only calls the plain jobs, as of its clock, one run of each at a time."""
from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy.engine import Engine

from bot.jobs import job_table
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

    table = job_table(engine=sqlite_engine, notifiers={"slack": notifier}, worker="test")
    scheduler = start_scheduler(table, clock=lambda: WHEN)
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


def test_the_scheduler_runs_the_table_it_is_given(sqlite_engine: Engine) -> None:
    """Serve's jobs are the wiring's job table: a job added to it runs on its interval."""
    import bot.jobs

    ran: list[str] = []
    table = [*job_table(engine=sqlite_engine, notifiers={}, worker="serve"),
             bot.jobs.Job("probe", bot.jobs.PRUNE_EVERY, lambda now: ran.append(now.isoformat()))]
    scheduler = start_scheduler(table, clock=lambda: WHEN)
    try:
        wait_until(lambda: len(ran) == 1)
        names = {job.id for job in scheduler.get_jobs()}
    finally:
        stop_scheduler(scheduler)

    assert ran == [WHEN.isoformat()] and names == {"dispatch", "handovers", "prune", "nudges", "digests", "probe"}
