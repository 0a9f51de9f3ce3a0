"""Issue 11's figures on Slack: SQL statements and write transactions of one signed request,
counted by an SQLAlchemy listener (tests/statements.py)."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.fakes.slack_requests import SlackSender
from tests.slack.conftest import RunningApp
from tests.statements import counting

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
        slack_app.drain()
    assert "POC:" in body["text"], body
    print(tally.summary())
