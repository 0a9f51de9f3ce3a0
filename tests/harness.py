"""Shared test harness: a settable clock, the demo organisation at fixed dates, and
migrated demo SQLite stores that tests copy."""
from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.services.directory_import import apply_import
from integrations.bootstrap import DEMO_FILE
from integrations.files.formats import load_directory_file
from store.db import make_engine, write_session
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


def demo_template(path: Path, ids: dict[str, dict[str, str]], quiet: bool = False) -> Path:
    """A SQLite store at path: migrated, the demo file imported (as `pocbot import` does),
    and the given columns set per email, e.g. {"quinn@acme.test": {"slack_id": "U0QUINN"}}.
    Build it once per session; each test gets a `copy_engine` of it."""
    from integrations.files.importing import import_file
    from store.migrate import upgrade

    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        import_file(engine, DEMO_FILE, actor="test", quiet=quiet)
        with write_session(engine) as session:
            for email, values in ids.items():
                session.execute(update(Person).where(Person.email == email).values(**values))
    finally:
        engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


def copy_engine(template: Path, tmp_path: Path) -> Iterator[Engine]:
    """An engine on this test's own copy of a `demo_template`; disposed when the test ends."""
    path = tmp_path / "pocbot.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


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
