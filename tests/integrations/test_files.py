"""Directory files on disk: YAML and CSV loading with line numbers, dumping, round trips."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.services.directory_export import export_directory
from bot.services.directory_file import DirectoryFile, DirectoryFileError, TopicRecord
from bot.services.directory_import import apply_import, plan_import
from integrations.files.formats import dump_directory_file, load_directory_file
from store.db import read_session, write_session
from store.models import Assignment, AuditEntry, Person, Topic, TopicAlias, TopicExample, TopicManager

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DEMO = Path(__file__).parents[2] / "integrations" / "files" / "demo" / "org.yaml"

ORG_YAML = """\
people:
  - email: Alice@acme.test
    name: Alice Moreno
    slack_id: U0ALICE
    teams_id: "29:1alice"
    timezone: Europe/Madrid
    role: manager
  - {email: bob@acme.test, name: Bob Chen}
topics:
  - name: Finance
    poc: alice@acme.test
  - name: Payments
    aliases: [billing, invoices]
    description: "Card payments, refunds; and \\"chargebacks\\""
    tags: [service, finance]
    parent: Finance
    channel: C0PAYMENTS
    poc: alice@acme.test
    backups: [bob@acme.test]
"""
# Finance (line 10) names its managers, in no order and in any case.
MANAGED_YAML = ORG_YAML.replace(
    "    poc: alice@acme.test\n  - name: Payments",
    "    poc: alice@acme.test\n    managers: [Bob@acme.test, alice@acme.test]\n  - name: Payments")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path, people_path: Path | None = None) -> list[str]:
    with pytest.raises(DirectoryFileError) as raised:
        load_directory_file(path, people_path)
    return raised.value.errors


def count(engine: Engine, model: type) -> int:
    with read_session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_yaml_file_loads_with_the_line_each_record_starts_on(tmp_path: Path) -> None:
    data = load_directory_file(write(tmp_path / "org.yaml", ORG_YAML))

    assert [(p.email, p.line) for p in data.people] == [
        ("alice@acme.test", 2), ("bob@acme.test", 8)]
    assert [(t.name, t.line) for t in data.topics] == [("Finance", 10), ("Payments", 12)]
    assert data.people[0].teams_id == "29:1alice"
    assert data.topics[1].description == 'Card payments, refunds; and "chargebacks"'


def test_a_yaml_import_creates_the_directory(engine: Engine, tmp_path: Path) -> None:
    data = load_directory_file(write(tmp_path / "org.yml", ORG_YAML))

    apply_import(engine, data, actor="admin", now=NOW)

    assert (count(engine, Person), count(engine, Topic), count(engine, TopicAlias),
            count(engine, Assignment)) == (2, 2, 2, 3)


def test_problems_in_a_yaml_file_name_the_line_of_their_field_and_nothing_is_written(
    engine: Engine, tmp_path: Path,
) -> None:
    text = (ORG_YAML.replace("Europe/Madrid", "Europe/Atlantis")
            .replace("backups: [bob@acme.test]", "backups: [zed@acme.test]")
            .replace("parent: Finance", "parent: Treasury"))
    data = load_directory_file(write(tmp_path / "org.yaml", text))

    with pytest.raises(DirectoryFileError) as raised:
        apply_import(engine, data, actor="admin", now=NOW)

    assert raised.value.errors == [
        "line 6: person 'alice@acme.test': unknown timezone 'Europe/Atlantis' "
        "(an IANA name such as Europe/Madrid)",
        "line 16: topic 'Payments': unknown parent 'Treasury'",
        "line 19: topic 'Payments': unknown person 'zed@acme.test' in backups",
    ]
    assert count(engine, Person) == count(engine, AuditEntry) == 0


def test_shape_errors_in_yaml_are_all_reported_together_with_their_lines(tmp_path: Path) -> None:
    text = ORG_YAML.replace("    channel: C0PAYMENTS", "    owner: bob@acme.test") + (
        "  - name: Tax\n    aliases: 5\n  - aliases: [vat]\n  - just a string\n"
        "teams:\n  - x\n")

    assert errors_of(write(tmp_path / "org.yaml", text)) == [  # in file order, at the field's own line
        "line 17: topic 'Payments': unknown field 'owner' (allowed: name, aliases, description, "
        "tags, parent, channel, poc, backups, managers, examples, scheduled)",
        "line 21: topic 'Tax': field 'aliases': Input should be a valid list",
        "line 22: topic: missing field 'name'",
        "line 23: topics item 5: must be a mapping of fields, not 'just a string'",
        "line 24: unknown section 'teams' (allowed: people, topics)",
    ]


def test_malformed_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    text = ORG_YAML.replace("    tags: [service, finance]", "    tags: [service, finance")

    [error] = errors_of(write(tmp_path / "org.yaml", text))

    assert error.startswith("line 16: malformed YAML")


TOPICS_CSV = """\
name,poc,backups,aliases,tags,parent,description
Finance,alice@acme.test,,,,,
Payments,alice@acme.test,bob@acme.test;carol@acme.test,billing; invoices,service;finance,Finance,"Card payments, refunds"
"""
PEOPLE_CSV = """\
email,name,role,timezone
alice@acme.test,Alice Moreno,manager,Europe/Madrid
bob@acme.test,Bob Chen,,
carol@acme.test,Carol Smith,,
"""


def test_a_csv_import_reads_semicolon_lists_and_the_people_file_beside_it(
    engine: Engine, tmp_path: Path,
) -> None:
    write(tmp_path / "org.people.csv", PEOPLE_CSV)
    data = load_directory_file(write(tmp_path / "org.csv", TOPICS_CSV))

    payments = data.topics[1]
    assert (payments.line, payments.aliases, payments.tags, payments.backups) == (
        3, ["billing", "invoices"], ["service", "finance"], ["bob@acme.test", "carol@acme.test"])
    assert [(p.email, p.role, p.line) for p in data.people] == [
        ("alice@acme.test", "manager", 2), ("bob@acme.test", None, 3),
        ("carol@acme.test", None, 4)]
    apply_import(engine, data, actor="admin", now=NOW)
    assert (count(engine, Person), count(engine, Topic), count(engine, Assignment)) == (3, 2, 4)


def test_a_topics_csv_may_name_people_already_in_the_store(engine: Engine, tmp_path: Path) -> None:
    people = write(tmp_path / "staff.csv", PEOPLE_CSV)
    apply_import(engine, load_directory_file(write(tmp_path / "a.csv", "name\nHR\n"), people),
                 actor="admin", now=NOW)

    data = load_directory_file(write(tmp_path / "org.csv", TOPICS_CSV))

    with read_session(engine) as session:
        plan = plan_import(session, data, now=NOW)
    assert not plan.errors and data.people == []


def test_csv_errors_name_the_row_counting_the_header_as_row_one(tmp_path: Path) -> None:
    text = TOPICS_CSV + "\nTax,alice@acme.test,,,,,,one too many\nLegal,,,," + "x" * 65 + ",,\n"
    people = write(tmp_path / "staff.csv", "email,name,slack\n")

    assert errors_of(write(tmp_path / "org.csv", text), people) == [
        "row 5: 8 cells, but the header has 7",
        "row 6: topic 'Legal': field 'tags': '" + "x" * 40 + "' is longer than 64 characters",
        "staff.csv row 1: unknown column 'slack' (allowed: email, name, slack_id, teams_id, "
        "timezone, role)",
    ]


def test_an_unknown_csv_column_is_named_with_the_allowed_ones(tmp_path: Path) -> None:
    text = "name,owner,Poc\nPayments,bob,bob@acme.test\n"

    assert errors_of(write(tmp_path / "org.csv", text)) == [
        "row 1: unknown column 'owner' (allowed: name, aliases, description, tags, parent, "
        "channel, poc, backups, managers, examples, scheduled)"]


def test_malformed_csv_is_reported_with_its_row(tmp_path: Path) -> None:
    text = 'name,description\nPayments,"ok"\nTax,"unbalanced"quote\n'

    [error] = errors_of(write(tmp_path / "org.csv", text))

    assert error.startswith("row 3: malformed CSV")


def test_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    assert errors_of(write(tmp_path / "org.json", "{}")) == [
        "org.json: unknown format (use .yaml, .yml or .csv)"]


@pytest.mark.parametrize("name", ["export.yaml", "export.csv"])
def test_export_then_import_is_a_round_trip(engine: Engine, tmp_path: Path, name: str) -> None:
    text = MANAGED_YAML.replace("Card payments", "Card payments,\nmulti-line, ünïcode").replace(
        "    backups: [bob@acme.test]\n", "    backups: [bob@acme.test]\n    examples: [my card was charged twice, 'reembolso: ¿cuándo?']\n")
    apply_import(engine, load_directory_file(write(tmp_path / "org.yaml", text)),
                 actor="admin", now=NOW)
    with read_session(engine) as session:
        exported = export_directory(session)

    dump_directory_file(exported, tmp_path / name)
    reloaded = load_directory_file(tmp_path / name)

    assert reloaded.topics[0].managers == ["alice@acme.test", "bob@acme.test"]
    assert reloaded.topics[1].examples == ["my card was charged twice", "reembolso: ¿cuándo?"]
    assert reloaded.model_dump() == exported.model_dump()
    with read_session(engine) as session:
        assert plan_import(session, reloaded, now=NOW).is_empty


def test_a_csv_cannot_hold_a_list_item_with_a_semicolon(tmp_path: Path) -> None:
    data = DirectoryFile(topics=[TopicRecord(name="Payments", aliases=["a; b"])])

    with pytest.raises(DirectoryFileError):
        dump_directory_file(data, tmp_path / "org.csv")


def test_the_demo_organisation_imports_cleanly_and_exports_as_it_was(
    sqlite_engine: Engine, tmp_path: Path,
) -> None:
    plan = apply_import(sqlite_engine, load_directory_file(DEMO), actor="demo", now=NOW)
    with read_session(sqlite_engine) as session:
        dump_directory_file(export_directory(session), tmp_path / "demo.yaml")

    assert not plan.errors and not plan.is_empty
    with read_session(sqlite_engine) as session:
        assert plan_import(session, load_directory_file(DEMO), now=NOW).is_empty
        assert plan_import(session, load_directory_file(tmp_path / "demo.yaml"), now=NOW).is_empty


def test_managers_load_from_yaml_and_a_csv_column_and_are_imported(
    engine: Engine, tmp_path: Path,
) -> None:
    yaml_data = load_directory_file(write(tmp_path / "org.yaml", MANAGED_YAML))
    write(tmp_path / "org.people.csv", PEOPLE_CSV)
    csv_text = "name,poc,managers\nFinance,alice@acme.test, Carol@acme.test ; bob@acme.test\n"
    csv_data = load_directory_file(write(tmp_path / "org.csv", csv_text))

    assert yaml_data.topics[0].managers == ["bob@acme.test", "alice@acme.test"]
    assert yaml_data.topics[1].managers == []
    assert csv_data.topics[0].managers == ["carol@acme.test", "bob@acme.test"]
    apply_import(engine, yaml_data, actor="admin", now=NOW)
    assert count(engine, TopicManager) == 2
    apply_import(engine, csv_data, actor="admin", now=NOW)
    assert count(engine, TopicManager) == 2  # Finance's managers replaced, not added to


def test_an_unknown_manager_in_a_yaml_file_names_its_line_and_nothing_is_written(
    engine: Engine, tmp_path: Path,
) -> None:
    text = MANAGED_YAML.replace("managers: [Bob@acme.test, alice@acme.test]",
                            "managers: [zed@acme.test]")
    data = load_directory_file(write(tmp_path / "org.yaml", text))

    with pytest.raises(DirectoryFileError) as raised:
        apply_import(engine, data, actor="admin", now=NOW)

    assert raised.value.errors == [
        "line 12: topic 'Finance': unknown person 'zed@acme.test' in managers"]
    assert (count(engine, Person), count(engine, Topic), count(engine, TopicManager)) == (0, 0, 0)


def with_examples(examples: str) -> str:
    """ORG_YAML with Payments' examples set to this YAML list."""
    return ORG_YAML.replace("    backups: [bob@acme.test]\n", f"    backups: [bob@acme.test]\n    examples: {examples}\n")


def test_examples_in_a_file_replace_a_topics_examples_and_a_second_import_changes_nothing(
    engine: Engine, tmp_path: Path,
) -> None:
    taught = with_examples("[card charged twice, Card Charged Twice]")
    apply_import(engine, load_directory_file(write(tmp_path / "a.yaml", taught)), actor="admin", now=NOW)
    assert count(engine, TopicExample) == 1  # the same phrasing, up to case, is kept once

    data = load_directory_file(write(tmp_path / "b.yaml", taught.replace("card charged twice, ", "")))
    with read_session(engine) as session:
        assert plan_import(session, data, now=NOW).is_empty
    cleared = taught.replace("[card charged twice, Card Charged Twice]", "[]")
    apply_import(engine, load_directory_file(write(tmp_path / "c.yaml", cleared)), actor="admin", now=NOW)
    assert count(engine, TopicExample) == 0  # `examples: []`: the file is the truth


def test_a_file_without_examples_keeps_the_taught_ones_and_picks_survive_a_file_that_lists_some(
    engine: Engine, tmp_path: Path,
) -> None:
    taught = with_examples("[card charged twice]")
    apply_import(engine, load_directory_file(write(tmp_path / "a.yaml", taught)), actor="admin", now=NOW)
    with write_session(engine) as session:
        payments = session.execute(select(Topic.id).where(Topic.name == "Payments")).scalar_one()
        session.add(TopicExample(topic_id=payments, text="money back", key="money back", source="picked"))

    apply_import(engine, load_directory_file(write(tmp_path / "b.yaml", ORG_YAML)), actor="admin", now=NOW)
    assert count(engine, TopicExample) == 2  # no `examples:` in the file: nothing about them changes

    other = taught.replace("[card charged twice]", "[refund please]")
    apply_import(engine, load_directory_file(write(tmp_path / "c.yaml", other)), actor="admin", now=NOW)
    with read_session(engine) as session:
        rows = session.execute(select(TopicExample.text, TopicExample.source).order_by(TopicExample.text)).all()
    assert [tuple(r) for r in rows] == [("money back", "picked"), ("refund please", "import")]
    with read_session(engine) as session:
        exported = export_directory(session)
    assert exported.topics[1].examples == ["refund please"]  # picks are the store's own evidence
