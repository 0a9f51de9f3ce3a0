"""Time and peak memory of `/poc stats` and the weekly digest over a large inquiry store, beside hand-written SQL."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nudge_sweep  # bench/nudge_sweep.py: its store, its clock and its helpers

HERE = Path(__file__).resolve().parent
NOW = nudge_sweep.NOW  # the stats' now: Wednesday 2030-03-06 12:00 UTC, the newest inquiry is an hour older
DIGEST_NOW = datetime(2030, 3, 11, 7, 0, tzinfo=timezone.utc)  # Monday 09:00 in Johannesburg, before 09:00 elsewhere
ADMIN, TOPIC = "p2000@bench.test", "Topic 17"  # p2000 is a backup, never a primary
STRETCH = 4  # the source spreads created_at over 90 days; 360 days puts about 8 % in the 30-day window
QUESTIONS, STORE_VERSION = 300_000, 1
WAITING = "status IN ('open', 'acknowledged')"
# The same 30-day figures as store.stats.inquiry_figures, summed per topic in SQL (no percentiles).
RAW = (f"SELECT topic_id, COUNT(*), SUM({WAITING}), SUM({WAITING} AND target_at < :now),"
       " SUM(target_at IS NOT NULL AND (first_response_at IS NOT NULL OR target_at < :now)),"
       " SUM(first_response_at <= target_at), SUM((julianday(first_response_at) - julianday(created_at)) * 86400.0)"
       " FROM inquiry WHERE created_at >= :since AND created_at <= :now GROUP BY topic_id")


def ts(seconds: str) -> str:
    """SQL: unix seconds as SQLAlchemy stores a datetime in SQLite."""
    return f"strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch') || '.000000'"


# --- the store: a copy of nudge_sweep's, with a year of inquiries and lookups ---------------

def ensure_store(db: Path, source: Path, rebuild: bool) -> str:
    from store.db import make_engine
    from store.migrate import head_revision, is_current, upgrade

    wanted = f"stats-v{STORE_VERSION}:{head_revision()}"
    if not rebuild and nudge_sweep.built_as(db, wanted):
        return f"reused {db.name}"
    started, tmp = time.perf_counter(), db.with_name(db.name + ".tmp")
    for path in (db, tmp):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if source.exists():  # the source is never written; with no WAL to read, not even its -shm
        wal = Path(f"{source}-wal")
        flags = "mode=ro" if wal.exists() and wal.stat().st_size else "immutable=1"
        with closing(sqlite3.connect(f"file:{source}?{flags}", uri=True)) as src, closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
    else:
        nudge_sweep.build(tmp, 1_000_000, 10_000, "")
    engine = make_engine(f"sqlite:///{tmp}")
    if not is_current(engine):
        upgrade(engine)
    engine.dispose()
    now = int(NOW.timestamp())
    created = f"({now} - ({now} - CAST(strftime('%s', created_at) AS INTEGER)) * {STRETCH})"
    responded = f"{created} + 60 + id * 7919 % 36000"  # 1 minute to 10 hours
    with closing(sqlite3.connect(tmp, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        conn.execute(f"UPDATE inquiry SET created_at = {ts(created)},"
                     f" first_response_at = CASE WHEN answered_at IS NOT NULL THEN {ts(responded)} END,"
                     f" answered_at = CASE WHEN answered_at IS NOT NULL THEN {ts(responded)} END,"
                     f" target_at = CASE WHEN id % 10 THEN {ts(created + ' + 14400')} END")  # 4 h; 1 in 10 has none
        # A year of lookups, newest first: 1 in 10 named nobody, 1 in 30 a topic without a POC.
        conn.execute(f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {QUESTIONS})"
                     " INSERT INTO question (asked_at, platform, user_id, person_id, text, topic_id, outcome)"
                     f" SELECT {ts(f'{now} - 60 - i * 103')}, 'slack', printf('U%07d', i % 2000 + 1), i % 2000 + 1,"
                     " CASE WHEN i % 10 = 0 THEN printf('who owns the %d report?', i * 7 % 3000)"
                     " ELSE printf('Topic %d', i % 1000 + 1) END, CASE WHEN i % 10 THEN i % 1000 + 1 END,"
                     " CASE WHEN i % 10 = 0 THEN 'unknown' WHEN i % 30 = 1 THEN 'no_poc' ELSE 'answer' END FROM n")
        conn.execute("UPDATE bench_meta SET signature = ?", (wanted,))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    tmp.rename(db)
    return f"built {db.name} from {source.name if source.exists() else 'scratch'} in {time.perf_counter() - started:.1f} s"


# --- what is measured, each in a fresh process -----------------------------------------

def child(mode: str, db: Path) -> dict:
    if mode == "raw":
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")  # as the application's engine has it
        before, started = nudge_sweep.rss_mb(), time.perf_counter()
        rows = conn.execute(RAW, {"now": nudge_sweep.stamp(NOW), "since": nudge_sweep.stamp(NOW - timedelta(days=30))})
        found = rows.fetchall()
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "rss_before_mb": before, "peak_mb": nudge_sweep.peak_mb(),
                "result": f"{len(found)} topics, {sum(r[1] for r in found):,} inquiries"}
    from store.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:  # connect (and set the pragmas) before the clock starts
        conn.exec_driver_sql("SELECT 1")
    if mode.startswith("digest"):
        from bot.digest import run_digests

        before, started = nudge_sweep.rss_mb(), time.perf_counter()
        found = run_digests(engine=engine, now=DIGEST_NOW)
        seconds = time.perf_counter() - started
        result = f"{found.zones} zone(s), {found.poc} POC / {found.manager} manager / {found.channel} channel digests"
    else:
        from bot.core import Bot
        from bot.messages import Actor, ReplyKind, Request
        from bot.render import render_text

        bot = Bot(engine, clock=lambda: NOW, admins=frozenset({ADMIN}))
        bot.warm()  # the directory and its index, as a server loads them at start
        before, started = nudge_sweep.rss_mb(), time.perf_counter()
        reply = bot.handle(Request("stats" if mode == "overview" else f"stats {TOPIC}", Actor("console", ADMIN, email=ADMIN)))
        seconds = time.perf_counter() - started
        if reply.kind is not ReplyKind.listing:
            sys.exit(f"stats replied {reply.kind}: {render_text(reply)}")
        result = render_text(reply).splitlines()[0]
    engine.dispose()
    return {"seconds": seconds, "rss_before_mb": before, "peak_mb": nudge_sweep.peak_mb(), "result": result}


def spawn(mode: str, db: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", mode, "--db", str(db)],
                          capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        sys.exit(f"{mode} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(db: Path, mode: str, runs: int) -> dict:
    """Median time and largest peak of `runs` fresh processes; a digest run gets its own copy,
    the marked ones share one copy on which a first digest (not counted) set this week's mark."""
    found = []
    with tempfile.TemporaryDirectory(dir=HERE) as shared:
        for _ in range(runs):
            with tempfile.TemporaryDirectory(dir=HERE) as own:
                target = db
                if mode.startswith("digest"):
                    target = Path(own if mode == "digest" else shared) / "copy.sqlite"
                    if not target.exists():
                        shutil.copyfile(db, target)
                        if mode == "digest_marked":
                            spawn("digest", target)
                found.append(spawn(mode, target))
    return {"seconds": statistics.median(f["seconds"] for f in found), "all": [f["seconds"] for f in found],
            "peak_mb": max(f["peak_mb"] for f in found), "rss_before_mb": max(f["rss_before_mb"] for f in found),
            "result": found[-1]["result"]}


LABELS = {
    "overview": "(1) stats, org overview, admin (Bot.handle)",
    "topic": f"(2) stats {TOPIC} (Bot.handle)",
    "raw": "(3) raw sqlite3: 30-day COUNT/SUMs per topic, one query",
    "digest": "(4) run_digests, Monday 09:00 Johannesburg, unmarked",
    "digest_marked": "(5) run_digests again, already marked",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, default=HERE / "stats.sqlite",
                        help="the store (default bench/stats.sqlite, built once from bench/nudge_sweep.sqlite)")
    parser.add_argument("--source", type=Path, default=HERE / "nudge_sweep.sqlite", help=argparse.SUPPRESS)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", choices=sorted(LABELS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.db)))
        return
    print(f"[{time.strftime('%H:%M:%S')}] {ensure_store(args.db, args.source, args.rebuild)}", file=sys.stderr, flush=True)
    with closing(sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)) as conn:
        total, recent = conn.execute("SELECT COUNT(*), SUM(created_at >= ?) FROM inquiry",
                                     (nudge_sweep.stamp(NOW - timedelta(days=30)),)).fetchone()
    results = {mode: measure(args.db, mode, args.runs) for mode in LABELS}
    print(f"machine: {os.cpu_count()} CPUs, load {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{total:,} inquiries, {recent:,} ({100 * recent / total:.1f} %) in the 30 days before {NOW:%a %Y-%m-%d %H:%M} "
          f"UTC; digest at {DIGEST_NOW:%a %Y-%m-%d %H:%M} UTC; median of {args.runs} fresh processes; "
          "peak = VmHWM of that process\n")
    rows = [["what", "ms", "peak MB", "MB at start", "runs (ms)"]]
    rows += [[label, f"{results[m]['seconds'] * 1000:.1f}", f"{results[m]['peak_mb']:.0f}",
              f"{results[m]['rss_before_mb']:.0f}", " ".join(f"{s * 1000:.0f}" for s in results[m]["all"])]
             for m, label in LABELS.items()]
    print(nudge_sweep.table(rows), "\n")
    for mode, label in LABELS.items():
        print(f"{label[:3]} {results[mode]['result']}")


if __name__ == "__main__":
    main()
