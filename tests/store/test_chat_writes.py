"""The store functions chat commands call (issue 11 moved them out of bot/), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine
from sqlmodel import select

from store import absences, inquiries, subscriptions, topics
from store.db import read_session, write_session
from store.models import Absence, Inquiry, Person, Subscription

NOW = datetime(2030, 3, 4, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def test_a_key_is_taken_by_a_name_or_an_alias_and_a_tag_is_known_once_used(engine: Engine) -> None:
    with write_session(engine) as session:
        topic = topics.add(session=session, name="Laptops", key="laptops", parent_id=None, now=NOW)
        topics.add_alias(session=session, topic_id=topic.id, alias="Notebooks", key="notebooks")
    with read_session(engine) as session:
        assert topics.key_taken(session=session, key="laptops")
        assert topics.key_taken(session=session, key="notebooks")
        assert not topics.key_taken(session=session, key="phones")
        assert not topics.tag_known(session=session, tag="hardware")


def test_a_channel_subscribes_once_and_unsubscribes(engine: Engine) -> None:
    where = {"platform": "slack", "channel": "C1"}
    with write_session(engine) as session:
        for _ in range(2):
            subscriptions.add(session=session, **where, kind="tag", target="hw", actor="ana@acme.test", now=NOW)
        subscriptions.add(session=session, **where, kind="all", target="", actor="ana@acme.test", now=NOW)
    with write_session(engine) as session:
        assert len(session.exec(select(Subscription)).all()) == 2
        subscriptions.remove(session=session, **where, kind="tag", target="hw")
        assert [s.target_kind for s in session.exec(select(Subscription))] == ["all"]
        subscriptions.remove_all(session=session, **where)
        assert session.exec(select(Subscription)).all() == []


def test_back_ends_only_the_absences_under_way(engine: Engine) -> None:
    with write_session(engine) as session:
        person = Person(email="dan@acme.test", name="Dan")
        session.add(person)
        session.flush()
        absences.start(session=session, person_id=person.id, delegate_id=None, now=NOW - DAY, until=NOW + DAY)
        absences.start(session=session, person_id=person.id, delegate_id=None, now=NOW + 2 * DAY, until=NOW + 3 * DAY)
        person_id = person.id
    with write_session(engine) as session:
        assert absences.end_current(session=session, person_id=person_id, now=NOW) == 1
        assert absences.end_current(session=session, person_id=person_id, now=NOW) == 0
    with read_session(engine) as session:
        ends = sorted(a.ends_at.replace(tzinfo=timezone.utc) for a in session.exec(select(Absence)))
        assert ends == [NOW, NOW + 3 * DAY]


def test_waiting_inquiries_are_counted_and_told_apart(engine: Engine) -> None:
    with write_session(engine) as session:
        dan, eve = Person(email="dan@acme.test", name="Dan"), Person(email="eve@acme.test", name="Eve")
        topic = topics.add(session=session, name="Laptops", key="laptops", parent_id=None, now=NOW)
        session.add_all([dan, eve])
        session.flush()
        rows = [inquiries.add(session=session, inquiry=Inquiry(
            topic_id=topic.id, assignee_person_id=who.id, asker_platform="slack", asker_user_id="U1",
            question="why?", status=status, created_at=NOW)) for who, status in
            ((dan, "open"), (dan, "answered"), (eve, "acknowledged"))]
        ids, dan_id = [r.id for r in rows], dan.id
    with read_session(engine) as session:
        assert inquiries.waiting_count(session=session, person_id=dan_id) == 1
        assert inquiries.still_waiting(session=session, inquiry_ids=ids) == {ids[0], ids[2]}
        assert inquiries.still_waiting(session=session, inquiry_ids=ids, assignee=dan_id) == {ids[0]}
