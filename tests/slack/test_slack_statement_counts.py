"""Issue 11's figures on Slack: SQL statements and write transactions of one signed request,
counted by an SQLAlchemy listener (tests/statements.py). Run with -s to see them.

A request is counted up to its answer and the work it spawns; the question log's flush,
which a timer runs once a second for every request of that second, is counted apart."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import SlackSender
from tests.slack.conftest import RunningApp
from tests.statements import Tally, counting

QUESTION_LOG = ("question",)  # written in batches by a timer, not by the request


def test_slack_assign(slack: SlackSender, slack_app: RunningApp, slack_engine: Engine) -> None:
    slack.command("payments", user="U0ALICE")  # warm: the directory index is built on first use
    slack_app.drain()
    with counting(slack_engine, ignore=QUESTION_LOG) as tally:
        body = slack.command("assign Payments <@U0QUINN|quinn>", user="U0ALICE").json()
        slack_app.drain()
    assert body["text"].startswith("Done: <@U0QUINN> is now the POC for *Payments*."), body
    print(tally.summary())
    # Issue 11's figure (SQLite): the change, its announcement and the moved inquiries in one
    # write transaction beside the adapter's read; at most 15 statements in all.
    assert tally.write_transactions <= 2 and len(tally.statements) <= 15, tally.summary()


def test_slack_lookup(slack: SlackSender, slack_app: RunningApp, slack_engine: Engine) -> None:
    slack.command("payroll", user="U0QUINN")
    slack_app.drain()
    with counting(slack_engine, ignore=QUESTION_LOG) as tally:
        body = slack.command("who is the POC for payroll?", user="U0QUINN").json()
        slack_app.drain(flush=False)
    assert "POC:" in body["text"], body
    print(tally.summary())
    assert tally.write_transactions == 0  # a /poc lookup has no event to claim
    only_the_log_is_written(slack_app, slack_engine)


def test_slack_event_lookup(slack: SlackSender, slack_app: RunningApp, slack_engine: Engine,
                            fake_slack: FakeSlackApi) -> None:
    slack.event(sr.app_mention("<@UBOT> payroll", user="U0QUINN"))
    slack_app.drain()
    with counting(slack_engine, ignore=QUESTION_LOG) as tally:
        slack.event(sr.message("who is the POC for payroll?", user="U0QUINN"))  # a DM
        slack_app.drain(flush=False)
    assert "POC: <@U0QUINN>" in fake_slack.calls("chat.postMessage")[-1].body["text"]
    print(tally.summary())
    assert tally.write_transactions <= 1, tally.summary()  # the event claim
    assert [s.split()[:3] for s in tally.writes] == [["INSERT", "INTO", "inbound_event"]]
    only_the_log_is_written(slack_app, slack_engine)


def only_the_log_is_written(slack_app: RunningApp, engine: Engine) -> Tally:
    """The timer's flush: the question rows and the done marks of answered events; where a
    person last talked to the bot is written once, not again on every lookup."""
    with counting(engine) as flushed:
        slack_app.bot.flush()
    print("flush:", flushed.summary())
    assert all(s.split()[:3] in (["INSERT", "INTO", "question"], ["UPDATE", "inbound_event", "SET"])
               for s in flushed.writes), flushed.summary()
    return flushed
