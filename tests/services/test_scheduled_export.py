"""A scheduled handover survives export -> import: `poc` is today's POC, `scheduled` what is to come."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from bot.jobs import run_handovers
from bot.services.directory_export import export_directory
from bot.services.directory_file import DirectoryFileError
from bot.services.directory_import import apply_import, plan_import
from integrations.files.formats import dump_directory_file, load_directory_file
from store.db import make_engine, read_session
from store.migrate import upgrade
from tests.core.test_commands import Chat, poc, backups
from tests.harness import NOW, load_demo

# grace lives in America/Los_Angeles: her "2030-03-20" starts at 07:00 UTC.
HANDOVER = datetime(2030, 3, 20, tzinfo=ZoneInfo("America/Los_Angeles")).astimezone(timezone.utc)
BACKUP_FROM = datetime(2030, 3, 25, tzinfo=ZoneInfo("America/Los_Angeles")).astimezone(timezone.utc)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    chat = Chat(load_demo(engine))
    assert chat.say("grace", "assign legal @kate from 2030-03-20").note == "scheduled"
    assert chat.say("grace", "assign legal @dan as backup from 2030-03-25").note == "backup_scheduled"
    return chat


def exported(engine: Engine, path: Path):
    with read_session(engine) as session:
        data = export_directory(session, NOW)
    dump_directory_file(data, path)
    return data


def legal(data):
    return next(t for t in data.topics if t.name == "Legal")


@pytest.mark.parametrize("name", ["org.yaml", "org.csv"])
def test_the_export_names_todays_poc_and_the_changes_to_come_and_imports_back_unchanged(
    chat: Chat, tmp_path: Path, name: str,
) -> None:
    data = exported(chat.engine, tmp_path / name)

    assert legal(data).poc == "frank@acme.test" and legal(data).backups == ["luis@acme.test"]
    assert [s.text() for s in legal(data).scheduled] == [
        f"{HANDOVER.isoformat()} poc kate@acme.test", f"{BACKUP_FROM.isoformat()} backup dan@acme.test"]
    reloaded = load_directory_file(tmp_path / name)
    assert reloaded.model_dump() == data.model_dump()
    with read_session(chat.engine) as session:
        assert plan_import(session, reloaded, now=NOW).is_empty  # a dry run says nothing to change


def test_importing_the_export_into_a_new_store_keeps_the_schedule_and_announces_it_on_its_day(
    chat: Chat, tmp_path: Path,
) -> None:
    exported(chat.engine, tmp_path / "org.yaml")
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(fresh)
    try:
        apply_import(fresh, load_directory_file(tmp_path / "org.yaml"), actor="import", now=NOW)
        other = Chat(fresh)

        assert poc(other, "legal", at=NOW) == "frank@acme.test"
        assert poc(other, "legal", at=HANDOVER - timedelta(seconds=1)) == "frank@acme.test"
        assert poc(other, "legal", at=HANDOVER) == "kate@acme.test"
        assert backups(other, "legal", at=BACKUP_FROM) == ["luis@acme.test", "dan@acme.test"]
        with read_session(fresh) as session:  # the file matches the new store
            assert plan_import(session, load_directory_file(tmp_path / "org.yaml"), now=NOW).is_empty
        assert run_handovers(engine=fresh, now=NOW) == 0
        assert run_handovers(engine=fresh, now=HANDOVER) == 1
    finally:
        fresh.dispose()


def test_a_file_that_drops_or_adds_a_scheduled_change_says_so_in_a_dry_run_and_applies_it(
    chat: Chat, tmp_path: Path,
) -> None:
    text = exported(chat.engine, tmp_path / "org.yaml")
    assert chat.say("grace", "unassign legal @kate").note == "handover_cancelled"
    with read_session(chat.engine) as session:
        plan = plan_import(session, load_directory_file(tmp_path / "org.yaml"), now=NOW)

    assert [c.describe() for c in plan.changes] == [
        f"change topic 'Legal': scheduled [{BACKUP_FROM.isoformat()} backup dan@acme.test] -> "
        f"[{HANDOVER.isoformat()} poc kate@acme.test, {BACKUP_FROM.isoformat()} backup dan@acme.test]"]
    apply_import(chat.engine, load_directory_file(tmp_path / "org.yaml"), actor="import", now=NOW)
    assert poc(chat, "legal", at=NOW) == "frank@acme.test"
    assert poc(chat, "legal", at=HANDOVER) == "kate@acme.test"
    assert chat.say("grace", "assign legal @maya").note == "handover_clash"  # pending again, as in chat
    assert legal(text).scheduled == legal(exported(chat.engine, tmp_path / "again.yaml")).scheduled


def test_a_file_that_changes_todays_poc_keeps_a_schedule_it_does_not_mention(chat: Chat, tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("topics:\n  - name: Legal\n    poc: maya@acme.test\n    backups: [luis@acme.test]\n"
                    "    managers: [luis@acme.test]\n    channel: C0LEGAL\n    tags: [legal]\n"
                    "    description: Legal questions of any kind\n"
                    "    aliases: [lawyers, legal team, juridico, asesoria legal]\n", encoding="utf-8")

    apply_import(chat.engine, load_directory_file(path), actor="import", now=NOW, quiet=True)

    assert poc(chat, "legal", at=NOW) == "maya@acme.test"
    assert poc(chat, "legal", at=HANDOVER) == "kate@acme.test"
    assert backups(chat, "legal", at=BACKUP_FROM) == ["luis@acme.test", "dan@acme.test"]


def test_a_scheduled_change_in_the_past_or_for_an_unknown_person_is_refused_at_its_line(
    chat: Chat, tmp_path: Path,
) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("topics:\n  - name: Legal\n    poc: frank@acme.test\n"
                    "    scheduled:\n      - {at: 2030-03-01, poc: kate@acme.test}\n"
                    "      - 2030-04-01T09:00:00+02:00 backup zed@acme.test\n", encoding="utf-8")

    with read_session(chat.engine) as session:
        plan = plan_import(session, load_directory_file(path), now=NOW)

    assert plan.errors == [
        "line 5: topic 'Legal': scheduled change '2030-03-01T00:00:00+00:00 poc kate@acme.test' is not in the "
        "future: set poc or backups instead",
        "line 6: topic 'Legal': unknown person 'zed@acme.test' in scheduled",
    ]
    with pytest.raises(DirectoryFileError):
        apply_import(chat.engine, load_directory_file(path), actor="import", now=NOW)
