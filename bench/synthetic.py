"""A reproducible synthetic directory (topics, aliases, people, POCs) in a SQLite file."""
from __future__ import annotations

import random
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import words as w
from bot.understanding.text import topic_key
from store.db import make_engine
from store.migrate import upgrade

GENERATOR_VERSION = 4  # bump when the generated data changes, so old files are rebuilt
_BATCH = 20_000
_EPOCH = datetime(2022, 1, 1, tzinfo=timezone.utc)
Pattern = Callable[[random.Random], tuple[str, "str | None"]]


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    parent_key: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Directory:
    """What the bench needs to know about the stored directory to ask and to check."""

    names: list[tuple[int, str]]  # (topic id, name)
    aliases: list[tuple[int, str]]  # (topic id, alias)
    owner: dict[str, int]  # topic_key of every name and alias -> topic id
    primary: dict[int, int]  # topic id -> current primary POC's person id


# --- names -----------------------------------------------------------------------------

def _area(rng: random.Random) -> tuple[str, str]:
    return rng.choice(w.DOMAINS), rng.choice(w.FUNCTIONS)


def _p_area(rng: random.Random) -> tuple[str, str | None]:
    domain, function = _area(rng)
    return f"{domain} {function}", domain


def _p_region_area(rng: random.Random) -> tuple[str, str | None]:
    domain, function = _area(rng)
    return f"{rng.choice(w.REGIONS)} {domain} {function}", f"{domain} {function}"


def _p_audience_area(rng: random.Random) -> tuple[str, str | None]:
    domain, function = _area(rng)
    return f"{domain} {function} for {rng.choice(w.AUDIENCES)}", f"{domain} {function}"


def _p_qualified_area(rng: random.Random) -> tuple[str, str | None]:
    domain, function = _area(rng)
    return f"{rng.choice(w.QUALIFIERS)} {domain} {function}", f"{domain} {function}"


def _p_component(rng: random.Random) -> tuple[str, str | None]:
    product = rng.choice(w.PRODUCTS)
    return f"{product} {rng.choice(w.COMPONENTS)}", product


def _p_region_component(rng: random.Random) -> tuple[str, str | None]:
    name, _ = _p_component(rng)
    return f"{rng.choice(w.REGIONS)} {name}", name


def _p_office(rng: random.Random) -> tuple[str, str | None]:
    site = rng.choice(w.SITES)
    return f"{site} Office {rng.choice(w.FACILITIES)}", f"{site} Office"


_PATTERNS: list[tuple[Pattern, float]] = [
    (lambda rng: (rng.choice(w.PRODUCTS), None), 0.1),
    (lambda rng: (rng.choice(w.DOMAINS), None), 0.3),
    (lambda rng: (f"{rng.choice(w.SITES)} Office", None), 0.1),
    (_p_area, 12), (_p_region_area, 35), (_p_audience_area, 12), (_p_qualified_area, 18),
    (_p_component, 5), (_p_region_component, 15), (_p_office, 3),
]


def _acceptable(key: str) -> bool:
    """No word twice ('Customer Customer Support') and nothing the parser would peel off."""
    parts = key.split()
    return len(set(parts)) == len(parts) and not set(parts) & w.PARSER_WORDS


def generate_names(count: int, rng: random.Random) -> dict[str, tuple[str, str | None]]:
    """count distinct names by topic_key -> (name, parent's key or None)."""
    patterns, weights = zip(*_PATTERNS)
    names: dict[str, tuple[str, str | None]] = {}
    for _ in range(count * 50):
        if len(names) == count:
            return names
        name, parent = rng.choices(patterns, weights)[0](rng)
        key = topic_key(name)
        if key not in names and _acceptable(key):
            keep_parent = parent is not None and rng.random() < 0.7
            names[key] = (name, topic_key(parent) if keep_parent else None)
    raise ValueError(f"could only make {len(names)} distinct names; ask for fewer topics")


# --- aliases ---------------------------------------------------------------------------

def _word_swaps(table: dict[str, str]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(rf"\b{re.escape(old)}\b"), new) for old, new in table.items()]


_SWAPS = _word_swaps(w.ABBREVIATIONS) + _word_swaps(w.REGION_SYNONYMS)
_LEADING = re.compile(rf"^({'|'.join(map(re.escape, w.REGIONS + w.QUALIFIERS))}) (.+)$")
_AUDIENCE = re.compile(r"^(.+) for (.+)$")
_OFFICE = re.compile(r"^(.+) Office (.+)$")


def _alias_candidates(name: str) -> Iterator[str]:
    """Ways people really write a topic: abbreviations, synonyms, reordered qualifiers."""
    for pattern, new in _SWAPS:
        if pattern.search(name):
            yield pattern.sub(new, name)
    if match := _LEADING.match(name):
        yield f"{match[2]} ({match[1]})"
    if match := _AUDIENCE.match(name):
        yield f"{match[1]} - {match[2]}"
    if match := _OFFICE.match(name):
        yield f"{match[2]} {match[1]}"
    initials = [part[0] for part in re.findall(r"[A-Za-z]\w*", name) if part != "for"]
    if 3 <= len(initials) <= 4:
        yield "".join(initials).upper()


def _aliases_for(name: str, want: int, used: set[str], rng: random.Random) -> tuple[str, ...]:
    """Up to want new aliases; '<name> Team'-style ones only when nothing else is free."""
    candidates = list(_alias_candidates(name))
    rng.shuffle(candidates)
    chosen = _claim(candidates, want, used)
    if not chosen:
        chosen = _claim([f"{name} {word}" for word in rng.sample(w.TEAM_WORDS, 3)], 1, used)
    return tuple(chosen)


def _claim(candidates: list[str], want: int, used: set[str]) -> list[str]:
    chosen: list[str] = []
    for alias in candidates:
        key = topic_key(alias)
        if len(chosen) < want and key and key not in used and _acceptable(key):
            used.add(key)
            chosen.append(alias)
    return chosen


def generate_topics(count: int, rng: random.Random) -> list[Topic]:
    """Topics in random order (their ids), 1-3 aliases each, unique by key across all texts."""
    names = generate_names(count, rng)
    used = set(names)
    topics = [
        Topic(name, key, parent if parent in names else None,
              _aliases_for(name, rng.choice((1, 1, 2, 2, 3)), used, rng))
        for key, (name, parent) in names.items()
    ]
    rng.shuffle(topics)
    return topics


# --- rows ------------------------------------------------------------------------------

def _when(rng: random.Random, days: int = 1000) -> datetime:
    return _EPOCH + timedelta(days=rng.randrange(days), seconds=rng.randrange(86_400))


def _person_rows(count: int, rng: random.Random) -> Iterator[dict]:
    seen: dict[str, int] = {}
    for pid in range(1, count + 1):
        first, last = rng.choice(w.FIRST_NAMES), rng.choice(w.LAST_NAMES)
        handle = f"{first}.{last}".lower()
        seen[handle] = seen.get(handle, 0) + 1
        suffix = "" if seen[handle] == 1 else str(seen[handle])
        yield {
            "id": pid, "email": f"{handle}{suffix}@acme.test", "name": f"{first} {last}",
            "slack_id": f"U{pid:09X}", "teams_id": f"29:1{pid:012x}" if pid % 5 else None,
            "timezone": rng.choice(w.TIMEZONES), "created_at": _when(rng),
            "role": rng.choices(("member", "manager", "admin"), (88, 10, 2))[0],
        }


def _topic_rows(topics: list[Topic], rng: random.Random) -> Iterator[dict]:
    ids = {t.key: i for i, t in enumerate(topics, start=1)}
    for tid, t in enumerate(topics, start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", t.name.lower()).strip("-")[:60]
        yield {
            "id": tid, "name": t.name, "key": t.key, "parent_id": ids.get(t.parent_key),
            "description": rng.choice(("", f"Everything about {t.name}.", f"Questions on {t.name}.")),
            "channel": f"#{slug}" if rng.random() < 0.3 else None, "created_at": _when(rng),
        }


def _alias_rows(topics: list[Topic]) -> Iterator[dict]:
    for tid, t in enumerate(topics, start=1):
        for alias in t.aliases:
            yield {"topic_id": tid, "alias": alias, "key": topic_key(alias)}


def _assignment(tid: int, pid: int, kind: str, position: int, start: datetime,
                end: datetime | None = None) -> dict:
    return {"topic_id": tid, "person_id": pid, "kind": kind, "position": position,
            "starts_at": start, "ends_at": end, "created_by": "bench", "reason": ""}


def _assignment_rows(topic_count: int, people: int, rng: random.Random) -> Iterator[dict]:
    """A current primary for every topic, 0-2 backups, and a past primary for one in ten."""
    for tid in range(1, topic_count + 1):
        holders = rng.sample(range(1, people + 1), 1 + rng.choice((0, 1, 1, 2)))
        start = _when(rng)
        if rng.random() < 0.1:
            yield _assignment(tid, rng.randrange(1, people + 1), "primary", 0, start - timedelta(days=400), start)
        yield _assignment(tid, holders[0], "primary", 0, start)
        for position, pid in enumerate(holders[1:]):
            yield _assignment(tid, pid, "backup", position, start)


# --- the file --------------------------------------------------------------------------

def signature(topics: int, people: int, seed: int) -> int:
    """Stored as SQLite's user_version: tells a reusable bench file from anything else."""
    return zlib.crc32(f"v{GENERATOR_VERSION}:{topics}:{people}:{seed}".encode()) & 0x7FFFFFFF or 1


def stored_signature(db: Path) -> int:
    """The signature a bench file was built with; 0 for a file this bench did not write."""
    with closing(sqlite3.connect(db)) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    return version if {"topic", "person"} <= tables else 0


def counts(db: Path) -> tuple[int, int]:
    with closing(sqlite3.connect(db)) as conn:
        topics = conn.execute("SELECT count(*) FROM topic WHERE removed_at IS NULL").fetchone()[0]
        people = conn.execute("SELECT count(*) FROM person").fetchone()[0]
    return topics, people


def _insert_all(conn: Connection, table: str, rows: Iterable[dict]) -> None:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            conn.execute(insert(SQLModel.metadata.tables[table]), batch)
            batch = []
    if batch:
        conn.execute(insert(SQLModel.metadata.tables[table]), batch)


def build(db: Path, topic_count: int, people: int, seed: int) -> None:
    """Write a fresh directory file: schema by migration, rows by executemany, one transaction."""
    rng = random.Random(seed)
    topics = generate_topics(topic_count, rng)
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # parents may come after children
        _insert_all(conn, "person", _person_rows(people, rng))
        _insert_all(conn, "topic", _topic_rows(topics, rng))
        _insert_all(conn, "topic_alias", _alias_rows(topics))
        _insert_all(conn, "assignment", _assignment_rows(len(topics), people, rng))
        _insert_all(conn, "directory_state", [{"id": 1, "version": 1}])
    with engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA user_version={signature(topic_count, people, seed)}")
    engine.dispose()


def load(db: Path) -> Directory:
    """Read back names, aliases, keys and current primaries (plain sqlite3, no core code)."""
    with closing(sqlite3.connect(db)) as conn:
        names = conn.execute("SELECT id, name FROM topic WHERE removed_at IS NULL ORDER BY id").fetchall()
        aliases = conn.execute("SELECT topic_id, alias FROM topic_alias ORDER BY id").fetchall()
        keys = conn.execute("SELECT key, id FROM topic UNION ALL SELECT key, topic_id FROM topic_alias")
        owner = dict(keys.fetchall())
        primary = dict(conn.execute(
            "SELECT topic_id, person_id FROM assignment WHERE kind = 'primary' AND ends_at IS NULL"
        ).fetchall())
    return Directory(names, aliases, owner, primary)


def summary(db: Path) -> str:
    with closing(sqlite3.connect(db)) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return (f"{one('SELECT count(*) FROM topic')} topics "
                f"({one('SELECT count(*) FROM topic WHERE parent_id IS NOT NULL')} with a parent), "
                f"{one('SELECT count(*) FROM topic_alias')} aliases, {one('SELECT count(*) FROM person')} people, "
                f"{one('SELECT count(*) FROM assignment WHERE ends_at IS NULL')} current assignments")
