"""Wires settings, the store and the bot together for every entry point."""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.core import Bot
from bot.delivery import Notifier
from bot.settings import Settings, get_settings
from integrations.platforms import register_platforms
from store import migrate
from store import people
from store.db import make_engine, read_session
from store.models import Topic

_LOGGER = logging.getLogger(__name__)
DEMO_FILE = Path(__file__).parent / "files" / "demo" / "org.yaml"
DEMO_ADMIN = "grace@acme.test"  # the demo organisation's admin: who `pocbot chat` is in demo mode

# Every entry point (the CLI's commands, serve, tick, the bench) imports this module first, so the
# core knows the platforms it serves before it meets an address.
register_platforms()


class StoreNotReady(RuntimeError):
    """The database schema is behind the code and may not be upgraded automatically."""


def open_store(settings: Settings | None = None) -> Engine:
    """An engine on DATABASE_URL; SQLite is upgraded in place, others must be migrated."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    try:
        current = migrate.is_current(engine)
    except OperationalError as exc:
        raise StoreNotReady(unreachable(engine, exc)) from None
    if not current:
        if engine.dialect.name != "sqlite":
            raise StoreNotReady("The database schema is out of date: run `pocbot migrate` first.")
        migrate.upgrade(engine)
    return engine


def unreachable(engine: Engine, exc: OperationalError) -> str:
    """Which store could not be opened and why, in one or two lines (the password hidden)."""
    reason = str(exc.orig or exc).strip().splitlines()[0]
    where = engine.url.render_as_string(hide_password=True)
    return f"DATABASE_URL: cannot open the database at {where}: {reason}"


def make_engine_only(settings: Settings | None = None) -> Engine:
    return make_engine((settings or get_settings()).database_url)


def make_bot(engine: Engine, settings: Settings | None = None) -> Bot:
    settings = settings or get_settings()
    return Bot(
        engine, language=settings.language, admins=frozenset(settings.admin_emails),
        managers_manage_all=settings.managers_manage_all, nudge_policy=settings.nudge_policy(),
        semantic=settings.semantic, fallback_channel=settings.fallback_channel.strip().lstrip("#") or None,
    )


def store_is_empty(engine: Engine) -> bool:
    with read_session(engine) as session:
        return session.execute(select(Topic.id).limit(1)).first() is None


def person_name(engine: Engine, email: str) -> str | None:
    """The directory name of the person with that email, None when nobody has it."""
    with read_session(engine) as session:
        person = people.by_email(session=session, email=email)
        return person.name if person else None


def notifiers(settings: Settings, engine: Engine, *, console: object | None = None) -> dict[str, Notifier]:
    """One notifier per configured platform, for serve and tick alike (rows of the others wait in
    the outbox); the console's when a terminal is given."""
    from integrations.console.notifier import ConsoleNotifier
    from integrations.slack.notifier import SlackNotifier
    from integrations.teams.notifier import TeamsNotifier

    found: list[Notifier | None] = [SlackNotifier.from_settings(settings), TeamsNotifier.from_settings(settings, engine)]
    if console is not None:
        found.append(ConsoleNotifier(console))
    return {notifier.platform: notifier for notifier in found if notifier is not None}
