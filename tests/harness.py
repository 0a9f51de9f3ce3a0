"""Shared test harness: a settable clock and the demo organisation at fixed dates."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.services.directory_import import apply_import
from integrations.bootstrap import DEMO_FILE
from integrations.files.formats import load_directory_file
from store.db import write_session
from store.models import Person

T = TypeVar("T")
IMPORTED_AT = datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2030, 3, 4, 10, 0, tzinfo=timezone.utc)  # a Monday
# Platform ids the demo file leaves out: some people write from Slack, one from Teams.
PLATFORM_IDS = {
    "grace@acme.test": {"slack_id": "U0GRACE"},
    "carol@acme.test": {"slack_id": "U0CAROL"},
    "bob@acme.test": {"teams_id": "29:1bob"},
}


class Clock:
    """A clock a test moves by hand: time is an input."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def load_demo(engine: Engine) -> Engine:
    """The demo organisation, imported at IMPORTED_AT, with PLATFORM_IDS set."""
    apply_import(engine, load_directory_file(DEMO_FILE), actor="import", now=IMPORTED_AT)
    with write_session(engine) as session:
        for email, values in PLATFORM_IDS.items():
            session.execute(update(Person).where(Person.email == email).values(**values))
    return engine


def race(work: Callable[[], T], threads: int = 4, timeout: float = 60) -> list[T]:
    """Run `work` in several threads released at the same instant; their results, in no
    order. The first error any thread raised is raised here."""
    barrier, results, errors = threading.Barrier(threads), [], []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 (raised below, in the test's thread)
            errors.append(exc)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results
