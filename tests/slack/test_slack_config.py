"""A Slack set up wrong, or a Slack API that fails, as seen through signed HTTP requests."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.settings import Settings
from integrations.slack.client import make_client
from integrations.slack.identity import SlackIdentity
from integrations.tasks import Background
from tests.conftest import _free_port
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi, Failure
from tests.fakes.slack_requests import SlackSender
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, RunningApp, serving

SLACK_ACK_SECONDS = 3.0
DEAD_API = f"http://127.0.0.1:{_free_port()}/api/"  # nothing listens there


def signature_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "SLACK_SIGNING_SECRET" in r.getMessage()]


def test_a_wrong_signing_secret_is_logged_once_saying_what_to_check(
        slack_app: RunningApp, fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    wrong = SlackSender(slack_app.url, "not-the-signing-secret", fake_slack.response_url())

    statuses = [wrong.command("payroll").status for _ in range(3)]

    assert statuses == [401, 401, 401]
    warned = signature_warnings(caplog)
    assert len(warned) == 1  # rate-limited: not one line per request
    assert "Signing Secret" in warned[0] and "clock" in warned[0]
    assert SIGNING_SECRET not in caplog.text


@pytest.fixture
def dead_api_app(slack_engine: Engine) -> Iterator[SlackSender]:
    settings = Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=DEAD_API)
    with serving(Bot(slack_engine), Background(), settings, "pocbot-dead-api") as (_, url):
        yield SlackSender(url, SIGNING_SECRET, DEAD_API.replace("/api/", "/response/1"))


def test_an_unreachable_slack_api_still_gets_poc_answered_in_the_ack(dead_api_app: SlackSender) -> None:
    for _ in range(2):
        answer = dead_api_app.command("payroll")

        assert answer.status == 200
        assert "*Payroll*" in answer.json()["text"] + str(answer.json().get("blocks"))
        assert answer.seconds < SLACK_ACK_SECONDS - 0.3  # the client's retries alone take 3.5 s


def test_slack_answering_5xx_does_not_hold_up_the_ack(slack: SlackSender, fake_slack: FakeSlackApi) -> None:
    fake_slack.fail("auth.test", *[Failure(503, "service_unavailable")] * 20)
    fake_slack.fail("users.info", *[Failure(503, "service_unavailable")] * 20)

    lookup = slack.command("payroll")
    command = slack.command("mine", user="U0CAROL")  # a command looks the person up first (users.info)

    assert lookup.status == 200 and "Payroll" in lookup.json()["text"]
    assert lookup.seconds < SLACK_ACK_SECONDS - 0.3  # the client's retries alone take 3.5 s
    assert command.status == 200 and command.seconds < SLACK_ACK_SECONDS - 0.3


def test_the_start_check_names_an_unreachable_slack_api(caplog: pytest.LogCaptureFixture) -> None:
    problem = asyncio.run(SlackIdentity(make_client(BOT_TOKEN, DEAD_API)).check())

    assert problem and "SLACK_API_URL" in problem and DEAD_API in problem
    assert "/poc answers still work" in caplog.text


def test_the_start_check_passes_and_remembers_the_bot_on_a_working_slack(fake_slack: FakeSlackApi) -> None:
    identity = SlackIdentity(make_client(BOT_TOKEN, fake_slack.url))

    assert asyncio.run(identity.check()) is None
    assert identity.found["user_id"] == "UBOT"


def test_a_button_whose_listener_waits_on_slack_is_acknowledged_within_the_budget(
        slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi) -> None:
    fake_slack.delay(RESPONSE_URL, 4.0)  # Share answers through the response_url, after its ack()
    topic = slack_app.bot.lookup("payroll").answer

    clicked = slack.action("poc_share", f"{topic.topic_id}:en", label="Share in channel", user="U0ALICE")

    assert clicked.status == 200 and clicked.seconds < SLACK_ACK_SECONDS - 0.3
    [shared] = fake_slack.wait_for(RESPONSE_URL, timeout=10)  # and the work still finishes
    assert shared.body["response_type"] == "in_channel"


class RecordingSocket:
    """The Socket Mode client's side that a handler answers through: what it acknowledged, when."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("test.socket")
        self.acks: list[tuple[str, float]] = []

    async def send_socket_mode_response(self, response) -> None:  # type: ignore[no-untyped-def]
        self.acks.append((response.envelope_id, time.monotonic()))


def test_over_socket_mode_a_slow_listener_is_acknowledged_within_the_budget(
        slack_app: RunningApp, slack_settings: Settings, fake_slack: FakeSlackApi) -> None:
    from slack_sdk.socket_mode.request import SocketModeRequest

    from integrations.slack.app import build_app
    from integrations.slack.socket import answer_envelope
    from tests.fakes.slack_requests import block_actions

    fake_slack.delay(RESPONSE_URL, 4.0)
    topic = slack_app.bot.lookup("payroll").answer
    payload = block_actions("poc_share", f"{topic.topic_id}:en", label="Share", user="U0ALICE", channel="C0GENERAL",
                            response_url=fake_slack.response_url())
    socket = RecordingSocket()

    async def envelope() -> float:
        app = build_app(slack_app.bot, slack_settings, slack_app.background)
        started = time.monotonic()
        request = SocketModeRequest(type="interactive", envelope_id="env-1", payload=payload)
        await answer_envelope(app, socket, request, slack_app.background)
        return time.monotonic() - started

    took = slack_app.loop.run(envelope())

    assert [envelope_id for envelope_id, _ in socket.acks] == ["env-1"] and took < SLACK_ACK_SECONDS - 0.3
    [shared] = fake_slack.wait_for(RESPONSE_URL, timeout=10)  # and the listener still finished
    assert shared.body["response_type"] == "in_channel"
