"""Issue 11's figures on Teams: SQL statements and write transactions of one activity.
Run with -s to see them; the question log's flush (a timer's, once a second) is counted apart."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.fakes import teams_activities as ta
from tests.statements import counting
from tests.teams.conftest import BOB, RunningTeams

QUESTION_LOG = ("question",)  # written in batches by a timer, not by the request


def test_teams_lookup(teams: RunningTeams, teams_engine: Engine) -> None:
    teams.post(ta.message(ta.personal(BOB, teams.service_url), "payroll"))
    teams.bot.flush()
    with counting(teams_engine, ignore=QUESTION_LOG) as tally:
        assert teams.post(ta.message(ta.personal(BOB, teams.service_url), "who is the POC for payroll?")).status == 201
    print(tally.summary())
    assert tally.write_transactions <= 1, tally.summary()  # the event claim
    assert [s.split()[:3] for s in tally.writes] == [["INSERT", "INTO", "inbound_event"]]
    with counting(teams_engine) as flushed:
        teams.bot.flush()
    print("flush:", flushed.summary())
    assert all(s.split()[:3] in (["INSERT", "INTO", "question"], ["UPDATE", "inbound_event", "SET"])
               for s in flushed.writes), flushed.summary()
