"""The batched log of lookups on SQLite and PostgreSQL: text a store refuses never reaches it,
and one row it refuses never holds up the others."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.messages import Actor, ReplyKind, Request
from bot.question_log import QuestionLog
from store.db import read_session
from store.models import Question
from tests.fakes.store import store_down
from tests.harness import NOW, Clock, load_demo

ASKER = Actor("slack", "U0NUL")


def logged(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return list(session.execute(select(Question.text).order_by(Question.id)).scalars())


def lookup(bot: Bot, text: str) -> ReplyKind:
    reply = bot.handle(Request(text, ASKER))
    bot.record(ASKER, text, reply)  # as the adapters do, with the text as it came
    return reply.kind


def entry(text: str, platform: str | None = "slack") -> Question:
    return Question(asked_at=NOW, platform=platform, user_id="U0LOG", text=text, outcome="unknown")


@pytest.mark.parametrize("text", ["pay\x00roll", "payroll\ud800", "\x00payroll\x00"])
def test_a_lookup_with_a_character_the_store_refuses_is_answered_logged_and_the_log_goes_on(
    engine: Engine, text: str,
) -> None:
    bot = Bot(load_demo(engine), clock=Clock(NOW), semantic=False)

    assert lookup(bot, text) is ReplyKind.answer
    assert bot.flush() == 1
    assert lookup(bot, "who is the POC for payroll?") is ReplyKind.answer
    assert bot.flush() == 1

    assert logged(engine) == ["payroll", "who is the POC for payroll?"]
    assert [what for _, what, _ in bot.home(ASKER).recent] == ["who is the POC for payroll?", "payroll"]


def test_a_batch_the_store_refuses_is_written_row_by_row_and_the_next_batch_is_written(engine: Engine) -> None:
    log = QuestionLog(engine)
    for row in (entry("first"), entry("refused", platform=None), entry("third")):
        log.add(row)

    assert log.flush() == 2  # the refused row is dropped, not retried for ever
    log.add(entry("next"))
    assert log.flush() == 1

    assert logged(engine) == ["first", "third", "next"]


def test_while_the_store_is_down_the_log_keeps_its_rows_for_the_next_flush(engine: Engine) -> None:
    log = QuestionLog(engine)
    log.add(entry("while down"))

    with store_down(engine), pytest.raises(Exception):
        log.flush()
    assert log.flush() == 1

    assert logged(engine) == ["while down"]
