"""Engine, sessions and migrations behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, func, select

from store.db import SQLITE_BUSY_TIMEOUT_MS, read_session, write_session
from store.migrate import current_revision, head_revision, is_current, upgrade
from store.models import DirectoryState, Person, TopicAlias, utcnow


def _count_people(engine: Engine) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(Person)).one()


def test_migrations_bring_an_empty_database_to_head_and_a_second_run_changes_nothing(
    empty_engine: Engine,
) -> None:
    assert current_revision(empty_engine) is None
    assert not is_current(empty_engine)

    upgrade(empty_engine)
    assert is_current(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables

    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert set(inspect(empty_engine).get_table_names()) == tables


def test_the_models_match_the_migrated_schema(engine: Engine) -> None:
    # Fails when a model changes without a migration (or the other way round).
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(
    sqlite_engine: Engine,
) -> None:
    with sqlite_engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
        assert pragma("foreign_keys") == 1


def test_a_row_pointing_at_a_missing_topic_is_refused(engine: Engine) -> None:
    with pytest.raises(IntegrityError):
        with write_session(engine) as session:
            session.add(TopicAlias(topic_id=999, alias="nope", key="nope"))


def test_write_session_rolls_everything_back_when_the_block_raises(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with write_session(engine) as session:
            session.add(Person(email="ada@example.com", name="Ada"))
            session.flush()  # the row really reaches the database before the error
            raise RuntimeError("boom")
    assert _count_people(engine) == 0


def test_two_threads_writing_to_one_sqlite_file_both_succeed(sqlite_engine: Engine) -> None:
    # Read-then-write in one transaction is what makes deferred SQLite transactions
    # fail with "database is locked"; BEGIN IMMEDIATE makes the second writer wait.
    rounds, workers = 40, 2
    with write_session(sqlite_engine) as session:
        session.add(DirectoryState(id=1, version=0))
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(rounds):
                barrier.wait(timeout=10)
                with write_session(sqlite_engine) as session:
                    state = session.get(DirectoryState, 1)
                    assert state is not None
                    state.version += 1
                    session.add(state)
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=bump) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with read_session(sqlite_engine) as session:
        state = session.get(DirectoryState, 1)
        # No lost updates: every increment was serialised.
        assert state is not None and state.version == rounds * workers


def test_aware_datetimes_come_back_as_the_same_instant_in_utc(engine: Engine) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    created = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=india)
    now = utcnow()
    with write_session(engine) as session:
        session.add(Person(email="ada@example.com", name="Ada", created_at=created))
        session.add(Person(email="bob@example.com", name="Bob", created_at=now))
    with read_session(engine) as session:
        stored = {p.email: p.created_at for p in session.exec(select(Person))}
    for sent, got in ((created, stored["ada@example.com"]), (now, stored["bob@example.com"])):
        assert got == sent
        assert got.utcoffset() == timedelta(0)
