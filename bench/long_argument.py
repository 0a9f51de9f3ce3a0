"""CPU time of commands whose topic argument is very long (subscribe, history, stats), and of a
plain `/poc` lookup while one member floods such commands from several threads.

Usage: .venv/bin/python bench/long_argument.py [--chars 1990] [--runs 5] [--flood 6] [--db COPY.sqlite]
The demo organisation by default; --db times a copy of a larger store (e.g. bench/lookup.py's).
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core import Bot  # noqa: E402
from bot.messages import Actor, Request  # noqa: E402
from tests.harness import demo_template  # noqa: E402
from store.db import make_engine  # noqa: E402

ADMIN = Actor("slack", "U0ADMIN", "admin", person_id=None)


def argument(chars: int, seed: int = 7) -> str:
    """Words that look like topic names (typos included), as a flood would send."""
    rng, words = random.Random(seed), "payroll travel expense reports benefits laptop vacation policy".split()
    text = ""
    while len(text) < chars:
        word = rng.choice(words)
        text += " " + (word[:-1] if rng.random() < 0.3 else word)
    return text.strip()[:chars]


def cpu_ms(bot: Bot, text: str) -> float:
    start = time.thread_time()
    bot.handle(Request(text, ADMIN, "C0BENCH"))
    return (time.thread_time() - start) * 1000


def flood(bot: Bot, text: str, threads: int, lookups: int) -> list[float]:
    """Wall time of plain lookups while `threads` threads send the long command without pause."""
    stop = threading.Event()

    def spam() -> None:
        while not stop.is_set():
            bot.handle(Request(text, ADMIN, "C0BENCH"))

    pool = [threading.Thread(target=spam, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    walls = []
    for _ in range(lookups):
        start = time.perf_counter()
        bot.handle(Request("payroll", Actor("slack", "U0OTHER"), None))
        walls.append((time.perf_counter() - start) * 1000)
    stop.set()
    for thread in pool:
        thread.join()
    return walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", type=int, default=1990)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--flood", type=int, default=6)
    parser.add_argument("--lookups", type=int, default=20)
    parser.add_argument("--db", type=Path, help="a store to copy and use instead of the demo organisation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.db"
        if args.db:
            shutil.copy(args.db, path)
        else:
            demo_template(path, {}, quiet=True)
        bot = Bot(make_engine(f"sqlite:///{path}"), admins=frozenset({"u0admin"}), semantic=False)
        bot.warm()
        long = argument(args.chars)
        print(f"topic argument of {len(long)} characters, CPU ms per command (median of {args.runs}, max):")
        for command in ("subscribe", "history", "stats"):
            times = [cpu_ms(bot, f"{command} {long}") for _ in range(args.runs)]
            print(f"  {command:<10} {statistics.median(times):9.1f} {max(times):9.1f}")
        baseline = [cpu_ms(bot, "history payroll") for _ in range(args.runs)]
        print(f"  baseline `history payroll`: {statistics.median(baseline):.1f} ms")
        walls = sorted(flood(bot, f"subscribe {long}", args.flood, args.lookups))
        print(f"`/poc payroll` wall ms while {args.flood} threads flood `subscribe`: "
              f"p50 {statistics.median(walls):.0f}, max {walls[-1]:.0f}")


if __name__ == "__main__":
    main()
