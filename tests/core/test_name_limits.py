"""Names longer than their column are refused with a clear reply, in chat and in files, on every store;
names that fit are kept as typed (spaces trimmed) and export back to a file that imports unchanged."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.messages import ReplyKind
from bot.services.directory_export import export_directory
from bot.services.directory_import import plan_import
from integrations.files.formats import dump_directory_file, load_directory_file
from store import limits
from store.db import read_session
from store.models import Topic, TopicAlias
from tests.core.test_commands import Chat, counts, text
from tests.harness import NOW, load_demo

LONGEST = "Quarterly " + "x" * (limits.TOPIC_NAME - 10)  # exactly at the limit
TOO_LONG = LONGEST + "y"


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(load_demo(engine))


def names(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return list(session.execute(select(Topic.name).where(Topic.name.like("Quarterly%"))).scalars())


@pytest.mark.parametrize("command", [
    f"topic add {TOO_LONG}",
    f"topic add {TOO_LONG} parent Finance",
    f'topic alias payments "{TOO_LONG}"',
    f"topic rename payments to {TOO_LONG}",
    "topic add " + "ß" * 150,  # 150 characters, but its key (as stored) has 300
])
def test_a_name_over_the_limit_is_refused_and_nothing_is_written(chat: Chat, command: str) -> None:
    before = counts(chat.engine)

    reply = chat.say("grace", command)

    assert reply.kind is ReplyKind.invalid and reply.note == "name_too_long"
    assert f"at most {limits.TOPIC_NAME} characters" in text(reply)
    assert counts(chat.engine) == before


def test_a_name_at_the_limit_is_kept_whole_with_its_spaces_trimmed_and_exports_back_unchanged(
    chat: Chat, tmp_path: Path,
) -> None:
    assert chat.say("grace", f"topic add   {LONGEST}   ").note == "topic_added"
    assert chat.say("grace", f'topic alias "{LONGEST}" " {LONGEST[:-1]}z "').note == "alias_added"

    assert names(chat.engine) == [LONGEST]
    with read_session(chat.engine) as session:
        aliases = list(session.execute(select(TopicAlias.alias).where(TopicAlias.alias.like("Quarterly%"))).scalars())
        exported = export_directory(session, NOW)
    assert aliases == [LONGEST[:-1] + "z"]
    dump_directory_file(exported, tmp_path / "org.yaml")
    with read_session(chat.engine) as session:
        assert plan_import(session, load_directory_file(tmp_path / "org.yaml"), now=NOW).is_empty


def test_a_file_with_a_name_over_the_limit_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(f"topics:\n  - name: Tax\n  - name: {TOO_LONG}\n  - name: Fees\n    aliases: ['{'ß' * 150}']\n",
                    encoding="utf-8")

    with pytest.raises(Exception) as raised:
        load_directory_file(path)

    assert raised.value.errors == [
        f"line 3: topic '{TOO_LONG}': field 'name': String should have at most {limits.TOPIC_NAME} characters",
        f"line 5: topic 'Fees': field 'aliases': '{'ß' * 40}' is longer than {limits.TOPIC_NAME} characters",
    ]
