"""The real aiohttp app (bolt, listeners, client) on a loopback port, against a fake Slack API."""
from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.settings import Settings
from integrations import redact
from integrations.server import build_web_app
from integrations.slack.app import build_app
from integrations.slack.client import make_client
from integrations.tasks import Background
from store.db import make_engine, read_session, write_session
from store.migrate import upgrade
from store.models import Person
from tests.fakes.loop import LoopThread
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import SlackSender

BOT_TOKEN = "xoxb-test-1234567890-0987654321-SeCrEtBoTtOkEn42"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# Known to the directory by Slack id from the start (they show as real mentions).
LINKED = {"quinn@acme.test": "U0QUINN", "alice@acme.test": "U0ALICE"}
# What users.info says: Carol is in the directory but not linked yet; Zed is not in it.
SLACK_EMAILS = {
    "U0QUINN": "quinn@acme.test", "U0ALICE": "alice@acme.test",
    "U0CAROL": "carol@acme.test", "U0ZED": "zed@elsewhere.test",
}


@pytest.fixture(scope="session")
def _slack_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo organisation, migrated and imported once; each test gets a copy."""
    from integrations.bootstrap import DEMO_FILE
    from integrations.files.importing import import_file

    path = tmp_path_factory.mktemp("slack-template") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        import_file(engine, DEMO_FILE, actor="test")
        with write_session(engine) as session:
            for email, slack_id in LINKED.items():
                session.execute(update(Person).where(Person.email == email).values(slack_id=slack_id))
    finally:
        engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def slack_engine(_slack_store_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "pocbot.db"
    shutil.copy(_slack_store_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackApi]:
    fake = FakeSlackApi(token=BOT_TOKEN, emails=dict(SLACK_EMAILS)).start()
    yield fake
    fake.stop()


@pytest.fixture
def slack_settings(fake_slack: FakeSlackApi) -> Settings:
    return Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.url)


@dataclass
class RunningApp:
    """The served app; `drain` waits for the work it does after answering Slack."""

    url: str
    bot: Bot
    background: Background
    loop: LoopThread

    def drain(self, timeout: float = 15.0) -> None:
        self.loop.run(self.background.drain(), timeout=timeout)
        self.bot.flush()  # the server writes the question log each second; tests do not wait


@contextmanager
def serving(bot: Bot, background: Background, settings: Settings, name: str) -> Iterator[tuple[LoopThread, str]]:
    """The real aiohttp app on a loopback port, its loop in a thread; yields (loop, base URL)."""
    loop = LoopThread(name).start()
    runner: web.AppRunner | None = None

    async def start() -> web.AppRunner:
        # Built inside the loop, as `serve` does: bolt and aiohttp bind to the running loop.
        client = make_client(settings.slack_bot_token, settings.slack_api_url)
        slack = build_app(bot, settings, background, client=client)
        started = web.AppRunner(build_web_app(bot, background, slack), access_log=None)
        await started.setup()
        await web.TCPSite(started, "127.0.0.1", 0).start()
        return started

    try:
        runner = loop.run(start())
        host, port = runner.addresses[0][:2]
        yield loop, f"http://{host}:{port}"
    finally:
        if runner is not None:
            loop.run(runner.cleanup(), timeout=20)  # on_shutdown drains the background work
        loop.stop()


@pytest.fixture
def slack_app(slack_engine: Engine, slack_settings: Settings, fake_slack: FakeSlackApi) -> Iterator[RunningApp]:
    bot, background = Bot(slack_engine), Background()
    with serving(bot, background, slack_settings, "pocbot-app") as (loop, url):
        yield RunningApp(url, bot, background, loop)


@pytest.fixture
def slack(slack_app: RunningApp, fake_slack: FakeSlackApi) -> SlackSender:
    return SlackSender(slack_app.url, SIGNING_SECRET, fake_slack.response_url("T0ACME/1/abc"))


@pytest.fixture
def redacting_logs(caplog: pytest.LogCaptureFixture, slack_settings: Settings) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG into caplog, with redaction installed as `serve.run` does."""
    caplog.set_level(logging.DEBUG)
    undo = redact.install(slack_settings.secrets())
    yield caplog
    undo()


def slack_id_of(engine: Engine, email: str) -> str | None:
    with read_session(engine) as session:
        return session.execute(select(Person.slack_id).where(Person.email == email)).scalar_one()
