"""Shared fixtures: a throwaway PostgreSQL 15 cluster and migrated SQLite/PostgreSQL engines."""
from __future__ import annotations

import glob
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url
from sqlalchemy.engine import Engine

from bot.core import Bot
from integrations.platforms import register_platforms
from store.db import make_engine
from store.migrate import upgrade

register_platforms()  # as every entry point's bootstrap does: tests build the Bot directly

_LOGGER = logging.getLogger(__name__)
_TEMPLATE_DB = "pocbot_template"


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    # Debian/Ubuntu keep the server binaries off PATH.
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as_postgres(args: list[str], cwd: str) -> None:
    # initdb and pg_ctl refuse to run as root, and CI runs as root.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(prefix + args, cwd=cwd, check=True, capture_output=True, text=True)


def _with_db(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _sql(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE, which cannot run inside a transaction, on the `postgres` db."""
    parts = make_url(url)
    with psycopg.connect(host=parts.host, port=parts.port, user=parts.username,
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Start a private PostgreSQL cluster for the session; yield a URL to a database in it."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        # On CI the store must really be tested on PostgreSQL: a silent skip would hide it.
        if os.environ.get("CI"):
            pytest.fail("CI needs PostgreSQL's initdb and pg_ctl on PATH")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH")
    # Not tmp_path: it lies under a root-only folder the postgres user cannot enter.
    root = tempfile.mkdtemp(prefix="pocbot-pg-")
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")
    data, log, port = f"{root}/data", f"{root}/log", _free_port()
    started = time.monotonic()
    try:
        _run_as_postgres(
            [initdb, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--no-locale", "--no-sync"],
            cwd=root,
        )
        options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        _run_as_postgres([pg_ctl, "-D", data, "-l", log, "-w", "-o", options, "start"], cwd=root)
    except subprocess.CalledProcessError as exc:
        log_text = Path(log).read_text() if Path(log).exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr}\n{log_text}") from exc
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/pocbot"
    try:
        _sql(url, "CREATE DATABASE pocbot")
        _LOGGER.info("PostgreSQL ready in %.2fs", time.monotonic() - started)
        yield url
    finally:
        try:
            _run_as_postgres([pg_ctl, "-D", data, "-m", "immediate", "stop"], cwd=root)
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def _postgres_template(postgres_url: str) -> str:
    """A migrated database that per-test databases are cloned from (cheaper than migrating)."""
    _sql(postgres_url, f"CREATE DATABASE {_TEMPLATE_DB}")
    engine = make_engine(_with_db(postgres_url, _TEMPLATE_DB))
    try:
        upgrade(engine)
    finally:
        # CREATE DATABASE ... TEMPLATE needs the template to have no connections.
        engine.dispose()
    return _TEMPLATE_DB


@pytest.fixture
def new_postgres_engine(postgres_url: str) -> Iterator[Callable[..., Engine]]:
    """Factory for fresh databases on the cluster (cloned from `template`); all dropped after."""
    created: list[tuple[str, Engine]] = []

    def create(template: str = "template1") -> Engine:
        name = f"t_{uuid.uuid4().hex[:12]}"
        _sql(postgres_url, f"CREATE DATABASE {name} TEMPLATE {template}")
        engine = make_engine(_with_db(postgres_url, name))
        created.append((name, engine))
        return engine

    yield create
    for name, engine in created:
        engine.dispose()
        _sql(postgres_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _sqlite_file_engine(path: Path) -> Engine:
    return make_engine(f"sqlite:///{path}")


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database in a file, so WAL and multiple connections are real."""
    engine = _sqlite_file_engine(tmp_path / "pocbot.db")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a brand-new database with no schema at all."""
    if request.param == "sqlite":
        engine = _sqlite_file_engine(tmp_path / "empty.db")
        yield engine
        engine.dispose()
    else:
        yield request.getfixturevalue("new_postgres_engine")()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A fresh, migrated engine on each backend."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_engine")
        return
    template = request.getfixturevalue("_postgres_template")
    engine = request.getfixturevalue("new_postgres_engine")(template)
    upgrade(engine)  # a no-op on a migrated clone, kept so the fixture never serves a stale schema
    yield engine


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite store holding the demo organisation, shared read-only by lookup tests."""
    from integrations.bootstrap import DEMO_FILE
    from integrations.files.importing import import_file

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    import_file(engine, DEMO_FILE, actor="test")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_bot(demo_engine: Engine) -> Bot:
    return Bot(demo_engine)
