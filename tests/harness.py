"""Shared test harness: a settable clock and the demo organisation at fixed dates."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.services.directory_import import apply_import
from integrations.bootstrap import DEMO_FILE
from integrations.files.formats import load_directory_file
from store.db import write_session
from store.models import Person

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
