"""Time and peak memory of the nudge sweep over a large inquiry store, beside hand-written SQL."""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = datetime(2030, 3, 6, 12, 0, tzinfo=timezone.utc)  # a Wednesday noon: every zone below is at work
ZONES = ("Europe/London", "Europe/Madrid", "Europe/Berlin", "Africa/Johannesburg", "Africa/Lagos", "UTC", None)
PEOPLE, TOPICS, GENERATOR_VERSION = 2_000, 1_000, 1
SETTLED = ("answered", "resolved", "closed")
# The same conditions as store.inquiries.claim_due, written by hand.
RAW_DUE = ("SELECT {} FROM inquiry WHERE status IN ('open', 'acknowledged') AND next_nudge_at <= ?"
           " AND (snoozed_until IS NULL OR snoozed_until <= ?) ORDER BY next_nudge_at, id")
RAW_IDS = RAW_DUE.format("id")
RAW_ROWS = RAW_DUE.format("id, topic_id, nudges_sent, escalation_level, conversation, thread, question")


def stamp(moment: datetime) -> str:
    """How SQLAlchemy stores a datetime in SQLite (UTC, no offset)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def backups_of(topic: int) -> list[int]:  # person ids; the primary of topic t is person t
    return [(topic + 1) % PEOPLE + 1, (topic + 2) % PEOPLE + 1]


# --- the store -------------------------------------------------------------------------

def signature(total: int, due: int) -> str:
    from store.migrate import head_revision
    return f"v{GENERATOR_VERSION}:{total}:{due}:{head_revision()}"


def built_as(db: Path, wanted: str) -> bool:
    """Whether a bench store exists and was built as `wanted` (refuse one no bench wrote)."""
    if not db.exists():
        return False
    with closing(sqlite3.connect(db)) as conn:
        try:
            return conn.execute("SELECT signature FROM bench_meta").fetchone() == (wanted,)
        except sqlite3.Error:
            sys.exit(f"{db} was not written by this bench; pass --rebuild to overwrite it")


def ensure_store(db: Path, total: int, due: int, rebuild: bool) -> str:
    wanted = signature(total, due)
    if not rebuild and built_as(db, wanted):
        return f"reused {db.name}"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    build(db, total, due, wanted)
    return f"built {db.name} in {time.perf_counter() - started:.1f} s"


def build(db: Path, total: int, due: int, wanted: str) -> None:
    from store.db import make_engine
    from store.migrate import upgrade

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)  # the real schema and indexes, through the migrations
    engine.dispose()
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        since = stamp(datetime(2029, 1, 1, tzinfo=timezone.utc))
        conn.executemany("INSERT INTO person (id, email, name, slack_id, timezone, role, created_at)"
                         " VALUES (?, ?, ?, ?, ?, 'member', ?)",
                         ((i, f"p{i}@bench.test", f"Person {i}", f"U{i:07d}", ZONES[i % len(ZONES)], since)
                          for i in range(1, PEOPLE + 1)))
        conn.executemany("INSERT INTO topic (id, name, key, description, channel, created_at)"
                         " VALUES (?, ?, ?, '', ?, ?)",
                         ((t, f"Topic {t}", f"topic {t}", f"C{t:07d}", since) for t in range(1, TOPICS + 1)))
        conn.executemany("INSERT INTO assignment (topic_id, person_id, kind, position, starts_at, created_by, reason)"
                         " VALUES (?, ?, ?, ?, ?, 'bench', '')",
                         ((t, p, kind, n, since) for t in range(1, TOPICS + 1) for n, (kind, p) in
                          enumerate([("primary", t)] + [("backup", b) for b in backups_of(t)])))
        conn.executemany("INSERT INTO inquiry (topic_id, asker_platform, asker_user_id, asker_person_id, question,"
                         " lang, assignee_person_id, platform, conversation, thread, status, created_at,"
                         " answered_at, snoozed_until, nudges_sent, escalation_level, next_nudge_at)"
                         " VALUES (?, 'slack', ?, ?, ?, 'en', ?, 'slack', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         inquiries(total, due))
        conn.execute("CREATE TABLE bench_meta (signature TEXT)")
        conn.execute("INSERT INTO bench_meta VALUES (?)", (wanted,))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the main file alone is then the whole store


def inquiries(total: int, due: int) -> Iterator[tuple]:
    """`due` due rows, due//10 due but snoozed, 4 % waiting for later, 1 % done nudging, the rest settled."""
    rng = random.Random(total * 7 + due)
    kinds = ["due"] * due + ["snoozed"] * (due // 10) + ["later"] * (total // 25) + ["exhausted"] * (total // 100)
    kinds += ["settled"] * (total - len(kinds))
    rng.shuffle(kinds)
    minute = timedelta(minutes=1)
    for i, kind in enumerate(kinds):
        topic, asker = i % TOPICS + 1, (i * 7) % PEOPLE + 1
        created = NOW - minute * rng.randrange(60, 60 * 24 * 90)
        status, answered, snoozed, sent, level, following = "open", None, None, 0, 0, None
        if kind == "due":
            following = stamp(NOW - minute * rng.randrange(1, 60 * 24 * 3))
            sent, level = rng.choice(((0, 0), (0, 0), (2, 0), (2, 1)))
        elif kind == "snoozed":
            following, snoozed = stamp(NOW - minute * 5), stamp(NOW + timedelta(days=1))
        elif kind == "later":
            following = stamp(NOW + minute * rng.randrange(1, 60 * 24 * 5))
        elif kind == "exhausted":
            sent, level = 2, 2
        else:
            status, answered = SETTLED[i % 3], stamp(created + timedelta(hours=3))
        question = f"Question {i}: who can give me access to the {topic} dashboards for the quarterly review?"
        yield (topic, f"U{asker:07d}", asker, question, topic, f"D{asker:07d}", f"{1_700_000_000 + i}.000100",
               status, stamp(created), answered, snoozed, sent, level, following)


# --- what is measured, each in a fresh process on a fresh copy ----------------------------

def peak_mb() -> float:
    return int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024


def rss_mb() -> float:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) / 1024


def child(mode: str, db: Path, batch: int) -> dict:
    if mode.startswith("sweep"):
        from bot.nudges import run_nudges
        from store.db import make_engine

        engine = make_engine(f"sqlite:///{db}")
        with engine.connect() as conn:  # connect (and set the pragmas) before the clock starts
            conn.exec_driver_sql("SELECT 1")
        before, started = rss_mb(), time.perf_counter()
        result = run_nudges(engine=engine, now=NOW, batch=batch)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "rows": result.claimed, "messages": result.messages,
                "deferred": result.deferred, "rss_before_mb": before, "peak_mb": peak_mb()}
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")  # as the application's engine has it
    conn.execute("PRAGMA synchronous=NORMAL")
    before, started = rss_mb(), time.perf_counter()
    rows, messages = raw(conn, mode)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "messages": messages, "rss_before_mb": before, "peak_mb": peak_mb()}


def raw(conn: sqlite3.Connection, mode: str) -> tuple[int, int]:
    """The baselines: the due query; plus the UPDATE; plus the outbox INSERTs, all by hand."""
    now = stamp(NOW)
    if mode == "select":
        return len(conn.execute(RAW_IDS, (now, now)).fetchall()), 0
    conn.execute("BEGIN IMMEDIATE")
    rows = conn.execute(RAW_ROWS if mode == "handwritten" else RAW_IDS, (now, now)).fetchall()
    following = stamp(NOW + timedelta(days=1))
    conn.executemany("UPDATE inquiry SET next_nudge_at = ?, nudges_sent = nudges_sent + 1 WHERE id = ?",
                     ((following, row[0]) for row in rows))
    messages = list(outbox_rows(rows, now)) if mode == "handwritten" else []
    conn.executemany("INSERT INTO outbox (dedupe_key, platform, address, kind, payload, status, attempts,"
                     " next_attempt_at, created_at, last_error) VALUES (?, 'slack', ?, ?, ?, 'pending', 0, ?, ?, '')",
                     messages)
    conn.execute("COMMIT")
    return len(rows), len(messages)


def outbox_rows(rows: list[tuple], now: str) -> Iterator[tuple]:
    """As many rows, with payloads as big, as the sweep writes for these steps."""
    for inquiry_id, topic, sent, level, conversation, thread, question in rows:
        if sent < 2:
            told = [(f"U{topic:07d}", "inquiry_nudge")]
        elif level == 0:
            told = [(f"U{p:07d}", "inquiry_escalation") for p in backups_of(topic)]
        else:
            told = [(f"C{topic:07d}", "inquiry_channel")]
        payload = json.dumps({"lang": "en", "inquiry_id": inquiry_id, "topic": f"Topic {topic}", "topic_id": topic,
                              "question": question[:300], "asked_at": now, "level": level, "nudges_sent": sent,
                              "asker": {"platform": "slack", "user_id": conversation}, "conversation": conversation,
                              "thread": thread, "assignee": {"id": topic, "name": f"Person {topic}"}})
        for address, kind in told + [(conversation, "inquiry_progress")]:
            yield (f"nudge:{inquiry_id}:{int(NOW.timestamp())}:{sent}:{level}:{kind}:slack:{address}", address, kind,
                   payload, now, now)


def measure(db: Path, mode: str, batch: int, runs: int) -> dict:
    """Median time and largest peak of `runs` fresh processes, each on its own copy of the store."""
    found = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(dir=HERE) as work:
            copy = Path(work) / "copy.sqlite"
            shutil.copyfile(db, copy)
            cmd = [sys.executable, __file__, "--child", mode, "--db", str(copy), "--batch", str(batch)]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
            if proc.returncode != 0:
                sys.exit(f"{mode} failed:\n{proc.stderr}")
            found.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {"seconds": statistics.median(f["seconds"] for f in found), "all": [f["seconds"] for f in found],
            **{k: max(f[k] for f in found) for k in ("peak_mb", "rss_before_mb", "rows", "messages")},
            "deferred": max(f.get("deferred", 0) for f in found)}


# --- the report ------------------------------------------------------------------------

LABELS = {
    "select": "(a) raw SELECT of the due rows' ids (sqlite3)",
    "select_update": "(b) (a) + raw UPDATE of their next_nudge_at, one transaction",
    "handwritten": "(c) (b), reading the rows' fields, + raw INSERT of the same outbox rows",
    "sweep": "run_nudges (claim, read people, plan, outbox, reschedule)",
    "sweep_whole": "run_nudges, all due rows in one batch (one transaction, as the baselines)",
}


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def report(sizes: list[int], due: int, batch: int, runs: int, results: dict[int, dict[str, dict]]) -> None:
    print(f"now = {NOW:%a %Y-%m-%d %H:%M} UTC; {due:,} due (+{due // 10:,} due but snoozed); batch {batch}; "
          f"median of {runs} fresh processes, each on a fresh copy; peak = VmHWM of that process\n")
    head = ["what"] + [f"{label} @ {n:,}" for n in sizes for label in ("ms", "peak MB")]
    rows = [head]
    for mode, label in LABELS.items():
        rows.append([label] + [cell for n in sizes for cell in
                               (f"{results[n][mode]['seconds'] * 1000:.1f}", f"{results[n][mode]['peak_mb']:.0f}")])
    print(table(rows), "\n")
    for n in sizes:
        sweep = results[n]["sweep"]
        print(f"{n:,} inquiries: sweep claimed {sweep['rows']:,} (raw query found {results[n]['select']['rows']:,}), "
              f"wrote {sweep['messages']:,} outbox rows (hand-written {results[n]['handwritten']['messages']:,}), "
              f"deferred {sweep['deferred']}; sweep process grew {sweep['peak_mb'] - sweep['rss_before_mb']:.0f} MB "
              f"above its {sweep['rss_before_mb']:.0f} MB after imports; runs (s): "
              + ", ".join(f"{s:.2f}" for s in sweep["all"]))
    print()
    print(table(verdicts(sizes, results)))


def verdicts(sizes: list[int], results: dict[int, dict[str, dict]]) -> list[list[str]]:
    big, small = results[sizes[0]], results[sizes[-1]]
    rows = [["target (from the issue)", "measured", "verdict"]]
    for mode in ("select", "select_update", "handwritten"):
        ratio = big["sweep"]["seconds"] / big[mode]["seconds"]
        rows.append([f"sweep <= 3x {LABELS[mode][:3]} at {sizes[0]:,}", f"{ratio:.1f}x", "PASS" if ratio <= 3 else "MISS"])
    grown = big["sweep"]["peak_mb"] - small["sweep"]["peak_mb"]
    rows.append([f"peak memory flat: {sizes[0]:,} vs {sizes[-1]:,} inquiries",
                 f"{big['sweep']['peak_mb']:.0f} vs {small['sweep']['peak_mb']:.0f} MB",
                 "PASS" if grown <= max(5.0, 0.05 * small["sweep"]["peak_mb"]) else "MISS"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inquiries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="a second, smaller store: is memory flat?")
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", choices=sorted(LABELS), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.db, args.batch)))
        return
    sizes, results = [args.inquiries, args.small], {}
    for n in sizes:
        db = HERE / ("nudge_sweep.sqlite" if n == args.inquiries else f"nudge_sweep_{n}.sqlite")
        print(f"[{time.strftime('%H:%M:%S')}] {ensure_store(db, n, args.due, args.rebuild)}", file=sys.stderr, flush=True)
        results[n] = {mode: measure(db, mode, args.due if mode == "sweep_whole" else args.batch, args.runs)
                      for mode in LABELS}
    print(f"machine: {os.cpu_count()} CPUs, load {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    report(sizes, args.due, args.batch, args.runs, results)


if __name__ == "__main__":
    main()
