"""Importing a directory: what it plans, what it writes, and what it refuses, on both backends."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from bot.services import directory_apply
from bot.services.directory_export import export_directory
from bot.services.directory_file import DirectoryFile, DirectoryFileError, PersonRecord, TopicRecord
from bot.services.directory_import import apply_import, plan_import
from store import directory
from store.db import read_session, write_session
from store.models import (
    Assignment,
    AssignmentKind,
    AuditEntry,
    DirectoryState,
    Person,
    Role,
    Topic,
    TopicAlias,
    TopicManager,
    TopicTag,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=1)
_TABLES = (Person, Topic, TopicAlias, TopicTag, TopicManager, Assignment, AuditEntry,
           DirectoryState)

PEOPLE = [
    {"email": "alice@acme.test", "name": "Alice Moreno", "role": "manager",
     "timezone": "Europe/Madrid", "slack_id": "U0ALICE"},
    {"email": "bob@acme.test", "name": "Bob Chen"},
    {"email": "carol@acme.test", "name": "Carol Smith", "teams_id": "29:1carol"},
]
TOPICS = [
    {"name": "Finance", "aliases": ["accounting"], "tags": ["finance"], "poc": "carol@acme.test"},
    {"name": "Payments", "aliases": ["billing", "invoices"], "description": "Card payments",
     "tags": ["service", "finance"], "parent": "Finance", "channel": "C0PAYMENTS",
     "poc": "alice@acme.test", "backups": ["bob@acme.test"]},
]


def directory_file(people: list[dict[str, Any]] = PEOPLE,
                   topics: list[dict[str, Any]] = TOPICS) -> DirectoryFile:
    """People sit on lines 1.., topics on lines 100.., unless a record says otherwise."""
    return DirectoryFile(
        people=[PersonRecord(**{"line": i, **p}) for i, p in enumerate(people, start=1)],
        topics=[TopicRecord(**{"line": i, **t}) for i, t in enumerate(topics, start=100)],
    )


def with_topic(name: str, **fields: Any) -> list[dict[str, Any]]:
    return [{**t, **fields} if t["name"] == name else t for t in TOPICS]


def with_person(email: str, **fields: Any) -> list[dict[str, Any]]:
    return [{**p, **fields} if p["email"] == email else p for p in PEOPLE]


def counts(engine: Engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {m.__name__: session.execute(select(func.count()).select_from(m)).scalar_one()
                for m in _TABLES}


def version(engine: Engine) -> int:
    with read_session(engine) as session:
        return session.execute(select(DirectoryState.version)).scalar() or 0


def holders(engine: Engine, topic: str) -> list[tuple[str, str, int, bool]]:
    """(email, kind, position, is current) for every assignment of a topic, oldest first."""
    query = (select(Person.email, Assignment.kind, Assignment.position, Assignment.ends_at)
             .join(Person, Person.id == Assignment.person_id)
             .join(Topic, Topic.id == Assignment.topic_id)
             .where(Topic.name == topic).order_by(Assignment.id))
    with read_session(engine) as session:
        rows = session.execute(query)
        return [(e, AssignmentKind(k).value, p, end is None) for e, k, p, end in rows]


def person(engine: Engine, email: str) -> Person:
    with read_session(engine) as session:
        return session.execute(select(Person).where(Person.email == email)).scalar_one()


def test_an_import_creates_people_topics_aliases_tags_and_assignments(engine: Engine) -> None:
    plan = apply_import(engine, directory_file(), actor="admin@acme.test", now=NOW)

    assert not plan.errors
    alice, bob = person(engine, "alice@acme.test"), person(engine, "bob@acme.test")
    with read_session(engine) as session:
        payments = session.execute(select(Topic).where(Topic.key == "payment")).scalar_one()
        finance = session.execute(select(Topic).where(Topic.name == "Finance")).scalar_one()
        aliases = session.execute(select(TopicAlias.alias, TopicAlias.key)
                                  .where(TopicAlias.topic_id == payments.id)).all()
        tags = session.execute(select(TopicTag.tag).where(TopicTag.topic_id == payments.id))
        tags = set(tags.scalars())
    assert (alice.role, alice.timezone, alice.slack_id) == (
        Role.manager, "Europe/Madrid", "U0ALICE")
    assert bob.role == Role.member
    assert (payments.name, payments.description, payments.channel) == (
        "Payments", "Card payments", "C0PAYMENTS")
    assert payments.parent_id == finance.id
    assert sorted(aliases) == [("billing", "billing"), ("invoices", "invoice")]
    assert tags == {"service", "finance"}
    assert holders(engine, "Payments") == [
        ("alice@acme.test", "primary", 0, True), ("bob@acme.test", "backup", 0, True)]
    assert version(engine) == 1


def test_a_dry_run_lists_the_changes_and_writes_nothing(engine: Engine) -> None:
    with read_session(engine) as session:
        plan = plan_import(session, directory_file(), now=NOW)

    assert counts(engine) == dict.fromkeys(counts(engine), 0)
    lines = [change.describe() for change in plan.changes]
    assert "add person 'bob@acme.test': name 'Bob Chen', role 'member'" in lines
    assert any(line.startswith("add topic 'Payments': description 'Card payments'")
               for line in lines)
    assert "change topic 'Payments': poc (none) -> 'alice@acme.test'" in lines
    assert "change topic 'Payments': backups [] -> [bob@acme.test]" in lines
    assert plan.summary() == ("3 person.add, 2 topic.add, 2 assignment.primary, "
                              "1 assignment.backups")


def test_importing_the_same_file_twice_changes_nothing_the_second_time(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)
    before = counts(engine)

    plan = apply_import(engine, directory_file(), actor="admin", now=LATER)

    assert plan.is_empty and plan.summary() == "no changes"
    assert counts(engine) == before
    assert version(engine) == 1


def test_every_change_is_audited_and_the_version_goes_up_once_per_import(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW, reason="initial load")
    topics = with_topic("Payments", poc="bob@acme.test", backups=[])
    apply_import(engine, directory_file(topics=topics), actor="carol", now=LATER)

    with read_session(engine) as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    first = [r.action for r in rows if r.actor == "admin"]
    assert sorted(set(first)) == ["assignment.backup.add", "assignment.primary",
                                  "person.add", "topic.add"]
    assert len(first) == 3 + 2 + 2 + 1
    assert {r.reason for r in rows if r.actor == "admin"} == {"initial load"}
    added = next(r for r in rows if r.action == "topic.add")
    assert added.at == NOW and added.detail["after"]["name"] == "Finance"
    assert [r.action for r in rows if r.actor == "carol"] == [
        "assignment.primary", "assignment.backup.remove"]
    assert version(engine) == 2


def test_a_failure_while_writing_leaves_the_store_as_it_was(
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_args: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(directory_apply, "_set_parents", fail)  # after people and topics
    with pytest.raises(RuntimeError):
        apply_import(engine, directory_file(), actor="admin", now=NOW)

    assert counts(engine) == dict.fromkeys(counts(engine), 0)


def test_changing_the_poc_ends_the_old_assignment_and_keeps_it_as_history(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)

    apply_import(engine, directory_file(topics=with_topic("Payments", poc="carol@acme.test")),
                 actor="admin", now=LATER, reason="Alice moved team")

    assert holders(engine, "Payments") == [
        ("alice@acme.test", "primary", 0, False),
        ("bob@acme.test", "backup", 0, True),
        ("carol@acme.test", "primary", 0, True),
    ]
    with read_session(engine) as session:
        rows = session.execute(select(Assignment).where(Assignment.kind == AssignmentKind.primary)
                               .order_by(Assignment.id)).scalars().all()
    old, new = [r for r in rows if r.ends_at or r.starts_at == LATER]
    assert (old.starts_at, old.ends_at, new.starts_at, new.ends_at) == (NOW, LATER, LATER, None)
    assert (new.created_by, new.reason) == ("admin", "Alice moved team")


def test_clearing_the_poc_ends_the_primary(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)

    apply_import(engine, directory_file(topics=with_topic("Payments", poc=None)),
                 actor="admin", now=LATER)

    assert [h for h in holders(engine, "Payments") if h[3]] == [
        ("bob@acme.test", "backup", 0, True)]


def test_dropped_backups_end_new_ones_start_and_a_reorder_only_moves_positions(
    engine: Engine,
) -> None:
    apply_import(engine, directory_file(topics=with_topic(
        "Payments", backups=["bob@acme.test", "carol@acme.test"])), actor="admin", now=NOW)

    apply_import(engine, directory_file(topics=with_topic(
        "Payments", backups=["carol@acme.test", "bob@acme.test"])), actor="admin", now=LATER)
    assert [h for h in holders(engine, "Payments") if h[1] == "backup"] == [
        ("bob@acme.test", "backup", 1, True), ("carol@acme.test", "backup", 0, True)]

    apply_import(engine, directory_file(topics=with_topic(
        "Payments", backups=["carol@acme.test"])), actor="admin", now=LATER)
    assert [h for h in holders(engine, "Payments") if h[1] == "backup"] == [
        ("bob@acme.test", "backup", 1, False), ("carol@acme.test", "backup", 0, True)]
    with read_session(engine) as session:
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.at > NOW))
        assert list(actions.scalars()) == ["assignment.backup.reorder",
                                           "assignment.backup.remove"]


def test_absent_optional_person_fields_keep_what_the_store_has(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)
    bare = [{"email": p["email"].upper(), "name": p["name"]} for p in PEOPLE]

    plan = apply_import(engine, directory_file(people=bare), actor="admin", now=LATER)

    assert plan.is_empty
    alice = person(engine, "alice@acme.test")
    assert (alice.slack_id, alice.timezone, alice.role) == (
        "U0ALICE", "Europe/Madrid", Role.manager)


def test_a_listed_topic_takes_every_field_from_the_file_and_others_are_left_alone(
    engine: Engine,
) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)
    payments = {"name": "payments", "aliases": ["Billing", "accounting"], "tags": ["money"]}

    plan = apply_import(engine, directory_file(people=[], topics=[
        {**TOPICS[0], "aliases": []}, payments]), actor="admin", now=LATER)

    change = next(c for c in plan.changes if c.action == "topic.update" and c.key == "payment")
    assert change.after == {"name": "payments", "description": "", "parent": None,
                            "channel": None, "aliases": ["Billing", "accounting"],
                            "tags": ["money"]}
    with read_session(engine) as session:
        exported = export_directory(session)
    assert [(t.name, t.aliases, t.parent, t.poc, t.backups) for t in exported.topics] == [
        ("Finance", [], None, "carol@acme.test", []),
        ("payments", ["Billing", "accounting"], None, None, []),
    ]
    assert len(exported.people) == 3


def test_a_removed_topic_listed_in_the_file_comes_back(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)
    with write_session(engine) as session:
        session.execute(update(Topic).where(Topic.name == "Payments").values(removed_at=NOW))

    plan = apply_import(engine, directory_file(), actor="admin", now=LATER)

    assert [(c.action, c.before, c.after) for c in plan.changes] == [
        ("topic.update", {"removed": True}, {"removed": False})]
    with read_session(engine) as session:
        removed = session.execute(select(Topic.removed_at).where(Topic.name == "Payments"))
        assert removed.scalar() is None


def test_export_then_import_changes_nothing(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)
    with read_session(engine) as session:
        exported = export_directory(session)

    assert [p.email for p in exported.people] == sorted(p["email"] for p in PEOPLE)
    with read_session(engine) as session:
        assert plan_import(session, exported, now=LATER).is_empty


def test_the_progress_callback_is_called_after_each_batch_up_to_the_total(
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(directory_apply, "BATCH", 2)
    calls: list[tuple[int, int]] = []

    plan = apply_import(engine, directory_file(), actor="admin", now=NOW,
                        progress=lambda done, total: calls.append((done, total)))

    total = len(plan.changes)
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert len(calls) > 3 and [d for d, _ in calls] == sorted(d for d, _ in calls)


BAD_INPUT = {
    "an unknown poc": (
        PEOPLE, with_topic("Payments", poc="zed@acme.test"),
        "line 101: topic 'Payments': unknown person 'zed@acme.test' in poc"),
    "an unknown backup": (
        PEOPLE, with_topic("Payments", backups=["zed@acme.test"]),
        "line 101: topic 'Payments': unknown person 'zed@acme.test' in backups"),
    "a duplicate topic in another case": (
        PEOPLE, [*TOPICS, {"name": "PAYMENT"}],
        "line 102: topic 'PAYMENT': duplicate of topic 'Payments' (line 101)"),
    "an alias that is another topic's name": (
        PEOPLE, with_topic("Payments", aliases=["finances"]),
        "line 101: topic 'Payments': alias 'finances' is already the name of topic 'Finance'"),
    "an alias that is another topic's alias": (
        PEOPLE, with_topic("Finance", aliases=["Invoice"]),
        "line 101: topic 'Payments': alias 'invoices' is already an alias of topic 'Finance'"),
    "a parent cycle": (
        PEOPLE, with_topic("Finance", parent="Payments"),
        "line 100: topic 'Finance': parent cycle Finance -> Payments -> Finance"),
    "a topic that is its own parent": (
        PEOPLE, with_topic("Finance", parent="finance"),
        "line 100: topic 'Finance': parent cycle Finance -> Finance"),
    "a missing parent": (
        PEOPLE, with_topic("Payments", parent="Treasury"),
        "line 101: topic 'Payments': unknown parent 'Treasury'"),
    "an unknown manager": (
        PEOPLE, with_topic("Payments", managers=["alice@acme.test", "zed@acme.test"]),
        "line 101: topic 'Payments': unknown person 'zed@acme.test' in managers"),
    "a manager listed twice": (
        PEOPLE, with_topic("Payments", managers=["alice@acme.test", "ALICE@acme.test"]),
        "line 101: topic 'Payments': manager 'alice@acme.test' is listed twice"),
    "a bad timezone": (
        with_person("bob@acme.test", timezone="Mars/Olympus"), TOPICS,
        "line 2: person 'bob@acme.test': unknown timezone 'Mars/Olympus'"),
    "a bad email": (
        [*PEOPLE, {"email": "dan at acme", "name": "Dan"}], TOPICS,
        "line 4: person 'dan at acme': bad email"),
    "a bad role": (
        with_person("bob@acme.test", role="boss"), TOPICS,
        "line 2: person 'bob@acme.test': unknown role 'boss' (one of admin, manager, member)"),
    "a topic name of punctuation only": (
        PEOPLE, [*TOPICS, {"name": "?!"}],
        "line 102: topic '?!': the name has no letters or digits"),
    "a person listed twice": (
        [*PEOPLE, PEOPLE[1]], TOPICS,
        "line 4: person 'bob@acme.test': listed twice (also at line 2)"),
    "a slack id that belongs to someone else": (
        with_person("bob@acme.test", slack_id="U0ALICE"), TOPICS,
        "line 2: person 'bob@acme.test': slack_id 'U0ALICE' already belongs to alice@acme.test"),
}


@pytest.mark.parametrize("people, topics, error", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_reported_with_its_line_and_nothing_is_written(
    engine: Engine, people: list[dict[str, Any]], topics: list[dict[str, Any]], error: str,
) -> None:
    with pytest.raises(DirectoryFileError) as raised:
        apply_import(engine, directory_file(people, topics), actor="admin", now=NOW)

    assert [e for e in raised.value.errors if e.startswith(error)], raised.value.errors
    assert counts(engine) == dict.fromkeys(counts(engine), 0)


def test_several_errors_are_reported_together_and_nothing_is_written(engine: Engine) -> None:
    people = [*PEOPLE, {"email": "dan@acme.test", "name": "Dan", "role": "boss"}]
    topics = [*with_topic("Payments", poc="zed@acme.test", parent="Treasury"), {"name": "..."}]

    with pytest.raises(DirectoryFileError) as raised:
        apply_import(engine, directory_file(people, topics), actor="admin", now=NOW)

    assert [e.split(":")[0] for e in raised.value.errors] == [
        "line 4", "line 101", "line 101", "line 102"]  # in file order
    assert counts(engine) == dict.fromkeys(counts(engine), 0)


def test_an_alias_held_by_a_topic_the_file_does_not_list_is_refused(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)
    before = counts(engine)

    with read_session(engine) as session:
        plan = plan_import(session, directory_file(people=[], topics=[
            {"name": "Refunds", "aliases": ["billing"]}, {"name": "Accounting"}]), now=LATER)

    assert plan.errors == [
        "line 100: topic 'Refunds': alias 'billing' is already an alias of topic 'Payments'",
        "line 101: topic 'Accounting': the name is already an alias of topic 'Finance'",
    ]
    assert counts(engine) == before


def test_aliases_can_move_between_listed_topics(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)
    topics = [{**TOPICS[0], "aliases": ["accounting", "billing"]},
              {**TOPICS[1], "aliases": ["invoices"]}]

    apply_import(engine, directory_file(topics=topics), actor="admin", now=LATER)

    with read_session(engine) as session:
        assert [t.aliases for t in export_directory(session).topics] == [
            ["accounting", "billing"], ["invoices"]]


def test_set_primary_and_set_backups_change_one_topic_and_keep_history(engine: Engine) -> None:
    apply_import(engine, directory_file(), actor="admin", now=NOW)
    with read_session(engine) as session:
        ids = dict(session.execute(select(Person.email, Person.id)).all())
        topic_id = session.execute(select(Topic.id).where(Topic.name == "Finance")).scalar_one()

    with write_session(engine) as session:
        changed = directory.set_primary(session=session, topic_id=topic_id,
                                        person_id=ids["bob@acme.test"], actor="chat",
                                        reason="", now=LATER)
        again = directory.set_primary(session=session, topic_id=topic_id,
                                      person_id=ids["bob@acme.test"], actor="chat",
                                      reason="", now=LATER)
        backups = directory.set_backups(session=session, topic_id=topic_id,
                                        person_ids=[ids["alice@acme.test"]], actor="chat",
                                        reason="", now=LATER)
        directory.bump_version(session=session)

    assert (changed, again, backups) == (True, False, True)
    assert holders(engine, "Finance") == [
        ("carol@acme.test", "primary", 0, False), ("bob@acme.test", "primary", 0, True),
        ("alice@acme.test", "backup", 0, True)]
    assert version(engine) == 2


def managers(engine: Engine, topic: str) -> list[str]:
    query = (select(Person.email).join(TopicManager, TopicManager.person_id == Person.id)
             .join(Topic, Topic.id == TopicManager.topic_id).where(Topic.name == topic))
    with read_session(engine) as session:
        return sorted(session.execute(query).scalars())


def test_managers_are_imported_and_exported_sorted_by_email(engine: Engine) -> None:
    topics = with_topic("Finance", managers=["Bob@acme.test", "alice@acme.test"])

    apply_import(engine, directory_file(topics=topics), actor="admin", now=NOW)

    assert managers(engine, "Finance") == ["alice@acme.test", "bob@acme.test"]
    assert managers(engine, "Payments") == []
    with read_session(engine) as session:
        exported = export_directory(session)
        assert [t.managers for t in exported.topics] == [
            ["alice@acme.test", "bob@acme.test"], []]
        assert plan_import(session, exported, now=LATER).is_empty


def test_managers_imported_twice_or_reordered_change_nothing(engine: Engine) -> None:
    topics = with_topic("Finance", managers=["bob@acme.test", "alice@acme.test"])
    apply_import(engine, directory_file(topics=topics), actor="admin", now=NOW)
    before = counts(engine)

    again = apply_import(engine, directory_file(topics=topics), actor="admin", now=LATER)
    reordered = with_topic("Finance", managers=["alice@acme.test", "bob@acme.test"])
    moved = apply_import(engine, directory_file(topics=reordered), actor="admin", now=LATER)

    assert again.is_empty and moved.is_empty
    assert counts(engine) == before and version(engine) == 1


def test_a_dry_run_shows_a_change_of_managers_and_applying_it_is_audited(engine: Engine) -> None:
    apply_import(engine, directory_file(topics=with_topic("Finance", managers=["bob@acme.test"])),
                 actor="admin", now=NOW)
    topics = with_topic("Finance", managers=["alice@acme.test"])

    with read_session(engine) as session:
        plan = plan_import(session, directory_file(topics=topics), now=LATER)

    assert [c.describe() for c in plan.changes] == [
        "change topic 'Finance': managers [bob@acme.test] -> [alice@acme.test]"]
    assert managers(engine, "Finance") == ["bob@acme.test"]

    apply_import(engine, directory_file(topics=topics), actor="pm", now=LATER)
    assert managers(engine, "Finance") == ["alice@acme.test"]
    [entry] = [e for e in _audit(engine) if e.actor == "pm"]
    assert (entry.action, entry.detail["before"], entry.detail["after"]) == (
        "topic.update", {"managers": ["bob@acme.test"]}, {"managers": ["alice@acme.test"]})

    apply_import(engine, directory_file(), actor="admin", now=LATER)  # absent means none
    assert managers(engine, "Finance") == []


def _audit(engine: Engine) -> list[AuditEntry]:
    with read_session(engine) as session:
        return list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())



@pytest.mark.parametrize(("people", "topics", "error"), [
    (with_person("bob@acme.test", name="Bob\x00"), TOPICS, "line 2: person name holds a character that cannot be stored"),
    (PEOPLE, with_topic("Payments", description="pay\x00ments"),
     "line 101: topic description holds a character that cannot be stored"),
    (PEOPLE, with_topic("Payments", aliases=["pay\x00"]), "line 101: topic aliases holds a character"),
], ids=["person name", "topic description", "alias"])
def test_text_no_store_can_keep_is_refused_by_the_dry_run_and_the_import_writes_nothing(
    engine: Engine, people: list[dict[str, Any]], topics: list[dict[str, Any]], error: str,
) -> None:
    with read_session(engine) as session:
        dry = plan_import(session, directory_file(people, topics), now=NOW)
    with pytest.raises(DirectoryFileError) as real:
        apply_import(engine, directory_file(people, topics), actor="admin", now=NOW)

    for errors in (dry.errors, real.value.errors):
        assert [e for e in errors if e.startswith(error)], errors
    assert counts(engine) == dict.fromkeys(counts(engine), 0)
