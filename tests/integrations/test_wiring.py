"""The one wiring module (integrations/bootstrap.py): serve, tick and chat take their settings,
store, bot, notifiers and job table from it, and a bad setting is reported once, exit code 2."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.jobs import Job, PRUNE_EVERY
from bot.settings import get_settings
from bot.scheduler import stop_scheduler
from integrations import bootstrap
from tests.core.test_scheduler import wait_until
from tests.integrations.test_cli import pocbot

WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SQLite store and settings read anew from the environment (get_settings is cached)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("POCBOT_SEMANTIC", "off")
    for variable in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID",
                     "MICROSOFT_APP_PASSWORD", "POCBOT_TEAMS_WITHOUT_AUTH"):
        monkeypatch.delenv(variable, raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Every job table the wiring builds, with a probe job added that notes each run."""
    built: list[dict] = []
    real = bootstrap.Wiring.jobs

    def jobs(self, notifiers, **kw):  # type: ignore[no-untyped-def]
        call = {"notifiers": sorted(notifiers), "ran": [], **kw}
        built.append(call)
        return [*real(self, notifiers, **kw), Job("probe", PRUNE_EVERY, lambda now: call["ran"].append(now))]

    monkeypatch.setattr(bootstrap.Wiring, "jobs", jobs)
    return built


def test_the_wiring_builds_one_bot_on_its_engine_policy_and_clock(env: Path) -> None:
    wiring = bootstrap.wire()

    assert wiring.settings is get_settings()
    assert wiring.bot.engine is wiring.engine and wiring.bot.clock is wiring.clock
    assert wiring.bot.nudge_policy is wiring.policy
    assert set(wiring.notifiers()) == set()  # no platform configured: every row waits
    assert set(wiring.notifiers(console=object())) == {"console"}


def test_tick_runs_the_wirings_job_table_once_with_its_notifiers(env: Path, tables: list[dict]) -> None:
    from integrations.cli import app

    result = CliRunner().invoke(app, ["tick", "--at", WHEN.isoformat()])

    assert result.exit_code == 0, result.output
    assert "Handovers announced: 0." in result.output
    [table] = tables
    assert table["notifiers"] == ["console"] and table["deliver_all"] is True and table["ran"] == [WHEN]


def test_serve_schedules_the_wirings_job_table_with_its_notifiers(env: Path, tables: list[dict],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from integrations.serve import start_jobs

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    get_settings.cache_clear()
    wiring = bootstrap.wire(serving=True)
    wiring.clock = lambda: WHEN

    jobs = start_jobs(wiring)
    try:
        wait_until(lambda: bool(tables and tables[0]["ran"]))
    finally:
        jobs.stop.set()
        stop_scheduler(jobs.scheduler)

    [table] = tables
    assert table["notifiers"] == ["slack"] and table["worker"] == jobs.worker and table["stop"] is jobs.stop
    assert not table.get("deliver_all") and table["ran"][0] == WHEN


def test_chat_delivers_a_changes_notices_through_the_wirings_dispatch_job(env: Path, tables: list[dict]) -> None:
    from integrations.cli import app

    result = CliRunner().invoke(app, ["chat"], input="assign travel @carol@acme.test\nquit\n")

    assert result.exit_code == 0, result.output
    assert "pocbot → carol@acme.test › You are now the POC for Travel." in result.output
    [table] = tables
    assert table["notifiers"] == ["console"] and table["deliver_all"] is True
    assert table["ran"] == []  # chat runs the table's dispatch job alone, not the others


@pytest.mark.parametrize("variable, value", [
    ("POCBOT_NUDGE_AFTER", "soon"), ("POCBOT_DIGEST", "someday"), ("POCBOT_MAX_NUDGES", "many"),
])
@pytest.mark.parametrize("command", [("serve",), ("tick",), ("chat",)])
def test_a_bad_setting_is_reported_once_with_exit_2_by_each_command(tmp_path: Path, command: tuple[str, ...],
                                                                   variable: str, value: str) -> None:
    result = pocbot(*command, db=tmp_path / "s.db", stdin="quit\n", env={variable: value}, columns=None)

    assert result.returncode == 2, result.stderr
    assert result.stderr.count(variable) == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "s.db").exists()


def test_serve_reports_half_set_credentials_once_before_opening_the_store(tmp_path: Path) -> None:
    result = pocbot("serve", db=tmp_path / "s.db", env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "",
                                                       "SLACK_APP_TOKEN": ""}, columns=None)

    assert result.returncode == 2
    assert result.stderr.count("SLACK_BOT_TOKEN is set") == 1 and not (tmp_path / "s.db").exists()
