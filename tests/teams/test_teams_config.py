"""Teams settings: half-set credentials are refused; with an app id every request must be signed."""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.settings import Settings
from integrations.bootstrap import ConfigError, check_credentials as check, notifiers
from integrations.teams.config import teams_enabled
from tests.fakes import teams_activities as ta
from tests.fakes.teams_activities import TeamsSender
from tests.fakes.teams_connector import FakeConnector
from tests.teams.conftest import BOB, references, serving


def settings(**values: str) -> Settings:
    base = {"MICROSOFT_APP_ID": "", "MICROSOFT_APP_PASSWORD": "", "MICROSOFT_APP_TENANT_ID": "",
            "MICROSOFT_APP_TYPE": "MultiTenant", "POCBOT_TEAMS_WITHOUT_AUTH": "false"}
    return Settings(**{**base, **values})


@pytest.mark.parametrize(("values", "says"), [
    ({"MICROSOFT_APP_ID": "app-1"}, "MICROSOFT_APP_PASSWORD is not"),
    ({"MICROSOFT_APP_PASSWORD": "secret-1"}, "MICROSOFT_APP_ID is not"),
    ({"MICROSOFT_APP_TENANT_ID": "tenant-1"}, "MICROSOFT_APP_ID is not"),
    ({"MICROSOFT_APP_ID": "app-1", "MICROSOFT_APP_PASSWORD": "secret-1", "MICROSOFT_APP_TYPE": "SingleTenant"},
     "MICROSOFT_APP_TENANT_ID is not set"),
    ({"MICROSOFT_APP_ID": "app-1", "MICROSOFT_APP_PASSWORD": "secret-1", "MICROSOFT_APP_TYPE": "UserAssignedMSI"},
     "MICROSOFT_APP_TYPE must be MultiTenant or SingleTenant"),
    ({"MICROSOFT_APP_ID": "app-1", "MICROSOFT_APP_PASSWORD": "secret-1", "POCBOT_TEAMS_WITHOUT_AUTH": "true"},
     "POCBOT_TEAMS_WITHOUT_AUTH"),
])
def test_half_set_teams_credentials_stop_serve_and_say_what_is_missing(values: dict, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        check(settings(**values))


@pytest.mark.parametrize("values", [
    {},
    {"POCBOT_TEAMS_WITHOUT_AUTH": "true"},
    {"MICROSOFT_APP_ID": "app-1", "MICROSOFT_APP_PASSWORD": "secret-1"},
    {"MICROSOFT_APP_ID": "app-1", "MICROSOFT_APP_PASSWORD": "secret-1", "MICROSOFT_APP_TYPE": "singletenant",
     "MICROSOFT_APP_TENANT_ID": "tenant-1"},
])
def test_complete_teams_settings_pass(values: dict) -> None:
    check(settings(**values))


def test_teams_is_on_with_an_app_id_or_explicitly_without_auth_and_off_otherwise() -> None:
    assert not teams_enabled(settings())
    assert teams_enabled(settings(POCBOT_TEAMS_WITHOUT_AUTH="true"))
    assert teams_enabled(settings(MICROSOFT_APP_ID="app-1", MICROSOFT_APP_PASSWORD="secret-1"))


def test_serve_and_tick_deliver_to_teams_only_when_it_is_on(sqlite_engine: Engine) -> None:
    assert "teams" not in notifiers(settings(), sqlite_engine)
    assert "teams" in notifiers(settings(POCBOT_TEAMS_WITHOUT_AUTH="true"), sqlite_engine)


def test_the_app_password_is_kept_out_of_logs() -> None:
    assert "secret-password-1" in settings(MICROSOFT_APP_PASSWORD="secret-password-1").secrets()


# --- with auth on ------------------------------------------------------------------

@pytest.fixture
def secured(teams_engine: Engine, connector: FakeConnector) -> Iterator[TeamsSender]:
    config = settings(MICROSOFT_APP_ID="pocbot-app-id", MICROSOFT_APP_PASSWORD="secret-password-1")
    with serving(Bot(teams_engine), config, teams_engine) as url:
        yield TeamsSender(url)


def _token(claims: dict) -> str:
    """A JWT-shaped token nobody signed (its issuer is not one the Bot Framework uses)."""
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize("authorization", [
    None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz",
    "Bearer " + _token({"iss": "https://attacker.example", "aud": "pocbot-app-id", "serviceurl": "x"}),
])
def test_with_an_app_id_a_request_without_a_valid_token_is_a_401_and_nothing_is_kept_or_sent(
    secured: TeamsSender, connector: FakeConnector, teams_engine: Engine, authorization: str | None,
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = secured.post(ta.message(ta.personal(BOB, connector.url), "payroll"), headers=headers)

    assert response.status == 401
    assert connector.calls() == []
    assert references(teams_engine) == {}
