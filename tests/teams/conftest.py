"""The real aiohttp app (CloudAdapter, handler) on a loopback port, with a fake Teams connector."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.settings import Settings
from integrations.web import build_web_app
from integrations.tasks import Background
from integrations.teams.app import TeamsEndpoint
from store.db import read_session
from store.models import Person, TeamsReference, Topic
from tests.fakes import teams_activities as ta
from tests.fakes.loop import serve_app
from tests.fakes.teams_activities import TeamsSender, User
from tests.fakes.teams_connector import FakeConnector
from tests.harness import copy_engine, demo_template

# Known to the directory by Teams id from the start. Alice's came from an export of
# Entra ID: her AAD object id, which the roster turns into her Bot Framework id.
LINKED = {"quinn@acme.test": "29:1quinn", "bob@acme.test": "29:1bob", "grace@acme.test": "29:1grace",
          "alice@acme.test": "aad-alice-object-id"}
QUINN, BOB, GRACE = User("29:1quinn", "Quinn Adams"), User("29:1bob", "Bob Chen"), User("29:1grace", "Grace Lopez")
ALICE = User("29:1alice", "Alice Moreno", aad="aad-alice-object-id")
CAROL = User("29:1carol", "Carol Smith", aad="aad-carol")  # in the directory, not linked yet
DAN = User("29:1dan", "Dan Okafor", aad="aad-dan")  # the roster knows only his user principal name
ZED = User("29:1zed", "Zed Outsider", aad="aad-zed")  # not in the directory at all
ROSTER = {
    CAROL.id: {"id": CAROL.id, "name": CAROL.name, "aadObjectId": CAROL.aad, "email": "carol@acme.test",
               "userPrincipalName": "carol@acme.test", "tenantId": ta.TENANT, "userRole": "user"},
    DAN.id: {"id": DAN.id, "name": DAN.name, "aadObjectId": DAN.aad, "userPrincipalName": "dan@acme.test",
             "tenantId": ta.TENANT, "userRole": "user"},
    ZED.id: {"id": ZED.id, "name": ZED.name, "aadObjectId": ZED.aad, "email": "zed@elsewhere.test",
             "userPrincipalName": "zed@elsewhere.test", "tenantId": ta.TENANT, "userRole": "user"},
    ALICE.id: {"id": ALICE.id, "name": ALICE.name, "aadObjectId": ALICE.aad, "tenantId": ta.TENANT},
}


@pytest.fixture(scope="session")
def _teams_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo organisation, migrated and imported once; each test gets a copy."""
    linked = {email: {"teams_id": teams_id} for email, teams_id in LINKED.items()}
    return demo_template(tmp_path_factory.mktemp("teams-template") / "demo.db", linked, quiet=True)


@pytest.fixture
def teams_engine(_teams_store_template: Path, tmp_path: Path) -> Iterator[Engine]:
    yield from copy_engine(_teams_store_template, tmp_path)


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    fake = FakeConnector(roster=dict(ROSTER)).start()
    yield fake
    fake.stop()


def open_settings() -> Settings:
    """Teams without an app id: inbound auth off, as with the Bot Framework Emulator."""
    return Settings(MICROSOFT_APP_ID="", MICROSOFT_APP_PASSWORD="", POCBOT_TEAMS_WITHOUT_AUTH=True)


@dataclass
class RunningTeams:
    url: str
    bot: Bot
    sender: TeamsSender
    service_url: str

    def post(self, activity: dict, **kwargs) -> ta.Response:  # type: ignore[no-untyped-def]
        return self.sender.post(activity, **kwargs)


@contextmanager
def serving(bot: Bot, settings: Settings, engine: Engine) -> Iterator[str]:
    """The real aiohttp app with only Teams mounted, its loop in a thread; yields its base URL."""
    def build() -> web.Application:
        return build_web_app(bot, Background(), None, TeamsEndpoint(bot, settings, engine=engine).handle)

    with serve_app("pocbot-teams", build) as (_, url):
        yield url


@pytest.fixture
def teams(teams_engine: Engine, connector: FakeConnector) -> Iterator[RunningTeams]:
    bot = Bot(teams_engine)
    with serving(bot, open_settings(), teams_engine) as url:
        yield RunningTeams(url, bot, TeamsSender(url), connector.url)


def teams_id_of(engine: Engine, email: str) -> str | None:
    with read_session(engine) as session:
        return session.execute(select(Person.teams_id).where(Person.email == email)).scalar_one()


def topic_id(engine: Engine, name: str) -> int:
    with read_session(engine) as session:
        return session.execute(select(Topic.id).where(Topic.name == name)).scalar_one()


def references(engine: Engine) -> dict[str, TeamsReference]:
    with read_session(engine) as session:
        return {r.address: r for r in session.execute(select(TeamsReference)).scalars()}
