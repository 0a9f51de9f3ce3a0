"""The one wiring module: checked settings, the store, the bot, its notifiers and its job table,
for every entry point (`serve`, `tick`, `chat` and the CLI's other commands, the bench)."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.core import Bot, utc_now
from bot.delivery import Notifier
from bot.digest import check_config
from bot.jobs import Job, job_table, worker_id
from bot.nudges import NudgePolicy
from bot.settings import Settings, SettingsError, get_settings
from integrations.platforms import register_platforms
from integrations.teams.config import teams_problem
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
_checked: Settings | None = None  # the settings checked_settings() passed (get_settings() caches them)


class ConfigError(RuntimeError):
    """Settings that cannot work; the message names the variable and what is wrong (exit code 2)."""


class StoreNotReady(ConfigError):
    """The database cannot be opened, or its schema is behind the code and may not be upgraded here."""


def checked_settings() -> Settings:
    """The settings, checked once per process whoever asks first (the CLI's callback, for every
    command): every value, and the nudge and digest times they make. A bad one raises
    ConfigError naming its variable."""
    global _checked
    try:
        settings = get_settings()
        if settings is not _checked:
            settings.nudge_policy()
            check_config(settings.digest, settings.timezone)
    except (SettingsError, ValueError) as exc:
        raise ConfigError(str(exc)) from None
    _checked = settings
    return settings


def check_credentials(settings: Settings) -> None:
    """What `serve` needs on top: a Slack and a Teams that are either off or wholly set."""
    has_any = settings.slack_signing_secret or settings.slack_app_token
    if settings.slack_bot_token and not has_any:
        raise ConfigError("SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode) is.")
    if has_any and not settings.slack_bot_token:
        raise ConfigError("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not.")
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token (xapp-...), with connections:write.")
    problem = teams_problem(settings)
    if problem:
        raise ConfigError(problem)


@dataclass
class Wiring:
    """What `serve`, `tick` and `chat` run on, built once from checked settings: they take the
    engine, the bot, the notifiers and the job table from here and build none of them."""

    settings: Settings
    engine: Engine
    clock: Callable[[], datetime] = utc_now
    policy: NudgePolicy = field(init=False)
    bot: Bot = field(init=False)

    def __post_init__(self) -> None:
        self.policy = self.settings.nudge_policy()
        self.bot = make_bot(self.engine, self.settings, clock=self.clock, policy=self.policy)

    def notifiers(self, *, console: object | None = None) -> dict[str, Notifier]:
        return notifiers(self.settings, self.engine, console=console)

    def jobs(self, notifiers: Mapping[str, Notifier], *, worker: str, stop: threading.Event | None = None,
             deliver_all: bool = False) -> list[Job]:
        """The job table (bot.jobs.job_table) for these notifiers, under this process's worker name."""
        return job_table(engine=self.engine, notifiers=notifiers, worker=worker, policy=self.policy,
                         digest=self.settings.digest, language=self.settings.language, stop=stop,
                         deliver_all=deliver_all)

    def chat_delivery(self, console: object) -> Callable[[], Any]:
        """What `chat` runs after a change: the table's dispatch job, delivering what is due to
        console people in the terminal at once (rows for Slack and Teams wait for serve or tick)."""
        from integrations.console.notifier import ConsoleNotifier

        table = self.jobs({"console": ConsoleNotifier(console)}, worker=worker_id(), deliver_all=True)
        dispatch = next(job for job in table if job.name == "dispatch")
        return lambda: dispatch.run(self.clock())


def wire(settings: Settings | None = None, *, serving: bool = False) -> Wiring:
    """Open the store for these settings (checked ones, by default) and build the rest on it;
    `serve` asks for whole platform credentials too, before the store is touched."""
    settings = settings or checked_settings()
    if serving:
        check_credentials(settings)
    return Wiring(settings, open_store(settings))


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


def make_bot(engine: Engine, settings: Settings | None = None, *, clock: Callable[[], datetime] = utc_now,
             policy: NudgePolicy | None = None) -> Bot:
    settings = settings or get_settings()
    return Bot(
        engine, language=settings.language, clock=clock, admins=frozenset(settings.admin_emails),
        managers_manage_all=settings.managers_manage_all, nudge_policy=policy or settings.nudge_policy(),
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
