"""Managers named in the directory file: they may change their topics and those under them.

The demo organisation (integrations/files/demo/org.yaml) is loaded into a fresh store,
then re-imported with Facilities listing luis (a manager who holds nothing there) as
its manager, the way a project manager would set it up.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.messages import ReplyKind
from bot.services.directory_export import export_directory
from bot.services.directory_import import apply_import
from store.db import read_session
from tests.core.test_commands import Chat, audit_entries, poc
from tests.harness import NOW, load_demo


def with_managers(engine: Engine, topic: str, managers: list[str]) -> None:
    with read_session(engine) as session:
        exported = export_directory(session, NOW)
    topics = [t.model_copy(update={"managers": managers}) if t.name == topic else t
              for t in exported.topics]
    plan = apply_import(engine, exported.model_copy(update={"topics": topics}),
                        actor="pm@acme.test", now=NOW, quiet=True)
    assert [c.action for c in plan.changes] == ["topic.update"]


def test_a_manager_listed_in_the_file_may_assign_on_the_topic_and_its_child(engine: Engine) -> None:
    chat = Chat(load_demo(engine))
    with_managers(chat.engine, "Facilities", ["luis@acme.test"])

    assert chat.say("luis", "assign facilities @rosa").note == "assigned"
    assert chat.say("luis", "assign parking @rosa").note == "assigned"
    assert (poc(chat, "facilities"), poc(chat, "parking")) == ("rosa@acme.test", "rosa@acme.test")

    refused = chat.say("carol", "assign parking @jamal")  # a manager, but not of Facilities
    assert refused.kind is ReplyKind.refused
    assert [e.actor for e in audit_entries(chat.engine, "refused.")] == ["carol@acme.test"]
    assert poc(chat, "parking") == "rosa@acme.test"
