"""A topic has exactly one current POC, whatever concurrent assigns do, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.core import Bot
from bot.messages import Actor, Reply, ReplyKind, Request
from store.db import make_engine, read_session, write_session
from store.migrate import upgrade
from store.models import Assignment, AssignmentKind, Person, Topic
from tests.harness import NOW

ADMINS = ("ann@acme.test", "ben@acme.test")
HOLDERS = ("x@acme.test", "y@acme.test", "z@acme.test")
BEFORE = NOW - timedelta(days=30)


def directory(engine: Engine) -> tuple[int, dict[str, int]]:
    """Two admins, three people, and Payments held by the first of them; (topic id, ids by email)."""
    with write_session(engine) as session:
        people = {e: Person(email=e, name=e.split("@")[0].title()) for e in (*ADMINS, *HOLDERS)}
        session.add_all(people.values())
        topic = Topic(name="Payments", key="payment", created_at=BEFORE)
        session.add(topic)
        session.flush()
        session.add(Assignment(topic_id=topic.id, person_id=people[HOLDERS[0]].id,
                               kind=AssignmentKind.primary, starts_at=BEFORE))
        return topic.id, {e: p.id for e, p in people.items()}


def open_primaries(engine: Engine, topic_id: int) -> list[int]:
    with read_session(engine) as session:
        query = select(Assignment.person_id).where(
            Assignment.topic_id == topic_id, Assignment.kind == AssignmentKind.primary, Assignment.ends_at.is_(None))
        return list(session.execute(query).scalars())


def ticking() -> Callable[[], datetime]:
    """A clock that moves like the real one, from NOW: time is an input, yet it runs."""
    started = time.monotonic()
    return lambda: NOW + timedelta(seconds=time.monotonic() - started)


def second_engine(engine: Engine) -> Engine:
    return make_engine(engine.url.render_as_string(hide_password=False))


def at_once(*jobs: Callable[[], Reply]) -> list[Reply]:
    """Run each job in its own thread, released together; their replies in job order."""
    barrier, replies = threading.Barrier(len(jobs)), [None] * len(jobs)

    def run(index: int) -> None:
        barrier.wait(timeout=10)
        replies[index] = jobs[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return replies


def test_two_admins_on_two_replicas_racing_leave_exactly_one_poc_and_both_replies_are_true(engine: Engine) -> None:
    topic_id, ids = directory(engine)
    other = second_engine(engine)
    clock = ticking()
    bots = [Bot(e, clock=clock, admins=frozenset(ADMINS), semantic=False) for e in (engine, other)]
    email_of = {v: k for k, v in ids.items()}
    holder = HOLDERS[0]
    try:
        for _ in range(25):
            mine, theirs = [h for h in HOLDERS if h != holder]

            def job(bot: Bot, admin: str, person: str) -> Callable[[], Reply]:
                actor = Actor("console", admin, email=admin)
                return lambda: bot.handle(Request(f"assign payments {person}", actor))

            replies = at_once(job(bots[0], ADMINS[0], mine), job(bots[1], ADMINS[1], theirs))

            assert [r.kind for r in replies] == [ReplyKind.done, ReplyKind.done], replies
            now_held = open_primaries(engine, topic_id)
            assert len(now_held) == 1
            last = email_of[now_held[0]]
            loser = replies[[mine, theirs].index(last)]
            winner = replies[1 - [mine, theirs].index(last)]
            winner_person = theirs if last == mine else mine
            # The winner replaced the previous holder; the loser replaced the winner and says so.
            assert winner.note == "assigned" and winner.values["previous"].email == holder
            assert loser.note == "assigned" and loser.values["previous"].email == winner_person
            holder = last
    finally:
        other.dispose()


def test_the_store_refuses_a_second_open_primary_for_a_topic(engine: Engine) -> None:
    topic_id, ids = directory(engine)
    with pytest.raises(IntegrityError):
        with write_session(engine) as session:
            session.execute(insert(Assignment).values(
                topic_id=topic_id, person_id=ids[HOLDERS[1]], kind=AssignmentKind.primary, starts_at=NOW))
    with write_session(engine) as session:  # a closed one, a backup, a scheduled one after a closed one: fine
        session.execute(insert(Assignment).values(
            topic_id=topic_id, person_id=ids[HOLDERS[1]], kind=AssignmentKind.primary, starts_at=BEFORE,
            ends_at=NOW))
        session.execute(insert(Assignment).values(
            topic_id=topic_id, person_id=ids[HOLDERS[2]], kind=AssignmentKind.backup, starts_at=NOW))
    assert open_primaries(engine, topic_id) == [ids[HOLDERS[0]]]


def test_the_migration_closes_the_older_of_two_open_primaries(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0011")  # the revision before the one under test
    older, newer = datetime(2030, 1, 1, tzinfo=timezone.utc), datetime(2030, 2, 1, tzinfo=timezone.utc)
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO person (id, email, name, role, created_at) VALUES "
                          "(1, 'x@acme.test', 'X', 'member', :at), (2, 'y@acme.test', 'Y', 'member', :at)"),
                     {"at": older})
        conn.execute(text("INSERT INTO topic (id, name, key, description, created_at) "
                          "VALUES (1, 'Payments', 'payment', '', :at)"), {"at": older})
        for row_id, person, start in ((1, 1, older), (2, 2, newer)):
            conn.execute(text("INSERT INTO assignment (id, topic_id, person_id, kind, position, starts_at, "
                              "created_by, reason) VALUES (:id, 1, :p, 'primary', 0, :s, 'test', '')"),
                         {"id": row_id, "p": person, "s": start})

    upgrade(empty_engine)

    with read_session(empty_engine) as session:
        rows = {r.id: r.ends_at for r in session.execute(select(Assignment)).scalars()}
    assert rows[2] is None
    assert rows[1] is not None and rows[1].replace(tzinfo=timezone.utc) == newer


def test_a_replica_whose_clock_runs_behind_still_replaces_the_poc_another_one_just_set(engine: Engine) -> None:
    topic_id, ids = directory(engine)
    ahead = Bot(engine, clock=lambda: NOW + timedelta(minutes=1), admins=frozenset(ADMINS), semantic=False)
    behind = Bot(engine, clock=lambda: NOW, admins=frozenset(ADMINS), semantic=False)
    ann, ben = (Actor("console", a, email=a) for a in ADMINS)

    ahead.handle(Request(f"assign payments {HOLDERS[1]}", ann))
    reply = behind.handle(Request(f"assign payments {HOLDERS[2]}", ben))

    assert reply.note == "assigned" and reply.values["previous"].email == HOLDERS[1]
    assert open_primaries(engine, topic_id) == [ids[HOLDERS[2]]]
