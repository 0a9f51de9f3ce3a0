"""Outbox rows reach Slack as Block Kit, once, through 5xx, 429s and hour-long outages."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import (
    FixedValueRetryIntervalCalculator,
)
from sqlalchemy.engine import Engine

from bot.jobs import DispatchResult, run_dispatch
from integrations.slack.notifier import MAX_RETRIES, SlackNotifier, make_web_client
from store import outbox
from store.db import write_session
from store.models import OutboxMessage
from tests.fakes.slack_api import Failure, FakeSlackApi
from tests.slack.conftest import BOT_TOKEN
from tests.store.test_outbox import lapse, row

NOW = datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc)
BOB = {"id": 2, "name": "Bob Stone", "email": "bob@acme.test", "slack_id": "U0BOB", "teams_id": None}
QUICK = FixedValueRetryIntervalCalculator(0.01)  # in-client waits between 5xx retries
ALICE = {"id": 1, "name": "Alice Moreno", "email": "alice@acme.test", "slack_id": None, "teams_id": None}


def announcement(engine: Engine, address: str, kind: str = "announcement") -> int:
    """A row as bot.announce writes it for a POC change on Payments."""
    payload = {"lang": "en", "topic": "Payments <script>", "topic_id": 1, "change": "primary", "person": BOB,
               "previous": ALICE, "actor": "alice@acme.test", "reason": "", "effective_at": NOW.isoformat()}
    with write_session(engine) as session:
        message = OutboxMessage(dedupe_key=f"change:1:{kind}:slack:{address}", platform="slack", address=address,
                                kind=kind, payload=payload, next_attempt_at=NOW, created_at=NOW)
        session.add(message)
        session.flush()
        return message.id


@pytest.fixture
def notifier(fake_slack: FakeSlackApi) -> SlackNotifier:
    # The production client, with short in-client waits between 5xx retries.
    return SlackNotifier(make_web_client(BOT_TOKEN, fake_slack.url, wait=QUICK))


def dispatch(engine: Engine, notifier: SlackNotifier, now: datetime = NOW) -> DispatchResult:
    return run_dispatch(engine=engine, notifiers={"slack": notifier}, now=now, worker="w1")


def posts(fake: FakeSlackApi, channel: str | None = None, ok: bool | None = None) -> list:
    calls = fake.calls("chat.postMessage")
    return [c for c in calls if (channel is None or c.body["channel"] == channel) and (ok is None or c.ok == ok)]


def test_a_pending_announcement_is_posted_to_its_channel_as_block_kit(
    sqlite_engine: Engine, notifier: SlackNotifier, fake_slack: FakeSlackApi,
) -> None:
    message = announcement(sqlite_engine, "C0PAY")

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, sent=1)

    [call] = posts(fake_slack)
    blocks = call.body["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert call.body["channel"] == "C0PAY"
    assert call.body["text"] == "*Payments &lt;script&gt;* has a new POC: <@U0BOB> (was Alice Moreno), set by alice@acme.test."
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": call.body["text"]}}]
    assert row(sqlite_engine, message).status == "sent"


def test_a_dm_is_posted_to_the_user_id(sqlite_engine: Engine, notifier: SlackNotifier, fake_slack: FakeSlackApi) -> None:
    announcement(sqlite_engine, "U0BOB", "dm_primary_new")

    dispatch(sqlite_engine, notifier)

    [call] = posts(fake_slack)
    assert call.body["channel"] == "U0BOB"
    assert call.body["text"].startswith("You are now the POC for *Payments &lt;script&gt;*.")


def test_a_rate_limited_post_waits_for_retry_after_while_other_channels_go_on(
    sqlite_engine: Engine, notifier: SlackNotifier, fake_slack: FakeSlackApi,
) -> None:
    slow = announcement(sqlite_engine, "C0PAY")
    other = announcement(sqlite_engine, "C0TRAVEL")
    # The 500 is retried inside the client; the 429 comes back to the dispatcher.
    fake_slack.fail("chat.postMessage", Failure(500), Failure(429, error="ratelimited", retry_after=7))

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=2, sent=1, retrying=1)
    assert len(posts(fake_slack, "C0TRAVEL", ok=True)) == 1  # not held up by C0PAY
    assert row(sqlite_engine, slow).status == "pending"
    assert outbox.as_utc(row(sqlite_engine, slow).next_attempt_at) == NOW + timedelta(seconds=7)

    assert dispatch(sqlite_engine, notifier, NOW + timedelta(seconds=6)).claimed == 0
    assert dispatch(sqlite_engine, notifier, NOW + timedelta(seconds=7)) == DispatchResult(claimed=1, sent=1)
    assert dispatch(sqlite_engine, notifier, NOW + timedelta(minutes=5)).claimed == 0

    assert [c.status for c in posts(fake_slack, "C0PAY")] == [500, 429, 200]
    assert len(posts(fake_slack, "C0PAY", ok=True)) == 1 and row(sqlite_engine, other).status == "sent"


def test_an_hour_of_slack_being_down_loses_nothing_and_sends_once_when_it_is_back(
    sqlite_engine: Engine, notifier: SlackNotifier, fake_slack: FakeSlackApi,
) -> None:
    message = announcement(sqlite_engine, "C0PAY")
    down = Failure(503, error="service_unavailable")
    now, attempts = NOW, 0
    while now < NOW + timedelta(hours=1):  # every run at the row's own next attempt
        fake_slack.fail("chat.postMessage", *[down] * (1 + MAX_RETRIES))  # the client's retries too
        assert dispatch(sqlite_engine, notifier, now) == DispatchResult(claimed=1, retrying=1)
        attempts += 1
        now = outbox.as_utc(row(sqlite_engine, message).next_attempt_at)

    assert dispatch(sqlite_engine, notifier, now) == DispatchResult(claimed=1, sent=1)
    assert dispatch(sqlite_engine, notifier, now + timedelta(hours=1)).claimed == 0
    assert len(posts(fake_slack, ok=True)) == 1
    assert row(sqlite_engine, message).attempts == attempts + 1 > 10


def test_a_channel_that_does_not_exist_gives_the_row_up_without_retrying(
    sqlite_engine: Engine, notifier: SlackNotifier, fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture,
) -> None:
    message = announcement(sqlite_engine, "C0GONE")
    fake_slack.fail("chat.postMessage", Failure(200, error="channel_not_found"))

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, failed=1)
    assert dispatch(sqlite_engine, notifier, NOW + timedelta(days=1)).claimed == 0

    assert len(posts(fake_slack)) == 1
    assert (row(sqlite_engine, message).status, row(sqlite_engine, message).last_error) == ("failed", "channel_not_found")
    assert "gave up on announcement to slack:C0GONE" in caplog.text


def test_slack_unreachable_is_retried_later(sqlite_engine: Engine) -> None:
    message = announcement(sqlite_engine, "C0PAY")
    unreachable = SlackNotifier(make_web_client(BOT_TOKEN, "http://127.0.0.1:9/api/", wait=QUICK))

    assert dispatch(sqlite_engine, unreachable) == DispatchResult(claimed=1, retrying=1)
    assert row(sqlite_engine, message).status == "pending"


def landed(fake: FakeSlackApi, channel: str) -> list[dict]:
    return fake.posted.get(channel, [])


def test_a_slack_slower_than_the_client_timeout_gets_the_message_exactly_once(
    sqlite_engine: Engine, fake_slack: FakeSlackApi,
) -> None:
    message = announcement(sqlite_engine, "C0PAY")
    impatient = SlackNotifier(make_web_client(BOT_TOKEN, fake_slack.url, wait=QUICK, timeout=0.3))
    fake_slack.delay("chat.postMessage", 1.0)  # Slack stores the post, then answers too late

    results = [dispatch(sqlite_engine, impatient, NOW + timedelta(minutes=m)) for m in (0, 2, 10)]

    assert results[0] == DispatchResult(claimed=1, sent=1) and results[1].claimed == results[2].claimed == 0
    assert len(landed(fake_slack, "C0PAY")) == 1
    [lookup] = fake_slack.calls("conversations.history")  # looked for it by its marker before posting again
    assert lookup.body["channel"] == "C0PAY" and lookup.body["include_all_metadata"] in ("1", "true")
    assert row(sqlite_engine, message).status == "sent"


def test_a_post_that_landed_before_its_worker_died_is_found_not_posted_again(
    engine: Engine, notifier: SlackNotifier, fake_slack: FakeSlackApi,
) -> None:
    message = announcement(engine, "C0PAY")
    with write_session(engine) as session:  # the try is recorded with the claim, before posting
        [claimed] = outbox.claim_due(session=session, now=NOW, worker="dead", lease=timedelta(seconds=60),
                                     platforms=["slack"], limit=1)
    notifier.deliver(claimed)  # it landed; the process died before marking it sent
    lapse(engine, message)

    assert dispatch(engine, notifier, NOW + timedelta(minutes=2)) == DispatchResult(claimed=1, sent=1)

    assert len(landed(fake_slack, "C0PAY")) == 1 and len(posts(fake_slack)) == 1
    assert row(engine, message).tries == 2 and row(engine, message).status == "sent"


def test_a_first_try_does_not_look_before_posting(sqlite_engine: Engine, notifier: SlackNotifier,
                                                  fake_slack: FakeSlackApi) -> None:
    announcement(sqlite_engine, "C0PAY")

    dispatch(sqlite_engine, notifier)

    assert fake_slack.calls("conversations.history") == []
    [post] = landed(fake_slack, "C0PAY")
    assert post["metadata"]["event_type"] == "pocbot_outbox"


def test_a_thread_reply_that_landed_is_looked_for_in_its_thread(
    sqlite_engine: Engine, notifier: SlackNotifier, fake_slack: FakeSlackApi,
) -> None:
    parent = fake_slack.posted.setdefault("G0GROUP", [])
    parent.append({"type": "message", "ts": "1700000000.000001", "text": "the question"})
    payload = {"lang": "en", "conversation": "G0GROUP", "thread": "1700000000.000001", "level": 0,
               "nudges_sent": 1, "max_nudges": 2, "topic": "Payments", "question": "?", "asker": {}, "assignee": BOB}
    with write_session(sqlite_engine) as session:
        message = OutboxMessage(dedupe_key="progress:1", platform="slack", address="G0GROUP", kind="inquiry_progress",
                                payload=payload, next_attempt_at=NOW, created_at=NOW)
        session.add(message)
        session.flush()
        message_id = message.id
    with write_session(sqlite_engine) as session:
        [claimed] = outbox.claim_due(session=session, now=NOW, worker="dead", lease=timedelta(seconds=60),
                                     platforms=["slack"], limit=1)
    notifier.deliver(claimed)  # landed in the thread; never marked sent
    lapse(sqlite_engine, message_id)

    assert dispatch(sqlite_engine, notifier, NOW + timedelta(minutes=2)) == DispatchResult(claimed=1, sent=1)

    assert len(posts(fake_slack)) == 1
    [lookup] = fake_slack.calls("conversations.replies")
    assert (lookup.body["channel"], lookup.body["ts"]) == ("G0GROUP", "1700000000.000001")


def test_a_row_whose_posts_keep_failing_stops_within_its_budget_and_is_tried_again_later(
    sqlite_engine: Engine, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its claim must not lapse mid-delivery (another worker would post it too)."""
    import integrations.slack.notifier as slack_notifier

    monkeypatch.setattr(slack_notifier, "ROW_BUDGET", 0.0)  # spent at once: no second post in this run
    notifier = SlackNotifier(make_web_client(BOT_TOKEN, fake_slack.url, wait=QUICK))
    message = announcement(sqlite_engine, "C0PAY")
    fake_slack.fail("chat.postMessage", Failure(503, error="service_unavailable"))

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, retrying=1)
    assert len(posts(fake_slack)) == 1 and row(sqlite_engine, message).status == "pending"
