"""The one APScheduler user: runs the plain jobs of bot.jobs on intervals, as of clock()."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.jobs import job_table, worker_id
from bot.nudges import NudgePolicy
from bot.delivery import Notifier

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# The store says what is due, so a run skipped (or coalesced) after a pause loses
# nothing: the next run finds the same rows.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}


def start_scheduler(*, engine: Engine, notifiers: Mapping[str, Notifier], clock: Clock,
                    worker: str | None = None, policy: NudgePolicy = NudgePolicy(), digest: str = "off",
                    language: str = "en", stop: threading.Event | None = None) -> BackgroundScheduler:
    """Start a background scheduler with the dispatch, handover, nudge and prune jobs; returns it.

    Setting `stop` makes a dispatch run in progress hand back the rows it has not delivered.
    """
    worker = worker or worker_id()
    # APScheduler logs every run at INFO: two lines a second of noise; errors still show.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=3)},
        job_defaults=JOB_DEFAULTS,
        timezone=timezone.utc,
    )
    started = datetime.now(timezone.utc)
    for job in job_table(engine=engine, notifiers=notifiers, worker=worker, policy=policy, digest=digest,
                         language=language, stop=stop):
        scheduler.add_job(
            guarded(job.name, lambda job=job: job.run(clock())),
            IntervalTrigger(seconds=job.every.total_seconds(), timezone=timezone.utc),
            id=job.name, name=job.name, next_run_time=started,  # first run at once, not one interval in
        )
    scheduler.start()
    _LOGGER.info("scheduler started as %s for %s", worker, ", ".join(sorted(notifiers)) or "no platform")
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
