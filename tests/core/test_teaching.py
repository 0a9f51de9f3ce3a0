"""teach / forget: phrasings that point to a topic, who may teach them, and what bad input does."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.messages import ReplyKind, Request
from store.db import read_session
from store.models import AuditEntry, TopicExample
from tests.core.test_commands import Chat, chat, counts, grown, store, text, topic_id  # noqa: F401 (fixtures)

PHRASE = "the thing under my desk keeps beeping"


def examples(engine: Engine) -> list[tuple[str, str, str]]:
    with read_session(engine) as session:
        rows = session.execute(select(TopicExample.text, TopicExample.source, TopicExample.created_by)).all()
    return [tuple(row) for row in rows]


def test_an_admin_teaches_a_phrasing_and_the_next_person_who_asks_that_way_gets_the_poc(chat: Chat) -> None:
    before = chat.lookup(PHRASE)
    assert before.kind is not ReplyKind.answer  # nothing says so yet

    reply = chat.say("grace", f'teach "{PHRASE}" IT')

    assert reply.kind is ReplyKind.done and "IT" in text(reply)
    assert examples(chat.engine) == [(PHRASE, "taught", "grace@acme.test")]
    answer = chat.lookup(PHRASE)
    assert answer.kind is ReplyKind.answer and answer.answer.topic == "IT"
    assert answer.answer.why is not None and answer.answer.why.kind in ("example", "meaning")


def test_teaching_is_kept_in_the_audit_log_and_forget_takes_it_back(chat: Chat) -> None:
    chat.say("grace", f'teach "{PHRASE}" IT')

    reply = chat.say("grace", f"forget “{PHRASE}”")

    assert reply.kind is ReplyKind.done
    assert examples(chat.engine) == []
    with read_session(chat.engine) as session:
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.action.like("topic.%"))).scalars().all()
    assert "topic.taught" in actions and "topic.forget" in actions


def test_a_member_may_not_teach_and_nothing_is_kept(chat: Chat) -> None:
    reply = chat.say("bob", f'teach "{PHRASE}" IT')

    assert reply.kind is ReplyKind.refused
    assert examples(chat.engine) == []


@pytest.mark.parametrize("command", [
    'teach "" IT', 'teach "the of and" IT', f'teach "{"x" * 400}" IT', 'teach "docking station"',
    'forget', 'forget "never taught"',
])
def test_bad_teach_and_forget_commands_get_usage_and_change_nothing(chat: Chat, command: str) -> None:
    before = counts(chat.engine)

    reply = chat.say("grace", command)

    assert reply.kind in (ReplyKind.invalid, ReplyKind.answer, ReplyKind.unknown, ReplyKind.suggestions)
    assert grown(before, counts(chat.engine)) == {}
    assert examples(chat.engine) == []


def test_teaching_a_topic_that_does_not_exist_suggests_and_keeps_nothing(chat: Chat) -> None:
    reply = chat.say("grace", 'teach "docking station" Hardwear Team')

    assert reply.kind is ReplyKind.invalid
    assert examples(chat.engine) == []


def test_a_word_after_teach_that_is_not_quoted_is_a_lookup(chat: Chat) -> None:
    reply = chat.say("bob", "teaching hospital")

    assert reply.kind in (ReplyKind.unknown, ReplyKind.suggestions, ReplyKind.answer)


def test_a_pick_from_a_close_call_by_a_directory_person_teaches_the_phrasing(chat: Chat) -> None:
    close = chat.say("bob", "benefits")
    assert close.kind is ReplyKind.suggestions and close.choices
    health = next(c for c in close.choices if c.topic == "Health Benefits")

    picked = chat.bot.pick(chat_actor("bob"), health.topic_id, close.query)

    assert picked.answer is not None and picked.answer.topic == "Health Benefits"
    assert examples(chat.engine) == [("benefits", "picked", "bob@acme.test")]


def test_a_forged_pick_of_a_topic_that_was_not_offered_answers_but_teaches_nothing(chat: Chat) -> None:
    close = chat.say("bob", "benefits")
    travel = topic_id(chat.engine, "Travel")
    assert travel not in {c.topic_id for c in close.choices}

    reply = chat.bot.pick(chat_actor("bob"), travel, "benefits")

    assert reply.answer is not None and reply.answer.topic == "Travel"
    assert examples(chat.engine) == []


def chat_actor(name: str):
    from bot.messages import Actor

    email = f"{name}@acme.test"
    return Actor("console", email, email=email)


def test_stats_show_admins_how_to_teach_each_phrasing_that_found_nothing(chat: Chat) -> None:
    asker = chat_actor("bob")
    for _ in range(2):
        reply = chat.bot.handle(Request("who looks after the zorblax frobnicator", asker))
        chat.bot.record(asker, "who looks after the zorblax frobnicator", reply)

    admin_view = text(chat.say("grace", "stats"))
    member_view = text(chat.say("bob", "stats"))

    assert 'teach "zorblax frobnicator' in admin_view and "×2" in admin_view
    assert "teach" not in member_view and "zorblax frobnicator" in member_view


def test_a_manager_cannot_teach_another_topics_name_to_their_own_topic(chat: Chat) -> None:
    reply = chat.say("grace", 'teach "payroll" Travel')

    assert reply.kind is ReplyKind.invalid and "Payroll" in text(reply)
    assert examples(chat.engine) == []
    assert chat.lookup("payroll").answer.topic == "Payroll"


def test_a_phrasing_taught_to_one_topic_is_not_taught_to_another(chat: Chat) -> None:
    chat.say("grace", f'teach "{PHRASE}" IT')

    reply = chat.say("grace", f'teach "{PHRASE}" Travel')

    assert reply.kind is ReplyKind.invalid
    assert [e[0] for e in examples(chat.engine)] == [PHRASE]


@pytest.mark.parametrize("command", ['teach "who\'s on the dock" IT', "teach “who’s on the dock” IT"])
def test_a_phrasing_may_hold_an_apostrophe(chat: Chat, command: str) -> None:
    reply = chat.say("grace", command)

    assert reply.kind is ReplyKind.done
    assert examples(chat.engine)[0][0] in ("who's on the dock", "who’s on the dock")


def test_a_phrasing_with_a_semicolon_is_refused_so_csv_exports_keep_working(chat: Chat) -> None:
    reply = chat.say("grace", 'teach "printer; scanner" IT')

    assert reply.kind is ReplyKind.invalid and examples(chat.engine) == []
