"""`pocbot serve` as a container runs it: SIGTERM or SIGINT while the outbox is being delivered."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from store.db import make_engine, read_session, write_session
from store.migrate import upgrade
from store.models import OutboxMessage
from tests.fakes.slack_api import FakeSlackApi

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-test-shutdown"
CHANNELS = [f"C{n:04d}" for n in range(30)]  # one row per channel: all claimed in one dispatch run
BOUND = 25.0  # the default shutdown bound, below a container stop's usual 30 s


@pytest.fixture
def slow_slack() -> Iterator[FakeSlackApi]:
    fake = FakeSlackApi(token=BOT_TOKEN).start()
    fake.delay("chat.postMessage", 0.3)
    yield fake
    fake.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    upgrade(engine)
    due = datetime.now(timezone.utc) - timedelta(minutes=1)
    with write_session(engine) as session:
        session.add_all(OutboxMessage(dedupe_key=f"t:{c}", platform="slack", address=c, kind="announcement",
                                      payload={"text": f"hello {c}"}, next_attempt_at=due) for c in CHANNELS)
    yield engine
    engine.dispose()


def start_serve(store: Engine, slack: FakeSlackApi, cwd: Path, **env: str) -> subprocess.Popen[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": str(store.url), "POCBOT_SEMANTIC": "off",
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s3cret", "SLACK_API_URL": slack.url,
           "POCBOT_LOG_LEVEL": "INFO", **env}
    return subprocess.Popen([sys.executable, "-m", "integrations.cli", "serve", "--port", str(port)],
                            env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen[str], signum: int) -> tuple[float, str]:
    """Send the signal; returns how long the process took to exit, and what it logged."""
    started = time.monotonic()
    process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=BOUND + 10)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"serve did not exit within {BOUND + 10}s of the signal:\n{err[-3000:]}")
    return time.monotonic() - started, err


def rows(store: Engine) -> list[OutboxMessage]:
    with read_session(store) as session:
        return list(session.execute(select(OutboxMessage)).scalars())


def posted_channels(slack: FakeSlackApi) -> Counter[str]:
    return Counter(call.body.get("channel") for call in slack.calls("chat.postMessage") if call.ok)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_mid_delivery_releases_the_claims_and_a_restart_sends_each_message_once(
        store: Engine, slow_slack: FakeSlackApi, tmp_path: Path, signum: int) -> None:
    first = start_serve(store, slow_slack, tmp_path)
    slow_slack.wait_for("chat.postMessage", 2, timeout=60)  # the dispatcher holds 30 claims, two sent

    took, log = stop(first, signum)

    assert first.returncode == 0, log[-3000:]
    assert took < BOUND, took
    assert "Traceback" not in log
    held = [r.address for r in rows(store) if r.status == "pending" and r.claimed_by is not None]
    assert held == []  # every claim was delivered or handed back: nothing waits for a lease
    sent_before = {r.address for r in rows(store) if r.status == "sent"}
    assert sent_before and set(posted_channels(slow_slack)) == sent_before

    second = start_serve(store, slow_slack, tmp_path)
    slow_slack.wait_for("chat.postMessage", len(CHANNELS), timeout=60)
    _, log = stop(second, signal.SIGTERM)

    assert second.returncode == 0, log[-3000:]
    assert posted_channels(slow_slack) == Counter({channel: 1 for channel in CHANNELS})
    assert {r.status for r in rows(store)} == {"sent"}


def test_a_delivery_slower_than_the_bound_does_not_hold_the_exit(
        store: Engine, slow_slack: FakeSlackApi, tmp_path: Path) -> None:
    slow_slack.delay("chat.postMessage", 8.0)
    serving = start_serve(store, slow_slack, tmp_path, POCBOT_SHUTDOWN_SECONDS="1")
    deadline = time.monotonic() + 60
    while not any(r.claimed_by for r in rows(store)):  # the dispatcher has claimed and is delivering
        assert time.monotonic() < deadline and serving.poll() is None, "nothing was claimed"
        time.sleep(0.05)

    took, log = stop(serving, signal.SIGTERM)

    assert serving.returncode == 1 and took < 4.0, log[-3000:]
    assert "could not stop within 1 s" in log
    held = [r.address for r in rows(store) if r.status == "pending" and r.claimed_by is not None]
    assert len(held) <= 1  # only the delivery in flight waits for its lease; the rest were handed back
