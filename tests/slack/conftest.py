"""The real aiohttp app (bolt, listeners, client) on a loopback port, against a fake Slack API."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.settings import Settings
from integrations import redact
from integrations.web import build_web_app
from integrations.slack.app import build_app
from integrations.slack.client import make_client
from integrations.tasks import Background
from store.db import read_session
from store.models import Person
from tests.fakes.loop import LoopThread, serve_app
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import SlackSender
from tests.harness import copy_engine, demo_template

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
    linked = {email: {"slack_id": slack_id} for email, slack_id in LINKED.items()}
    return demo_template(tmp_path_factory.mktemp("slack-template") / "demo.db", linked)


@pytest.fixture
def slack_engine(_slack_store_template: Path, tmp_path: Path) -> Iterator[Engine]:
    yield from copy_engine(_slack_store_template, tmp_path)


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

    def drain(self, timeout: float = 15.0, *, flush: bool = True) -> None:
        self.loop.run(self.background.drain(), timeout=timeout)
        if flush:
            self.bot.flush()  # the server writes the question log each second; tests do not wait


def serving(bot: Bot, background: Background, settings: Settings, name: str
            ) -> AbstractContextManager[tuple[LoopThread, str]]:
    """The real aiohttp app on a loopback port, its loop in a thread; yields (loop, base URL)."""
    def build() -> web.Application:
        client = make_client(settings.slack_bot_token, settings.slack_api_url)
        return build_web_app(bot, background, build_app(bot, settings, background, client=client))

    return serve_app(name, build)


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
