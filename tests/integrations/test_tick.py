"""`pocbot tick --at` runs every due job once, as of that time, the way cron would."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from store import outbox
from store.db import make_engine, read_session, write_session
from store.migrate import upgrade
from store.models import DirectoryChange, OutboxMessage, Person, Topic
from tests.fakes.slack_api import FakeSlackApi
from tests.integrations.test_cli import pocbot

WHEN = datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc)
NO_SLACK = {"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": ""}
TOKEN = "xoxb-test-tick"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Alice hands Payments (announced in C0PAY) to Bob on WHEN; neither has a Slack id."""
    path = tmp_path / "pocbot.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with write_session(engine) as session:
            alice, bob = Person(email="alice@acme.test", name="Alice"), Person(email="bob@acme.test", name="Bob")
            topic = Topic(name="Payments", key="payments", channel="C0PAY")
            session.add_all([alice, bob, topic])
            session.flush()
            session.add(DirectoryChange(topic_id=topic.id, kind="primary", person_id=bob.id, previous_person_id=alice.id,
                                        effective_at=WHEN, actor="alice@acme.test", created_at=WHEN - timedelta(days=3)))
    finally:
        engine.dispose()
    return path


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackApi]:
    fake = FakeSlackApi(token=TOKEN).start()
    yield fake
    fake.stop()


def statuses(db: Path) -> dict[str, str]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with read_session(engine) as session:
            return {m.address: m.status for m in session.exec(select(OutboxMessage)).all()}
    finally:
        engine.dispose()


def test_tick_before_the_date_does_nothing(db: Path) -> None:
    result = pocbot("tick", "--at", (WHEN - timedelta(minutes=1)).isoformat(), db=db, env=NO_SLACK)

    assert result.returncode == 0, result.stderr
    assert "Handovers announced: 0. Messages sent: 0" in result.stdout
    assert statuses(db) == {}


def test_tick_at_the_date_announces_once_and_prints_the_console_dms(db: Path) -> None:
    result = pocbot("tick", "--at", "2030-03-01T09:00:00Z", db=db, env=NO_SLACK)

    assert result.returncode == 0, result.stderr
    assert "Handovers announced: 1. Messages sent: 2" in result.stdout
    assert "bob@acme.test › You are now the POC for Payments." in result.stdout
    assert "alice@acme.test › You are no longer the POC for Payments: Bob takes over." in result.stdout
    # Without a Slack token the channel announcement waits for a run that has one.
    assert statuses(db) == {"C0PAY": "pending", "bob@acme.test": "sent", "alice@acme.test": "sent"}

    again = pocbot("tick", "--at", "2030-03-01T10:00:00+00:00", db=db, env=NO_SLACK)
    assert "Handovers announced: 0. Messages sent: 0" in again.stdout
    assert "POC for Payments" not in again.stdout


def test_tick_with_a_slack_token_posts_the_announcement_to_slack(db: Path, fake_slack: FakeSlackApi) -> None:
    env = {**NO_SLACK, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake_slack.url}

    result = pocbot("tick", "--at", "2030-03-02", db=db, env=env)

    assert result.returncode == 0, result.stderr
    assert "Messages sent: 3" in result.stdout
    [post] = fake_slack.calls("chat.postMessage")
    assert post.body["channel"] == "C0PAY" and "*Payments* has a new POC: Bob (was Alice)" in post.body["text"]
    assert set(statuses(db).values()) == {"sent"}


def test_tick_refuses_a_time_that_is_not_iso_8601(db: Path) -> None:
    result = pocbot("tick", "--at", "next tuesday", db=db, env=NO_SLACK)

    assert result.returncode == 2
    assert "--at must be an ISO 8601" in result.stderr


def test_tick_delivers_everything_due_to_each_address_in_one_run(db: Path, fake_slack: FakeSlackApi) -> None:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with write_session(engine) as session:  # Payroll changes hands the same day: same channel, same people
            alice, bob = (session.exec(select(Person).where(Person.email == e)).one() for e in ("alice@acme.test", "bob@acme.test"))
            payroll = Topic(name="Payroll", key="payroll", channel="C0PAY")
            session.add(payroll)
            session.flush()
            session.add(DirectoryChange(topic_id=payroll.id, kind="primary", person_id=alice.id, previous_person_id=bob.id,
                                        effective_at=WHEN, actor="bob@acme.test", created_at=WHEN - timedelta(days=1)))
    finally:
        engine.dispose()
    env = {**NO_SLACK, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake_slack.url}

    result = pocbot("tick", "--at", "2030-03-02", db=db, env=env)

    assert result.returncode == 0, result.stderr
    assert "Handovers announced: 2. Messages sent: 6" in result.stdout
    texts = [c.body["text"] for c in fake_slack.calls("chat.postMessage")]
    assert len(texts) == 2 and "*Payments*" in texts[0] and "*Payroll*" in texts[1]  # in order


def test_tick_days_ahead_leaves_a_running_servers_claims_alone(db: Path, fake_slack: FakeSlackApi) -> None:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with write_session(engine) as session:
            session.add(OutboxMessage(dedupe_key="live", platform="slack", address="C0PAY", kind="announcement",
                                      payload={"text": "in flight"}, next_attempt_at=WHEN, created_at=WHEN))
        with write_session(engine) as session:  # a server took it a moment ago and is posting it
            [claimed] = outbox.claim_due(session=session, now=WHEN, worker="server", lease=timedelta(seconds=60),
                                         platforms=["slack"], limit=10)
    finally:
        engine.dispose()
    env = {**NO_SLACK, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake_slack.url}

    result = pocbot("tick", "--at", (WHEN + timedelta(days=2)).isoformat(), db=db, env=env)

    assert result.returncode == 0, result.stderr
    assert fake_slack.calls("chat.postMessage") == []  # neither the live row nor the one queued behind it
    assert statuses(db)["C0PAY"] == "pending"
