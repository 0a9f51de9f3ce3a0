"""Issue 11's figures on Teams: SQL statements and write transactions of one activity."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.fakes import teams_activities as ta
from tests.statements import counting
from tests.teams.conftest import BOB, RunningTeams

QUESTION_LOG = ("question",)  # written in batches by a timer, not by the request


def test_teams_lookup(teams: RunningTeams, teams_engine: Engine) -> None:
    teams.post(ta.message(ta.personal(BOB, teams.service_url), "payroll"))
    with counting(teams_engine, ignore=QUESTION_LOG) as tally:
        assert teams.post(ta.message(ta.personal(BOB, teams.service_url), "who is the POC for payroll?")).status == 201
    print(tally.summary())
