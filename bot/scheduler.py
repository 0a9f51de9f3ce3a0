"""The one APScheduler user: runs a table of plain jobs (bot.jobs.Job) on intervals, as of clock()."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import Job

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# The store says what is due, so a run skipped (or coalesced) after a pause loses
# nothing: the next run finds the same rows.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}


def start_scheduler(jobs: Sequence[Job], *, clock: Clock) -> BackgroundScheduler:
    """Start a background scheduler running each job of the table on its interval, as of clock();
    returns it. The table comes built (integrations/bootstrap.Wiring.jobs): this only times it."""
    # APScheduler logs every run at INFO: two lines a second of noise; errors still show.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=3)},
        job_defaults=JOB_DEFAULTS,
        timezone=timezone.utc,
    )
    started = datetime.now(timezone.utc)
    for job in jobs:
        scheduler.add_job(
            guarded(job.name, lambda job=job: job.run(clock())),
            IntervalTrigger(seconds=job.every.total_seconds(), timezone=timezone.utc),
            id=job.name, name=job.name, next_run_time=started,  # first run at once, not one interval in
        )
    scheduler.start()
    return scheduler


def guarded(name: str, work: Callable[[], Any]) -> Callable[[], None]:
    """Run a job, logging (never raising) its errors: the next run tries again."""

    def run() -> None:
        try:
            result = work()
        except Exception:
            _LOGGER.exception("job %s failed; it runs again at its next interval", name)
            return
        if result:
            _LOGGER.debug("job %s: %s", name, result)

    run.__name__ = f"pocbot_{name}"
    return run


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Stop starting jobs and wait for the running ones (a delivery in flight gets marked)."""
    if scheduler.running:
        scheduler.shutdown(wait=True)
