"""Changing the directory over Slack, end to end: signed /poc and events in, the outbox
delivered by the dispatcher (driven by `now`) through the real Slack notifier to the fake Web API."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.jobs import DispatchResult, run_dispatch, run_due
from bot.settings import Settings
from integrations.slack.notifier import SlackNotifier, make_web_client
from integrations.tasks import Background
from store import outbox
from store.db import read_session, write_session
from store.models import Assignment, AuditEntry, DirectoryChange, OutboxMessage, Person, Subscription
from tests.fakes import slack_requests as sr
from tests.fakes.loop import LoopThread
from tests.fakes.slack_api import Failure, FakeSlackApi
from tests.fakes.slack_requests import SlackSender
from tests.integrations.test_cli import pocbot
from tests.slack.conftest import BOT_TOKEN, LINKED, SIGNING_SECRET, serving

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)  # the bot's clock: before every date used
BEFORE, AFTER = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc), datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
SLACK_IDS = {**LINKED, "bob@acme.test": "U0BOB", "carol@acme.test": "U0CAROL", "dan@acme.test": "U0DAN",
             "grace@acme.test": "U0GRACE"}
QUICK = FixedValueRetryIntervalCalculator(0.01)  # the client's own waits between 5xx retries
HANDOVER = "*Payments* has a new POC: <@U0CAROL> (was <@U0BOB>), set by <@U0ALICE>."


class Clock:
    """The bot's clock, moved by the tests."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> Engine:
    """The demo organisation with Slack ids for the people in these tests (SQLite; or PostgreSQL)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        from integrations.bootstrap import DEMO_FILE
        from integrations.files.importing import import_file

        engine = request.getfixturevalue("new_postgres_engine")(request.getfixturevalue("_postgres_template"))
        import_file(engine, DEMO_FILE, actor="test")
    else:
        engine = request.getfixturevalue("slack_engine")
    with write_session(engine) as session:
        # The demo was imported at the machine's real time: let it hold since well before NOW.
        session.execute(update(Assignment).values(starts_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
        for email, slack_id in SLACK_IDS.items():
            session.execute(update(Person).where(Person.email == email).values(slack_id=slack_id))
    return engine


@dataclass
class App:
    bot: Bot
    background: Background
    loop: LoopThread

    def drain(self) -> None:
        self.loop.run(self.background.drain(), timeout=15)
        self.bot.flush()


@pytest.fixture
def app(store: Engine, clock: Clock, slack_settings: Settings, fake_slack: FakeSlackApi) -> Iterator[tuple[App, str]]:
    """The served app, as tests/slack/conftest.py builds it, with a bot on `clock`."""
    bot, background = Bot(store, clock=clock), Background()
    with serving(bot, background, slack_settings, "pocbot-assign") as (loop, url):
        yield App(bot, background, loop), url


@pytest.fixture
def served(app: tuple[App, str]) -> App:
    return app[0]


@pytest.fixture
def slack(app: tuple[App, str], fake_slack: FakeSlackApi) -> SlackSender:
    return SlackSender(app[1], SIGNING_SECRET, fake_slack.response_url("T0ACME/1/abc"))


@pytest.fixture
def notifier(fake_slack: FakeSlackApi) -> SlackNotifier:
    return SlackNotifier(make_web_client(BOT_TOKEN, fake_slack.url, wait=QUICK))


def dispatch(engine: Engine, notifier: SlackNotifier, now: datetime, worker: str = "w1") -> DispatchResult:
    return run_dispatch(engine=engine, notifiers={"slack": notifier}, now=now, worker=worker)


def posts(fake: FakeSlackApi, channel: str | None = None) -> list[str]:
    """The texts Slack accepted, in order, optionally to one channel."""
    return [c.body["text"] for c in fake.calls("chat.postMessage") if c.ok and channel in (None, c.body["channel"])]


def per_channel(fake: FakeSlackApi) -> Counter[str]:
    return Counter(c.body["channel"] for c in fake.calls("chat.postMessage") if c.ok)


def rows(engine: Engine, model: type) -> list:
    with read_session(engine) as session:
        return list(session.execute(select(model).order_by(model.id)).scalars())


def ask(slack: SlackSender, text: str, user: str, channel: str = "C0GENERAL") -> str:
    """Send /poc; the answer must be an ephemeral ack."""
    body = slack.command(text, user=user, channel=channel).json()
    assert body["response_type"] == "ephemeral"
    return body["text"]


def nothing_changed(served: App, slack: SlackSender, fake: FakeSlackApi, store: Engine, notifier: SlackNotifier) -> None:
    served.drain()
    assert dispatch(store, notifier, NOW) == DispatchResult()
    assert dispatch(store, notifier, AFTER) == DispatchResult()
    assert fake.calls("chat.postMessage") == []
    assert rows(store, DirectoryChange) == [] and rows(store, OutboxMessage) == []
    assert "POC: <@U0BOB>" in ask(slack, "payments", "U0QUINN")


# --- assign now ---------------------------------------------------------------------

def test_a_managers_assign_is_announced_once_to_the_channel_and_both_people(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier,
) -> None:
    text = ask(slack, "assign Payments <@U0CAROL|carol> because Bob moves to Tax", "U0ALICE")
    assert text.startswith("Done: <@U0CAROL> is now the POC for *Payments*.")
    served.drain()
    assert fake_slack.calls("chat.postMessage") == []  # the dispatcher announces, not the request

    assert dispatch(store, notifier, NOW) == DispatchResult(claimed=3, sent=3)

    assert per_channel(fake_slack) == {"C0PAYMENTS": 1, "U0CAROL": 1, "U0BOB": 1}
    [channel], [new], [old] = posts(fake_slack, "C0PAYMENTS"), posts(fake_slack, "U0CAROL"), posts(fake_slack, "U0BOB")
    assert channel == HANDOVER + " Reason: Bob moves to Tax."
    assert new.startswith("You are now the POC for *Payments*.") and "<@U0BOB>" in new and "Bob moves to Tax" in new
    assert old == "You are no longer the POC for *Payments*: <@U0CAROL> takes over. Reason: Bob moves to Tax."
    assert dispatch(store, notifier, NOW + timedelta(hours=1)) == DispatchResult()
    assert len(posts(fake_slack)) == 3
    assert "POC: <@U0CAROL>" in ask(slack, "payments", "U0QUINN")


def test_a_member_is_refused_with_who_can_and_nothing_changes(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier,
) -> None:
    text = ask(slack, "assign Payments <@U0CAROL> because I move to Tax", "U0BOB")

    assert text == "Sorry, you can't do that (your role: member). Ask <@U0ALICE>, <@U0GRACE>."
    nothing_changed(served, slack, fake_slack, store, notifier)
    [refusal] = rows(store, AuditEntry)[-1:]
    assert (refusal.action, refusal.actor) == ("refused.assign", "bob@acme.test")


def test_an_assign_by_mention_replayed_by_slack_is_applied_and_announced_once(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier,
) -> None:
    event = sr.app_mention("<@UBOT> assign Payments <@U0CAROL>", user="U0ALICE", channel="C0GENERAL")
    assert slack.event(event, event_id="Ev0ASSIGN1").status == 200
    served.drain()
    assert slack.event(event, event_id="Ev0ASSIGN1", retry=1).status == 200
    served.drain()

    [reply] = [c.body for c in fake_slack.calls("chat.postMessage") if c.body["channel"] == "C0GENERAL"]
    assert reply["thread_ts"] == event["ts"] and reply["text"].startswith("Done: <@U0CAROL> is now the POC")
    dispatch(store, notifier, NOW)
    dispatch(store, notifier, NOW + timedelta(hours=1))
    assert per_channel(fake_slack) == {"C0GENERAL": 1, "C0PAYMENTS": 1, "U0CAROL": 1, "U0BOB": 1}
    assert len(rows(store, DirectoryChange)) == 1


# --- delivery ---------------------------------------------------------------------------

def test_a_failing_channel_is_retried_later_in_order_without_holding_up_the_dms(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier, clock: Clock,
) -> None:
    ask(slack, "assign Payments <@U0CAROL>", "U0ALICE")  # rows: C0PAYMENTS, then the two DMs
    fake_slack.fail("chat.postMessage", *[Failure(500)] * 3)  # the first post, through the client's retries

    assert dispatch(store, notifier, NOW) == DispatchResult(claimed=3, sent=2, retrying=1)
    assert per_channel(fake_slack) == {"U0CAROL": 1, "U0BOB": 1}
    [first] = [m for m in rows(store, OutboxMessage) if m.address == "C0PAYMENTS"]
    retry_at = outbox.as_utc(first.next_attempt_at)
    assert first.status == "pending" and NOW + timedelta(seconds=2) <= retry_at <= NOW + timedelta(seconds=5)

    clock.now = NOW + timedelta(seconds=1)  # a second change while the channel is failing
    ask(slack, "assign Payments <@U0DAN>", "U0ALICE")
    # Its DMs go out; its announcement waits behind the first one, in order.
    assert dispatch(store, notifier, clock.now) == DispatchResult(claimed=2, sent=2)
    assert posts(fake_slack, "C0PAYMENTS") == []

    fake_slack.fail("chat.postMessage", Failure(429, "ratelimited", retry_after=30))
    assert dispatch(store, notifier, retry_at) == DispatchResult(claimed=1, retrying=1)
    assert dispatch(store, notifier, retry_at + timedelta(seconds=29)) == DispatchResult()
    assert dispatch(store, notifier, retry_at + timedelta(seconds=30)) == DispatchResult(claimed=1, sent=1)
    assert dispatch(store, notifier, retry_at + timedelta(seconds=30)) == DispatchResult(claimed=1, sent=1)
    assert dispatch(store, notifier, retry_at + timedelta(hours=1)) == DispatchResult()

    assert [c.status for c in fake_slack.calls("chat.postMessage") if c.body["channel"] == "C0PAYMENTS"] == [
        500, 500, 500, 429, 200, 200]
    assert posts(fake_slack, "C0PAYMENTS") == [HANDOVER, HANDOVER.replace("<@U0CAROL> (was <@U0BOB>)",
                                                                          "<@U0DAN> (was <@U0CAROL>)")]
    assert set(Counter((c.body["channel"], c.body["text"]) for c in fake_slack.calls("chat.postMessage")
                       if c.ok).values()) == {1}
    assert {m.status for m in rows(store, OutboxMessage)} == {"sent"}


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_two_dispatchers_racing_on_postgresql_deliver_each_message_once(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine,
) -> None:
    assert "will hear about changes to all" in ask(slack, "subscribe all", "U0DAN", channel="C0ALL")
    changes = [("Payments", "U0CAROL"), ("Payroll", "U0DAN"), ("Tax", "U0BOB"), ("IT", "U0QUINN"),
               ("People", "U0ALICE"), ("Expenses", "U0QUINN"), ("Health Benefits", "U0DAN"),
               ("Recruiting", "U0GRACE"), ("Laptop Onboarding", "U0ALICE"), ("Finance", "U0CAROL")]
    for topic, who in changes:
        assert ask(slack, f"assign {topic} <@{who}>", "U0GRACE").startswith("Done:")
    served.drain()
    queued = rows(store, OutboxMessage)
    assert len(queued) == 34
    barrier, results = threading.Barrier(2), {"w1": [], "w2": []}

    def work(worker: str) -> None:
        mine = SlackNotifier(make_web_client(BOT_TOKEN, fake_slack.url, wait=QUICK))
        barrier.wait()
        for _ in range(500):
            results[worker].append(run_dispatch(engine=store, notifiers={"slack": mine}, now=NOW, worker=worker, limit=4))
            if all(m.status != "pending" for m in rows(store, OutboxMessage)):
                return

    threads = [threading.Thread(target=work, args=(w,)) for w in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    sent = Counter((c.body["channel"], c.body["text"]) for c in fake_slack.calls("chat.postMessage") if c.ok)
    assert len(sent) == len(queued) and set(sent.values()) == {1}
    done = [r for runs in results.values() for r in runs]
    assert sum(r.sent for r in done) == sum(r.claimed for r in done) == len(queued)
    assert {m.status for m in rows(store, OutboxMessage)} == {"sent"}
    # One channel's announcements arrive in the order of the changes, whoever delivered them.
    assert [text.split("*")[1] for text in posts(fake_slack, "C0ALL")] == [topic for topic, _ in changes]


# --- dated handovers -------------------------------------------------------------------

def test_a_dated_handover_changes_lookups_and_is_announced_once_on_its_day(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier, clock: Clock,
) -> None:
    # Alice is in Europe/Madrid: her 2026-12-01 starts at 2026-11-30T23:00Z, and is echoed as she typed it.
    text = ask(slack, "assign Payments <@U0CAROL> from 2026-12-01", "U0ALICE")
    assert text == "Scheduled: <@U0CAROL> becomes the POC for *Payments* on 2026-12-01. It will be announced then."
    served.drain()
    notifiers = {"slack": notifier}

    assert run_due(engine=store, notifiers=notifiers, now=BEFORE, worker="w1").handovers == 0
    assert dispatch(store, notifier, BEFORE) == DispatchResult()
    clock.now = BEFORE
    assert "POC: <@U0BOB>" in ask(slack, "payments", "U0QUINN")
    clock.now = AFTER
    assert "POC: <@U0CAROL>" in ask(slack, "payments", "U0QUINN")
    assert fake_slack.calls("chat.postMessage") == []

    due = run_due(engine=store, notifiers=notifiers, now=AFTER, worker="w1")
    assert (due.handovers, due.dispatch) == (1, DispatchResult(claimed=3, sent=3))
    assert per_channel(fake_slack) == {"C0PAYMENTS": 1, "U0CAROL": 1, "U0BOB": 1}
    assert posts(fake_slack, "C0PAYMENTS") == [HANDOVER]
    again = run_due(engine=store, notifiers=notifiers, now=AFTER + timedelta(hours=1), worker="w2")
    assert (again.handovers, again.dispatch) == (0, DispatchResult())
    assert len(posts(fake_slack)) == 3


def test_pocbot_tick_announces_a_dated_handover_to_slack_once(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine,
) -> None:
    ask(slack, "assign Payments <@U0CAROL> from 2026-12-01", "U0ALICE")
    served.drain()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake_slack.url, "SLACK_SIGNING_SECRET": "",
           "SLACK_APP_TOKEN": ""}
    db = Path(store.url.database or "")

    def tick(at: str) -> str:
        result = pocbot("tick", "--at", at, db=db, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "Handovers announced: 0. Messages sent: 0," in tick("2026-11-30T00:00:00+00:00")
    assert fake_slack.calls("chat.postMessage") == []
    assert "Handovers announced: 1. Messages sent: 3," in tick("2026-12-01T12:00:00+00:00")
    assert "Handovers announced: 0. Messages sent: 0," in tick("2026-12-01T13:00:00+00:00")
    assert per_channel(fake_slack) == {"C0PAYMENTS": 1, "U0CAROL": 1, "U0BOB": 1}
    assert posts(fake_slack, "C0PAYMENTS") == [HANDOVER]


def test_away_until_a_relative_day_is_echoed_as_the_day_the_actor_meant(slack: SlackSender) -> None:
    # Alice is in Europe/Madrid (UTC+1): her tomorrow, 2026-11-21, starts at 2026-11-20T23:00Z.
    assert "away until 2026-11-21." in ask(slack, "away until tomorrow", "U0ALICE")


# --- subscriptions and absences ----------------------------------------------------------

def test_a_subscribed_channel_hears_of_the_next_change_until_it_unsubscribes(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier, clock: Clock,
) -> None:
    assert ask(slack, "subscribe Payments", "U0DAN", channel="C0SUBS") == \
        "This channel will hear about changes to Payments."
    ask(slack, "assign Payments <@U0CAROL>", "U0ALICE")
    dispatch(store, notifier, NOW)
    assert posts(fake_slack, "C0SUBS") == posts(fake_slack, "C0PAYMENTS") == [HANDOVER]

    assert ask(slack, "unsubscribe", "U0DAN", channel="C0SUBS") == "This channel will no longer hear about any changes."
    assert rows(store, Subscription) == []
    clock.now = NOW + timedelta(hours=1)
    ask(slack, "assign Payments <@U0BOB>", "U0ALICE")
    assert dispatch(store, notifier, clock.now).sent == 3
    assert len(posts(fake_slack, "C0PAYMENTS")) == 2 and len(posts(fake_slack, "C0SUBS")) == 1


def test_an_away_poc_sends_askers_to_the_delegate_until_back(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier,
) -> None:
    assert ask(slack, "away until 2026-12-03 delegate <@U0QUINN>", "U0BOB") == (
        "You are marked away until 2026-12-03. Lookups send people to <@U0QUINN> meanwhile.")
    answer = ask(slack, "payments", "U0DAN")
    assert "POC: <@U0BOB>" in answer and "<@U0BOB> is away until 2026-12-03: ask <@U0QUINN> meanwhile." in answer

    assert ask(slack, "back", "U0BOB") == "Welcome back: you are no longer marked away."
    answer = ask(slack, "payments", "U0DAN")
    assert "POC: <@U0BOB>" in answer and "away" not in answer
    served.drain()
    assert dispatch(store, notifier, AFTER) == DispatchResult() and fake_slack.calls("chat.postMessage") == []


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("command, expected", [
    ("assign Paymnts <@U0CAROL>", "I can't find a topic called “Paymnts” exactly. Did you mean: Payments?"),
    ("assign Frobnicator <@U0CAROL>", "There is no topic called “Frobnicator”."),
    ("assign Payments <@U0NOBODY>", "<@U0NOBODY> is not in the directory"),
    ("assign Payments <@U0CAROL> from 2026-11-01", "“2026-11-01” is not in the future"),
    ("assign Payments <@U0CAROL> from the twelfth of never", "I can't read “the twelfth of never” as a date."),
], ids=["topic-typo", "unknown-topic", "unknown-user", "past-date", "unparseable-date"])
def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier,
    command: str, expected: str,
) -> None:
    assert expected in ask(slack, command, "U0ALICE")
    nothing_changed(served, slack, fake_slack, store, notifier)
    if "U0NOBODY" in command:
        assert [(c.body["user"], c.status) for c in fake_slack.calls("users.info")] == [("U0NOBODY", 200)]


# --- channels the bot is not in -------------------------------------------------------

def manifest_scopes() -> set[str]:
    manifest = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())
    return set(manifest["oauth_config"]["scopes"]["bot"])


def test_a_public_channel_the_bot_is_not_in_gets_its_announcement_with_the_manifests_scopes(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier,
) -> None:
    fake_slack.scopes, fake_slack.outside = manifest_scopes(), {"C0PAYMENTS": "public"}
    ask(slack, "assign Payments <@U0CAROL>", "U0ALICE")

    assert dispatch(store, notifier, NOW) == DispatchResult(claimed=3, sent=3)
    assert posts(fake_slack, "C0PAYMENTS") == [HANDOVER]


def test_a_private_channel_the_bot_is_not_in_is_reported_once_to_who_can_fix_it_and_to_admins(
    slack: SlackSender, served: App, fake_slack: FakeSlackApi, store: Engine, notifier: SlackNotifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_slack.scopes, fake_slack.outside = manifest_scopes(), {"C0PAYMENTS": "private"}
    ask(slack, "assign Payments <@U0CAROL>", "U0ALICE")

    assert dispatch(store, notifier, NOW) == DispatchResult(claimed=3, sent=2, failed=1)
    [lost] = [m for m in rows(store, OutboxMessage) if m.status == "failed"]
    assert f"gave up on announcement to slack:C0PAYMENTS (outbox row {lost.id}): channel_not_found" in caplog.text
    assert any(r.levelname == "ERROR" and f"outbox row {lost.id}" in r.getMessage() for r in caplog.records)
    dispatch(store, notifier, NOW + timedelta(seconds=1))  # the notices the failure wrote
    [told] = posts(fake_slack, "U0ALICE")  # she made the change
    assert told.startswith("I can't post to <#C0PAYMENTS>: it is a private channel I'm not in")
    assert "*Payments*" in told and "`/invite @pocbot`" in told

    ask(slack, "assign Payments <@U0BOB>", "U0ALICE")  # the channel fails again: nobody is told twice
    dispatch(store, notifier, NOW + timedelta(seconds=2))
    dispatch(store, notifier, NOW + timedelta(seconds=3))
    assert len(posts(fake_slack, "U0ALICE")) == 1
    assert [m.status for m in rows(store, OutboxMessage) if m.address == "C0PAYMENTS"] == ["failed", "failed"]

    slack.event(sr.app_home_opened("U0GRACE"))  # an admin
    served.drain()
    [home] = fake_slack.calls("views.publish")
    shown = "\n".join(b["text"]["text"] for b in home.body["view"]["blocks"] if b["type"] == "section")
    assert f"• row {lost.id}: announcement to slack:C0PAYMENTS" in shown and "channel_not_found" in shown
    stats = ask(slack, "stats", "U0GRACE")
    assert "Deliveries given up in the last 30 days: 2" in stats and f"row {lost.id}: announcement" in stats
    assert "given up" not in ask(slack, "stats", "U0BOB")  # a member sees no delivery log
