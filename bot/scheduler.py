"""The one APScheduler user: runs the plain jobs of bot.jobs on intervals, as of clock()."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.jobs import run_dispatch, run_handovers, run_prune, worker_id
from bot.digest import run_digests
from bot.nudges import NudgePolicy, run_nudges
from bot.notify import Notifier

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]
DISPATCH_EVERY = timedelta(seconds=1)
HANDOVERS_EVERY = timedelta(seconds=15)
PRUNE_EVERY = timedelta(hours=1)
NUDGES_EVERY = timedelta(minutes=1)
DIGESTS_EVERY = timedelta(minutes=15)  # a digest is due by the hour of each time zone  # nudges are due by the working hour, not the second
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
    jobs: dict[str, tuple[timedelta, Callable[[], Any]]] = {
        "dispatch": (DISPATCH_EVERY, lambda: run_dispatch(
            engine=engine, notifiers=notifiers, now=clock(), worker=worker, stop=stop)),
        "handovers": (HANDOVERS_EVERY, lambda: run_handovers(engine=engine, now=clock(), policy=policy)),
        "prune": (PRUNE_EVERY, lambda: run_prune(engine=engine, now=clock())),
        "nudges": (NUDGES_EVERY, lambda: run_nudges(engine=engine, now=clock(), defaults=policy)),
        "digests": (DIGESTS_EVERY, lambda: run_digests(
            engine=engine, now=clock(), when=digest, default_tz=policy.timezone or "UTC", lang=language)),
    }
    started = datetime.now(timezone.utc)
    for name, (every, work) in jobs.items():
        scheduler.add_job(
            guarded(name, work), IntervalTrigger(seconds=every.total_seconds(), timezone=timezone.utc),
            id=name, name=name, next_run_time=started,  # first run at once, not one interval in
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
