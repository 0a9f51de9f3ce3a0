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


def test_answered_events_are_marked_done_with_the_flush_and_kept_while_the_store_is_down(engine: Engine) -> None:
    from datetime import timedelta

    from store import inbound_events as events
    from store.db import write_session
    from store.models import InboundEvent

    with write_session(engine) as session:
        assert events.claim(session=session, platform="slack", event_id="Ev1", now=NOW, lease=timedelta(seconds=60))
    log = QuestionLog(engine)
    log.event_done("slack", "Ev1")

    with store_down(engine), pytest.raises(Exception):
        log.flush()
    log.flush()

    with read_session(engine) as session:
        assert session.execute(select(InboundEvent.done)).scalars().all() == [True]
    with write_session(engine) as session:  # done: a late retry is turned away for good
        later = NOW + timedelta(hours=1)
        assert not events.claim(session=session, platform="slack", event_id="Ev1", now=later, lease=timedelta(seconds=60))


def test_where_a_person_last_asked_is_written_when_it_changes_not_on_every_flush(engine: Engine) -> None:
    from store.models import Person
    from tests.statements import counting

    load_demo(engine)
    with read_session(engine) as session:
        person_id = session.execute(select(Person.id).order_by(Person.id)).scalars().first()
    log = QuestionLog(engine)

    def flush_one(platform: str) -> list[str]:
        log.add(Question(asked_at=NOW, platform=platform, user_id="U0LOG", person_id=person_id, text="x",
                         outcome="unknown"))
        with counting(engine, ignore=("question",)) as tally:
            log.flush()
        return tally.writes

    assert len(flush_one("slack")) == 1
    assert flush_one("slack") == []  # written already: no UPDATE each second
    assert len(flush_one("teams")) == 1
    log.forget_platform(person_id)  # a command wrote it meanwhile
    assert len(flush_one("teams")) == 1


def test_answered_events_are_marked_done_when_a_question_in_their_batch_is_refused(engine: Engine) -> None:
    """A refused question is dropped; the done marks beside it are written (each on its own), so
    the platform's retry of those events is turned away rather than answered again."""
    from datetime import timedelta

    from store import inbound_events as events
    from store.db import write_session
    from store.models import InboundEvent

    with write_session(engine) as session:
        for event_id in ("Ev1", "Ev2"):
            assert events.claim(session=session, platform="slack", event_id=event_id, now=NOW,
                                lease=timedelta(seconds=60))
    log = QuestionLog(engine)
    log.add(entry("refused", platform=None))
    log.event_done("slack", "Ev1")
    log.event_done("slack", "Ev2")

    assert log.flush() == 0

    with read_session(engine) as session:
        assert session.execute(select(InboundEvent.done)).scalars().all() == [True, True]
