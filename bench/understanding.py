"""Understanding latency and cost: pocbot's pipeline beside the bare model call and the lexical path.

Builds (once) a synthetic directory of --topics topics (bench/synthetic.py), encodes and stores
its topic vectors (timed: topics per second), then measures, in one process and one run:

- exact names and aliases through `Bot.lookup` (no model call);
- questions that need the model (a described problem, no topic name in it);
- 2,000-character chatty messages;
- baselines: the bare model call on the same questions, and the same questions with
  POCBOT_SEMANTIC=off (today's lexical path);
- resident memory with the model loaded and the directory indexed, and a fresh
  `pocbot who` on the demo organisation (first answer).

    .venv/bin/python bench/understanding.py --topics 1000
    .venv/bin/python bench/understanding.py --topics 100000   # encoding 100k topics takes a while, once
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import synthetic  # noqa: E402
from lookup import ensure_directory  # noqa: E402

from bot.core import Bot  # noqa: E402
from bot.understanding.meaning import MODEL  # noqa: E402
from integrations.files.importing import encode_directory, import_file  # noqa: E402
from store.db import make_engine  # noqa: E402

PROBLEMS = ["my {a} keeps crashing when I open the {b} report", "the {a} for the {b} team stopped working this morning",
            "we need someone to sort out the {a} {b} before Friday", "I can't log in to the {a} tool and my {b} is stuck"]
CHATTER = ("Hi all, hope everyone had a good weekend and the new rota is treating you kindly! Sorry for the "
           "long message, I'm still finding my way around after moving over from another site. ")


def timed(call: Callable[[str], object], texts: Sequence[str]) -> np.ndarray:
    times = []
    for text in texts:
        started = time.perf_counter_ns()
        call(text)
        times.append(time.perf_counter_ns() - started)
    return np.asarray(times) / 1e6


def row(label: str, times: np.ndarray) -> str:
    return f"| {label} | {np.percentile(times, 50):.2f} ms | {np.percentile(times, 99):.2f} ms |"


def questions(d: synthetic.Directory, n: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    words = [w for _, name in d.names[:2000] for w in name.lower().split() if len(w) > 3]
    problems = [rng.choice(PROBLEMS).format(a=rng.choice(words), b=rng.choice(words)) for _ in range(n)]
    long = []
    for problem in problems[: max(n // 4, 20)]:
        body = CHATTER * (1 + 1800 // len(CHATTER))
        long.append((body[:1900] + " " + problem + ". Who can help? Thanks!")[:2000])
    return {
        "exact name": [f"who is the POC for {name}?" for _, name in rng.sample(d.names, min(n, len(d.names)))],
        "alias": [alias for _, alias in rng.sample(d.aliases, min(n, len(d.aliases)))],
        "needs the model": problems,
        "2,000-character message": long,
    }


def fresh_who() -> tuple[float, str]:
    """A fresh `pocbot who` on the demo organisation (vectors stored by the import), first answer."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/demo.db"}
        pocbot = str(Path(sys.executable).parent / "pocbot")
        demo = HERE.parent / "integrations" / "files" / "demo" / "org.yaml"
        subprocess.run([pocbot, "import", str(demo), "--quiet"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run([pocbot, "who", "my laptop screen is broken, who can help?"], env=env,
                              capture_output=True, text=True)
        return time.perf_counter() - started, done.stdout.splitlines()[0] if done.stdout else done.stderr[:80]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=1000)
    parser.add_argument("--people", type=int, default=0, help="default: half the topics")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    people = args.people or max(args.topics // 2, 10)
    db = HERE / f"understanding-{args.topics}.sqlite"
    print(ensure_directory(db, args.topics, people, args.seed, False), "-", synthetic.summary(db))
    engine = make_engine(f"sqlite:///{db}")
    started = time.perf_counter()
    encoded = encode_directory(engine)
    took = time.perf_counter() - started
    print(f"encoded and stored {encoded} topic vectors in {took:.1f} s"
          + (f" ({encoded / took:.0f} topics/s)" if encoded else " (all stored already)"))

    bot, lexical = Bot(engine), Bot(engine, semantic=False)
    started = time.perf_counter()
    bot.warm()
    print(f"warm (directory, word index, stored vectors, model): {time.perf_counter() - started:.1f} s")
    lexical.warm()
    gc.freeze()  # as `pocbot serve` does after warming
    encoder = MODEL.get()
    asked = questions(synthetic.load(db), args.queries, args.seed)
    print(f"\n{args.topics:,} topics; {args.queries} questions per kind\n")
    print("| path | p50 | p99 |\n| --- | --- | --- |")
    for kind, texts in asked.items():
        for text in texts:  # both paths read the same rows: the first to read them would pay for both
            bot.lookup(text)
            lexical.lookup(text)
        print(row(f"pocbot, {kind}", timed(bot.lookup, texts)))
        print(row(f"  lexical path (POCBOT_SEMANTIC=off), {kind}", timed(lexical.lookup, texts)))
        if kind in ("needs the model", "2,000-character message"):
            print(row(f"  bare model call, {kind}", timed(lambda t: encoder.encode([t], query=True), texts)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory, model loaded and {args.topics:,} topics indexed: {rss:.0f} MB")
    seconds, first = fresh_who()
    print(f"fresh `pocbot who` on the demo organisation: first answer in {seconds:.2f} s ({first!r})")


if __name__ == "__main__":
    main()
