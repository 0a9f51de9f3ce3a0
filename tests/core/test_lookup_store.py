"""Lookups against each store: SQLite and a real PostgreSQL give the same answers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.core import Bot
from bot.messages import ReplyKind
from integrations.bootstrap import DEMO_FILE
from integrations.files.importing import import_file
from store.db import write_session
from store.directory import bump_version, set_primary
from store.models import Person, Topic
from sqlmodel import select


def test_lookups_answer_the_same_on_every_store(engine):
    import_file(engine, DEMO_FILE, actor="test")
    bot = Bot(engine)

    assert bot.lookup("who is the POC for travel?").answer.primary.email == "pablo@acme.test"
    assert bot.lookup("amex").answer.inherited_from == "Finance"
    assert bot.lookup("recievables").answer.primary.email == "rosa@acme.test"
    assert bot.lookup("benefits").kind is ReplyKind.suggestions


def test_a_change_in_the_store_is_seen_by_the_next_question_without_a_restart(engine):
    import_file(engine, DEMO_FILE, actor="test")
    bot = Bot(engine)
    assert bot.lookup("travel").answer.primary.email == "pablo@acme.test"

    with write_session(engine) as session:
        travel = session.exec(select(Topic).where(Topic.name == "Travel")).one()
        rosa = session.exec(select(Person).where(Person.email == "rosa@acme.test")).one()
        set_primary(session=session, topic_id=travel.id, person_id=rosa.id, actor="test", reason="", now=datetime.now(timezone.utc))
        bump_version(session=session)

    assert bot.lookup("travel").answer.primary.email == "rosa@acme.test"


def test_a_past_date_is_answered_with_who_held_the_topic_then(engine):
    import_file(engine, DEMO_FILE, actor="test")
    bot = Bot(engine)
    before = datetime.now(timezone.utc) - timedelta(days=1)

    assert bot.lookup("travel", at=before).answer.primary is None
