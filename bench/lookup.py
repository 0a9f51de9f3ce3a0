"""Latency, correctness and memory of the core's lookups on a large directory, beside baselines."""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine

import synthetic
import words
from bot.core import Bot
from bot.messages import Reply, ReplyKind
from bot.understanding.names import allowed_edits
from bot.understanding.text import topic_key
from store.db import make_engine
from store.models import Topic, TopicAlias

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KINDS = ("exact", "alias", "misspelling", "unknown")
TEMPLATES = ("{t}", "who is the POC for {t}?", "who owns {t}", "who handles {t}?",
             "who do I talk to about {t}?")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Query:
    kind: str
    text: str  # the topic as the user typed it
    question: str  # the whole message the core is asked
    intended: int | None  # the topic meant; None for unknown words
    key: str  # topic_key(text), computed beforehand: the input of the indexed selects
    well_posed: bool = True  # False when another topic is as close to the text as the intended one


@dataclass(frozen=True)
class Timed:
    label: str
    times_ns: np.ndarray  # wall time per call
    cpu_ns: np.ndarray  # this thread's CPU time per call: what is left once other processes' turns are out
    named: list[int | None]  # the topic each call named (None: nobody)

    def pct(self, q: float, cpu: bool = False) -> float:
        return float(np.percentile(self.cpu_ns if cpu else self.times_ns, q)) / 1e6


# --- the directory ---------------------------------------------------------------------

def ensure_directory(db: Path, topics: int, people: int, seed: int, rebuild: bool) -> str:
    """Reuse the file when it was built with these sizes and seed; otherwise build it."""
    wanted = synthetic.signature(topics, people, seed)
    if db.exists():
        found = synthetic.stored_signature(db)
        if found == wanted and synthetic.counts(db) == (topics, people) and not rebuild:
            return f"reused {db}"
        if found == 0 and not rebuild:
            sys.exit(f"{db} was not written by this bench; pass --rebuild to overwrite it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    synthetic.build(db, topics, people, seed)
    return f"built {db} in {time.perf_counter() - started:.1f} s"


# --- the questions ---------------------------------------------------------------------

def _typo(name: str, rng: random.Random) -> str | None:
    """One substituted, deleted or transposed letter; None when the draw does not apply."""
    spots = [i for i, c in enumerate(name) if c.isalpha()]
    if len(spots) < 6:
        return None
    i, op = rng.choice(spots), rng.choice(("substitute", "delete", "transpose"))
    if op == "substitute":
        letter = rng.choice(LETTERS.replace(name[i].lower(), ""))
        return name[:i] + (letter.upper() if name[i].isupper() else letter) + name[i + 1:]
    if op == "delete":
        return name[:i] + name[i + 1:]
    if i + 1 < len(name) and name[i + 1].isalpha() and name[i + 1] != name[i]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return None


def _ask(kind: str, text: str, intended: int | None, i: int) -> Query:
    return Query(kind, text, TEMPLATES[i % len(TEMPLATES)].format(t=text), intended, topic_key(text))


def _misspellings(d: synthetic.Directory, n: int, rng: random.Random) -> list[Query]:
    found: list[Query] = []
    while len(found) < n:
        tid, name = rng.choice(d.names)
        typo = _typo(name, rng)
        if typo and topic_key(typo) and topic_key(typo) not in d.owner:  # not another real key
            found.append(_ask("misspelling", typo, tid, len(found)))
    return found


def _unknowns(d: synthetic.Directory, n: int, rng: random.Random) -> list[Query]:
    found: list[Query] = []
    while len(found) < n:
        text = " ".join(rng.sample(words.UNRELATED, rng.randint(1, 3))).title()
        if topic_key(text) not in d.owner:
            found.append(_ask("unknown", text, None, len(found)))
    return found


def make_queries(d: synthetic.Directory, n: int, seed: int) -> dict[str, list[Query]]:
    rng = random.Random(seed + 1)
    return {
        "exact": [_ask("exact", name, tid, i) for i, (tid, name) in enumerate(rng.sample(d.names, n))],
        "alias": [_ask("alias", a, tid, i) for i, (tid, a) in enumerate(rng.sample(d.aliases, n))],
        "misspelling": mark_well_posed(_misspellings(d, n, rng), d),
        "unknown": _unknowns(d, n, rng),
    }


def mark_well_posed(queries: list[Query], d: synthetic.Directory) -> list[Query]:
    """Brute force over every key: is the intended topic alone at the smallest distance,
    within the typos the core allows? If not, naming nobody is the right answer too."""
    keys, owners = list(d.owner), np.fromiter(d.owner.values(), dtype=np.int64)
    marked: list[Query] = []
    for start in range(0, len(queries), 64):
        chunk = queries[start:start + 64]
        dist = process.cdist([q.key for q in chunk], keys, scorer=OSA.distance,
                             score_cutoff=3, dtype=np.uint8, workers=-1)
        for q, row in zip(chunk, dist):
            best = row.min()
            alone = set(owners[row == best].tolist()) == {q.intended}
            marked.append(replace(q, well_posed=alone and best <= allowed_edits(q.key)))
    return marked


# --- the core and the baselines --------------------------------------------------------

def time_calls(label: str, call: Callable[[Query], int | None], queries: Sequence[Query]) -> Timed:
    times, cpu = np.empty(len(queries), dtype=np.int64), np.empty(len(queries), dtype=np.int64)
    named: list[int | None] = []
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for i, q in enumerate(queries):
        cpu_started = cpu_clock()
        started = clock()
        result = call(q)
        times[i] = clock() - started
        cpu[i] = cpu_clock() - cpu_started
        named.append(result)
    return Timed(label, times, cpu, named)


def core_call(bot: Bot, replies: list[Reply]) -> Callable[[Query], int | None]:
    """bot.lookup end to end; keeps each reply for the correctness checks."""
    def call(q: Query) -> int | None:
        reply = bot.lookup(q.question)
        replies.append(reply)
        return reply.answer.topic_id if reply.kind is ReplyKind.answer and reply.answer else None
    return call


def baseline_calls(db: Path, engine: Engine, d: synthetic.Directory) -> dict[str, Callable[[Query], int | None]]:
    """The same questions, answered by plain rapidfuzz or one indexed select (key precomputed)."""
    texts = [name for _, name in d.names] + [alias for _, alias in d.aliases]
    owners = [tid for tid, _ in d.names] + [tid for tid, _ in d.aliases]
    lowered = [t.lower() for t in texts]
    conn = sqlite3.connect(db, check_same_thread=False)
    raw = {False: "SELECT id FROM topic WHERE key = ?", True: "SELECT topic_id FROM topic_alias WHERE key = ?"}
    orm = {False: select(Topic.id).where(Topic.key == bindparam("key")),
           True: select(TopicAlias.topic_id).where(TopicAlias.key == bindparam("key"))}

    def wratio(q: Query) -> int | None:
        return owners[process.extractOne(q.text, texts)[2]]

    def ratio80(q: Query) -> int | None:
        hit = process.extractOne(q.text.lower(), lowered, scorer=fuzz.ratio, processor=None, score_cutoff=80)
        return owners[hit[2]] if hit else None

    def sqlite_select(q: Query) -> int | None:
        row = conn.execute(raw[q.kind == "alias"], (q.key,)).fetchone()
        return row[0] if row else None

    def sqlalchemy_select(q: Query) -> int | None:
        with engine.connect() as c:
            return c.execute(orm[q.kind == "alias"], {"key": q.key}).scalar()

    return {"rapidfuzz WRatio": wratio, "rapidfuzz ratio>=80": ratio80,
            "sqlite3 select": sqlite_select, "SQLAlchemy select": sqlalchemy_select}


@dataclass(frozen=True)
class CoreRun:
    warmup_ms: float
    timed: dict[str, Timed]
    replies: dict[str, list[Reply]]


def run_core(bot: Bot, queries: dict[str, list[Query]], memory: list[tuple[str, float, float]]) -> CoreRun:
    started = time.perf_counter_ns()
    bot.lookup(queries["exact"][0].question)  # the first question builds the topic index
    warmup_ms = (time.perf_counter_ns() - started) / 1e6
    memory.append(checkpoint("after the warm-up (index built)"))
    timed, replies = {}, {}
    for kind, batch in queries.items():
        progress(f"core: {len(batch)} {kind} questions")
        replies[kind] = []
        timed[kind] = time_calls("core", core_call(bot, replies[kind]), batch)
    memory.append(checkpoint("after the core's questions"))
    return CoreRun(warmup_ms, timed, replies)


def run_baselines(calls: dict[str, Callable[[Query], int | None]], queries: dict[str, list[Query]],
                  caps: dict[str, int]) -> dict[str, list[Timed]]:
    results: dict[str, list[Timed]] = {}
    for kind, batch in queries.items():
        results[kind] = []
        for label, call in calls.items():
            progress(f"baseline {label}: {kind}")
            results[kind].append(time_calls(label, call, batch[: caps.get(label, len(batch))]))
    return results


# --- memory and a fresh process --------------------------------------------------------

def checkpoint(label: str) -> tuple[str, float, float]:
    """(label, resident MB now, peak resident MB so far) for this process."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    now = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    return label, now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Fresh:
    how: str
    walls: list[float]
    answered: bool  # the reply named the asked topic
    peak_mb: float  # VmHWM of one more such process
    breakdown: dict


# `pocbot who` through its entry point, printing its peak memory on the way out (VmHWM, since
# a child's ru_maxrss starts from its parent's peak on Linux).
PEAK_OF_POCBOT = """import atexit, sys
from pathlib import Path
hwm = lambda: Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]
atexit.register(lambda: print("VmHWM", hwm(), file=sys.stderr))
from integrations.cli import main
sys.argv[0] = "pocbot"
main()
"""


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - started, proc


def _answer(proc: subprocess.CompletedProcess[str]) -> dict | None:
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None


def _pocbot_peak_mb(name: str, env: dict[str, str]) -> float:
    _, proc = _run([sys.executable, "-c", PEAK_OF_POCBOT, "who", name, "--json"], env)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("VmHWM")]
    return int(lines[-1].split()[1]) / 1024 if lines else float("nan")


def run_fresh(db: Path, name: str, runs: int) -> Fresh:
    """Wall time of `pocbot who NAME --json` in new processes (first_answer.py if pocbot breaks)."""
    env = os.environ | {"DATABASE_URL": f"sqlite:///{db}"}
    probe = [sys.executable, str(HERE / "first_answer.py"), str(db), name]
    cmd, how = [str(Path(sys.executable).with_name("pocbot")), "who", name, "--json"], "pocbot who --json"
    wall, proc = _run(cmd, env)
    if proc.returncode not in (0, 1) or _answer(proc) is None:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        cmd, how = probe, f"FALLBACK python bench/first_answer.py (pocbot failed: {last})"
        wall, proc = _run(cmd, env)
    walls, answers = [wall], [_answer(proc)]
    for _ in range(runs - 1):
        wall, proc = _run(cmd, env)
        walls.append(wall)
        answers.append(_answer(proc))
    answered = all(a and a.get("kind") == "answer" and a.get("topic") == name for a in answers)
    breakdown = _answer(_run(probe + ["--breakdown"], env)[1]) or {}
    peak = _pocbot_peak_mb(name, env) if cmd[-1] == "--json" else breakdown.get("peak_mb", float("nan"))
    return Fresh(how, walls, answered, peak, breakdown)


# --- the report ------------------------------------------------------------------------

def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                       enumerate(zip(row, widths))).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def share(hits: int, total: int) -> str:
    return f"{100 * hits / total:.1f}%" if total else "-"


def right_share(batch: Sequence[Query], run: Timed) -> str:
    return share(sum(n == q.intended for q, n in zip(batch, run.named)), len(run.named))


def latency_rows(queries: dict[str, list[Query]], core: CoreRun,
                 baselines: dict[str, list[Timed]]) -> list[list[str]]:
    rows = [["kind", "core p50", "core p99", "p99 CPU", "core right", "baseline", "n", "p50", "p99", "right",
             "core/base p50", "core/base p99"]]
    for kind, timed in core.timed.items():
        core_cells = [kind, ms(timed.pct(50)), ms(timed.pct(99)), ms(timed.pct(99, cpu=True)),
                      right_share(queries[kind], timed)]
        for i, base in enumerate(baselines[kind]):
            rows.append((core_cells if i == 0 else [""] * 5) + [
                base.label, str(len(base.times_ns)), ms(base.pct(50)), ms(base.pct(99)),
                right_share(queries[kind], base),
                f"{timed.pct(50) / base.pct(50):.2f}", f"{timed.pct(99) / base.pct(99):.2f}"])
    return rows


def core_verdicts(batch: list[Query], run: Timed, replies: list[Reply], d: synthetic.Directory) -> list[str]:
    """right / wrong topic named / nobody named / 'did you mean' lists it / POC as stored / well-posed."""
    pairs = list(zip(batch, run.named, replies))
    right = [(q, r) for q, n, r in pairs if n == q.intended]
    wrong = sum(n is not None and n != q.intended for q, n, _ in pairs)
    nobody = [(q, r) for q, n, r in pairs if n is None]
    posed = [(q, n) for q, n, _ in pairs if q.well_posed]
    if batch[0].intended is None:
        return [share(len(right), len(pairs)), share(wrong, len(pairs)), "-", "-", "-", "-", "-"]
    names = dict(d.names)
    suggested = sum(names[q.intended] in r.suggestions for q, r in nobody)
    poc = sum(bool(r.answer and r.answer.primary and r.answer.primary.id == d.primary[q.intended])
              for q, r in right)
    return [share(len(right), len(pairs)), share(wrong, len(pairs)), share(len(nobody), len(pairs)),
            share(suggested, len(nobody)), share(poc, len(right)), str(len(posed)),
            share(sum(n == q.intended for q, n in posed), len(posed))]


def correctness_rows(queries: dict[str, list[Query]], core: CoreRun, d: synthetic.Directory) -> list[list[str]]:
    rows = [["kind", "core right", "named a wrong topic", "named nobody", "did-you-mean has it",
             "POC as stored", "well-posed n", "right when well-posed"]]
    for kind, batch in queries.items():
        rows.append([kind] + core_verdicts(batch, core.timed[kind], core.replies[kind], d))
    return rows


def target_rows(core: CoreRun, fresh: Fresh, memory: list[tuple[str, float, float]]) -> list[list[str]]:
    after_core = next(peak for label, _, peak in memory if label.startswith("after the core"))
    checks = [
        ("exact p99 <= 1 ms", core.timed["exact"].pct(99), 1.0, "ms"),
        ("exact p99 <= 1 ms, CPU time only", core.timed["exact"].pct(99, cpu=True), 1.0, "ms"),
        ("alias p99 <= 1 ms", core.timed["alias"].pct(99), 1.0, "ms"),
        ("alias p99 <= 1 ms, CPU time only", core.timed["alias"].pct(99, cpu=True), 1.0, "ms"),
        ("misspelling p50 <= 5 ms", core.timed["misspelling"].pct(50), 5.0, "ms"),
        ("peak memory <= 300 MB: a fresh `pocbot who` (VmHWM)", fresh.peak_mb, 300.0, "MB"),
        ("peak memory <= 300 MB: this process after the core's questions", after_core, 300.0, "MB"),
        ("fresh process first answer <= 2 s (median)", statistics.median(fresh.walls), 2.0, "s"),
    ]
    rows = [["target (from the issue)", "measured", "verdict"]]
    rows += [[name, f"{value:.3f} {unit}" if unit != "MB" else f"{value:.0f} MB", "PASS" if value <= limit else "MISS"]
             for name, value, limit, unit in checks]
    return rows


def profile(bot: Bot, batch: list[Query], top: int = 30) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for q in batch:
        bot.lookup(q.question)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def report(note: str, db: Path, queries: dict[str, list[Query]], core: CoreRun, baselines: dict[str, list[Timed]],
           d: synthetic.Directory, memory: list[tuple[str, float, float]], fresh: Fresh) -> None:
    choices = len(d.names) + len(d.aliases)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"directory: {synthetic.summary(db)} ({note})")
    print(f"index build (first question, warm-up): {core.warmup_ms:.0f} ms\n")
    print(f"latency in ms: core = Bot(engine).lookup(question) end to end, {len(queries['exact'])} questions per kind;")
    print(f"rapidfuzz baselines search all {choices} names and aliases; the selects get the key precomputed;")
    print("p99 CPU = the 99th percentile of the thread's CPU time per question, which leaves out the time")
    print(f"other processes held the CPU (load average {load}, {os.cpu_count()} CPUs)\n")
    print(table(latency_rows(queries, core, baselines)), "\n")
    print("right = named the intended topic (for unknown words: named nobody). Core details below;")
    print("well-posed = the intended topic alone is nearest to the typo, within the typos the core allows\n")
    print(table(correctness_rows(queries, core, d)), "\n")
    print(table([["memory (this bench process)", "resident MB", "peak MB"]] +
                [[label, f"{now:.0f}", f"{peak:.0f}"] for label, now, peak in memory]), "\n")
    walls = sorted(fresh.walls)
    print(f"fresh process, first answer via {fresh.how}: {len(walls)} runs, min {walls[0]:.2f} s, "
          f"median {statistics.median(walls):.2f} s, answer right: {fresh.answered}, peak memory {fresh.peak_mb:.0f} MB")
    print(f"  one probe, bench/first_answer.py --breakdown (*_s in seconds): {json.dumps(fresh.breakdown)}\n")
    print(table(target_rows(core, fresh, memory)))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--topics", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=2_000, help="questions per kind for the core")
    parser.add_argument("--slow-queries", type=int, default=50, help="per kind, rapidfuzz WRatio")
    parser.add_argument("--fuzzy-queries", type=int, default=300, help="per kind, rapidfuzz ratio")
    parser.add_argument("--fresh-runs", type=int, default=5, help="fresh `pocbot who` processes")
    parser.add_argument("--db", type=Path, default=HERE / "lookup.sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the directory file")
    parser.add_argument("--profile", choices=KINDS, help="also cProfile the core on this kind")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    db = args.db.resolve()
    note = ensure_directory(db, args.topics, args.people, args.seed, args.rebuild)
    progress(note)
    d = synthetic.load(db)
    queries = make_queries(d, args.queries, args.seed)
    memory = [checkpoint("bench data loaded (directory read back, questions made)")]
    engine = make_engine(f"sqlite:///{db}")
    bot = Bot(engine)
    core = run_core(bot, queries, memory)
    caps = {"rapidfuzz WRatio": args.slow_queries, "rapidfuzz ratio>=80": args.fuzzy_queries}
    baselines = run_baselines(baseline_calls(db, engine, d), queries, caps)
    memory.append(checkpoint("after the baselines"))
    progress("fresh processes")
    fresh = run_fresh(db, queries["exact"][1].text, args.fresh_runs)
    report(note, db, queries, core, baselines, d, memory, fresh)
    if args.profile:
        print(f"\ncProfile of the core on {args.profile} questions:\n{profile(bot, queries[args.profile])}")
    engine.dispose()


if __name__ == "__main__":
    main()
