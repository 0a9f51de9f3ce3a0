"""The `pocbot` command as a user runs it: chat, who, import, export, migrate."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _free_port

from integrations.bootstrap import DEMO_FILE as DEMO

ROOT = Path(__file__).resolve().parents[2]


def pocbot(*args: str, db: Path, stdin: str = "", env: dict[str, str] | None = None,
           columns: str | None = "200") -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", **(env or {})}
    environment.pop("COLUMNS", None)
    if columns is not None:
        environment["COLUMNS"] = columns
    return subprocess.run(
        [sys.executable, "-m", "integrations.cli", *args], input=stdin, capture_output=True,
        text=True, env=environment, cwd=db.parent, timeout=60,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "pocbot.db"
    result = pocbot("chat", db=db, stdin="quit\n")
    assert result.returncode == 0, result.stderr
    return db


def test_a_first_chat_on_an_empty_store_loads_the_demo_and_answers(tmp_path: Path):
    result = pocbot("chat", db=tmp_path / "new.db", stdin="who is the POC for travel?\n¿con quién hablo sobre los contratos?\nbanana\n")

    assert result.returncode == 0, result.stderr
    assert "Demo organisation loaded" in result.stdout
    assert "POC: Pablo Ruiz" in result.stdout
    assert "Punto de contacto: Luis Fernández" in result.stdout
    assert "Nothing in the directory covers “banana”" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_in_the_console_a_close_call_is_numbered_and_a_number_picks_it(tmp_path: Path):
    # A pick teaches the bot: a store of its own (the demo is loaded into an empty one).
    result = pocbot("chat", "--as", "bob@acme.test", db=tmp_path / "own.db", stdin="benefits\n2\n7\n")

    assert result.returncode == 0, result.stderr
    assert "1. Health Benefits" in result.stdout and "2. Pension Benefits" in result.stdout
    assert "POC: Inés García" in result.stdout  # 2 picked Pension Benefits; 7 was a plain lookup
    assert "Traceback" not in result.stdout + result.stderr


def test_eval_scores_a_question_file_against_an_org_file(tmp_path: Path):
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "questions:\n"
        "  - {kind: plain, text: 'who is the POC for payroll?', expect: Payroll, expect_person: quinn@acme.test}\n"
        "  - {kind: unknown, text: 'who owns the moon?', expect: none}\n"
        "  - {kind: plain, text: 'travel', expect: Travel, expect_person: nobody@acme.test}\n", encoding="utf-8")

    result = pocbot("eval", str(questions), "--org", str(DEMO), "--json", db=tmp_path / "unused.db")

    assert result.returncode == 0, result.stderr
    score = json.loads(result.stdout)
    assert score["none_named"] == 0 and score["by_kind"]["unknown"] == {"right": 1, "total": 1}
    assert [m["text"] for m in score["misses"]] == ["travel"]
    assert not (tmp_path / "unused.db").exists()  # a scratch store, not the configured one


def test_eval_refuses_a_file_that_is_not_a_question_list(tmp_path: Path):
    bad = tmp_path / "q.yaml"
    bad.write_text("- just: a list\n", encoding="utf-8")

    result = pocbot("eval", str(bad), db=tmp_path / "x.db")

    assert result.returncode == 2 and "needs `text` and `expect`" in result.stderr


def test_eval_lists_the_problems_of_a_bad_org_file_without_a_traceback(tmp_path: Path):
    questions = tmp_path / "q.yaml"
    questions.write_text("questions:\n  - {kind: unknown, text: 'who owns the moon?', expect: none}\n", encoding="utf-8")
    org = tmp_path / "org.yaml"
    org.write_text("topics:\n  - name: X\n    description: a: b\n", encoding="utf-8")

    result = pocbot("eval", str(questions), "--org", str(org), db=tmp_path / "x.db")

    assert result.returncode == 2 and "line 3: malformed YAML" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_who_answers_once_as_json_for_scripts(demo_db: Path):
    result = pocbot("who", "who owns billing?", "--json", db=demo_db)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["topic"] == "Payments"
    assert answer["poc"]["email"] == "bob@acme.test"
    assert answer["matched"] == "billing"


def test_who_names_nobody_and_exits_1_for_an_ambiguous_question(demo_db: Path):
    result = pocbot("who", "benefits", "--json", db=demo_db)

    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["kind"] == "suggestions"
    assert set(answer["suggestions"]) == {"Health Benefits", "Pension Benefits"}
    assert "poc" not in answer


def test_who_answers_for_a_past_date(demo_db: Path):
    result = pocbot("who", "travel", "--json", "--at", "2000-01-01", db=demo_db)

    assert result.returncode == 1  # nobody held Travel in 2000: the directory was loaded today
    assert json.loads(result.stdout)["poc"] is None


def test_import_dry_run_lists_the_changes_and_writes_nothing(demo_db: Path, tmp_path: Path):
    changed = tmp_path / "org.yaml"
    changed.write_text(
        "topics:\n  - name: Travel\n    poc: rosa@acme.test\n    aliases: [trips]\n", encoding="utf-8"
    )

    dry = pocbot("import", str(changed), "--dry-run", db=demo_db)

    assert dry.returncode == 0, dry.stderr
    assert "Would change" in dry.stdout and "Dry run: nothing was written." in dry.stdout
    assert "'pablo@acme.test' -> 'rosa@acme.test'" in dry.stdout
    assert json.loads(pocbot("who", "travel", "--json", db=demo_db).stdout)["poc"]["email"] == "pablo@acme.test"


def test_a_bad_import_file_reports_every_problem_with_its_line_and_writes_nothing(demo_db: Path, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "people:\n  - email: not-an-email\n    name: X\n    timezone: Mars/Olympus\n"
        "topics:\n  - name: Travel\n    poc: zed@acme.test\n  - name: Parking\n    parent: Nowhere\n",
        encoding="utf-8",
    )

    result = pocbot("import", str(bad), db=demo_db)

    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert "line 2" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(pocbot("who", "travel", "--json", db=demo_db).stdout)["poc"]["email"] == "pablo@acme.test"


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_a_nul_byte_in_an_import_file_is_reported_by_line_not_imported(demo_db: Path, tmp_path: Path, dry_run: bool):
    bad = tmp_path / "topics.csv"
    bad.write_text("name,description,poc\nTravel,Trips\x00 and hotels,pablo@acme.test\n", encoding="utf-8")

    result = pocbot("import", str(bad), *(["--dry-run"] if dry_run else []), db=demo_db)

    assert result.returncode == 1
    assert "row 2: topic description holds a character that cannot be stored" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_then_import_changes_nothing(demo_db: Path, tmp_path: Path):
    exported = tmp_path / "export.yaml"
    assert pocbot("export", str(exported), db=demo_db).returncode == 0

    again = pocbot("import", str(exported), db=demo_db)

    assert again.returncode == 0, again.stderr
    assert "Nothing to change" in again.stdout


def test_migrate_reports_the_revision(tmp_path: Path):
    result = pocbot("migrate", db=tmp_path / "m.db")

    assert result.returncode == 0, result.stderr
    assert "Database is at revision" in result.stdout


def test_serve_refuses_half_set_slack_credentials(tmp_path: Path):
    result = pocbot("serve", db=tmp_path / "s.db", env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": ""})

    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr


@pytest.mark.parametrize("variable, value", [
    ("POCBOT_NUDGE_AFTER", "soon"), ("POCBOT_NUDGE_EVERY", "0m"), ("POCBOT_WORKING_HOURS", "mon 17:00-09:00"),
    ("POCBOT_TIMEZONE", "Mars/Base"),
])
def test_serve_refuses_unusable_nudge_settings_naming_the_variable(tmp_path: Path, variable: str, value: str):
    result = pocbot("serve", db=tmp_path / "s.db", env={variable: value})

    assert result.returncode == 2
    assert variable in result.stderr and "Traceback" not in result.stderr


def test_chat_names_an_unusable_setting_instead_of_a_traceback(tmp_path: Path):
    result = pocbot("chat", db=tmp_path / "c.db", stdin="quit\n", env={"POCBOT_NUDGE_AFTER": "[red]soon"})

    assert result.returncode == 2
    assert "POCBOT_NUDGE_AFTER" in result.stderr and "[red]soon" in result.stderr


@pytest.mark.parametrize("variable, value, says", [
    ("DATABASE_URL", "nonsense://nowhere", "must be a database URL"),
    ("DATABASE_URL", "not a url", "must be a database URL"),
    ("POCBOT_MAX_NUDGES", "abc", "must be a whole number, not 'abc'"),
    ("POCBOT_MAX_NUDGES", "-1", "must be at least 0"),
    ("POCBOT_LOG_LEVEL", "loud", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'loud'"),
    ("PORT", "abc", "must be a whole number, not 'abc'"),
    ("POCBOT_TEAMS_WITHOUT_AUTH", "maybe", "must be true or false"),
    ("POCBOT_LANGUAGE", "fr", "must be one of en, es"),
    ("SLACK_API_URL", "slack.com/api", "must be an http(s) URL"),
    ("POCBOT_SHUTDOWN_SECONDS", "soon", "must be a number"),
    ("POCBOT_MODEL_THREADS", "two", "must be a whole number"),
    ("POCBOT_SEMANTIC", "sometimes", "must be true or false"),
])
@pytest.mark.parametrize("command", [("who", "travel"), ("serve",)])
def test_a_bad_setting_is_one_line_naming_it_and_exit_code_2(tmp_path: Path, variable: str, value: str, says: str,
                                                             command: tuple[str, ...]):
    result = pocbot(*command, db=tmp_path / "s.db", env={variable: value}, columns=None)

    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line, unwrapped
    assert result.stderr.startswith(f"{variable}: ") and says in result.stderr
    assert not (tmp_path / "s.db").exists()


@pytest.mark.parametrize("command", [("who", "travel"), ("serve",), ("migrate",)])
def test_an_unreachable_postgresql_is_named_without_a_traceback_or_its_password(tmp_path: Path,
                                                                              command: tuple[str, ...]):
    url = f"postgresql+psycopg://pocbot:hunter2@127.0.0.1:{_free_port()}/pocbot"

    result = pocbot(*command, db=tmp_path / "s.db", env={"DATABASE_URL": url}, columns=None)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2 and lines[0].startswith("DATABASE_URL: cannot open the database at "), result.stderr
    assert "127.0.0.1" in result.stderr and "hunter2" not in result.stderr + result.stdout


def test_the_cli_shows_no_local_variables_in_a_traceback():
    from integrations.cli import app

    assert app.pretty_exceptions_show_locals is False


def test_piped_output_is_not_wrapped_at_80_columns(demo_db: Path):
    result = pocbot("who", "banana", db=demo_db, columns=None)

    assert result.stdout.strip().startswith("Nothing in the directory covers “banana”")
    first = result.stdout.strip().splitlines()[0]
    assert len(first) > 80 and first.endswith("type help.")  # one line, not cut at 80 columns


def test_help_in_chat_keeps_its_bracketed_parts(demo_db: Path):
    result = pocbot("chat", "--as", "bob@acme.test", db=demo_db, stdin="help\n")

    assert result.returncode == 0, result.stderr
    assert "[as backup] [from <date>] [because …]" in result.stdout
    assert "stats [topic]" in result.stdout


def test_chat_on_the_demo_without_as_acts_as_the_demo_admin_and_says_so(tmp_path: Path):
    result = pocbot("chat", db=tmp_path / "new.db", stdin="topic alias Travel journeys\n")

    assert result.returncode == 0, result.stderr
    assert "You are Grace Lopez (grace@acme.test), the demo organisation's admin; `--as EMAIL`" in result.stdout
    assert "Travel can now also be found as “journeys”" in result.stdout


@pytest.mark.parametrize("as_email, says", [
    ((), "You are not in the directory: lookups work, but to change the directory"),
    (("--as", "zed@nowhere.test"), "zed@nowhere.test is not in the directory: lookups work"),
])
def test_chat_as_someone_outside_the_directory_says_so_and_how_to_be_someone(demo_db: Path, as_email, says: str):
    result = pocbot("chat", *as_email, db=demo_db, stdin="quit\n")

    assert result.returncode == 0, result.stderr
    assert says in result.stdout and "pocbot chat --as EMAIL" in result.stdout


def test_an_import_with_one_problem_says_problem_not_problems(demo_db: Path, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("topics:\n  - name: Travel\n    poc: zed@acme.test\n", encoding="utf-8")

    result = pocbot("import", str(bad), db=demo_db)

    assert result.returncode == 1 and "has 1 problem; nothing was imported" in result.stderr


def test_serve_on_a_port_in_use_says_so_without_a_traceback(tmp_path: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = pocbot("serve", "--port", str(port), db=tmp_path / "s.db", env={"POCBOT_SEMANTIC": "off"}, columns=None)

    assert result.returncode == 2
    assert f"PORT: cannot listen on port {port}" in result.stderr and "Traceback" not in result.stderr
