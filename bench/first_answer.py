"""Answer one question in a fresh process and print, as JSON, where its time and memory went."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

_STARTED = time.perf_counter()


def _breakdown(engine: object) -> dict[str, float]:
    """Rebuild the index by hand, step by step, to show which step costs what (seconds)."""
    from bot.understanding.names import IndexEntry, TopicIndex
    from store import queries
    from store.db import read_session

    marks = [time.perf_counter()]
    with read_session(engine) as session:  # type: ignore[arg-type]
        topics = list(queries.live_topics(session=session))
        marks.append(time.perf_counter())
        aliases = list(queries.live_aliases(session=session))
        marks.append(time.perf_counter())
    entries = [IndexEntry(t.id, t.name, False, t.key) for t in topics]
    entries += [IndexEntry(i, a, True, k) for i, a, k in aliases]
    index = TopicIndex(entries)
    marks.append(time.perf_counter())
    index.warm()
    marks.append(time.perf_counter())
    steps = ("load_topics_s", "load_aliases_s", "exact_index_s", "trigrams_s")
    return {step: round(b - a, 4) for step, a, b in zip(steps, marks, marks[1:])}


def peak_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: a child spawned by a big parent
    inherits the parent's peak in ru_maxrss (Linux keeps it across exec); VmHWM starts afresh."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db")
    parser.add_argument("question")
    parser.add_argument("--breakdown", action="store_true", help="also time the index build's steps")
    args = parser.parse_args()
    from bot.core import Bot
    from store.db import make_engine

    imported = time.perf_counter()
    engine = make_engine(f"sqlite:///{args.db}")
    reply = Bot(engine).lookup(args.question)
    answered = time.perf_counter()
    report = {
        "kind": reply.kind.value,
        "topic": reply.answer.topic if reply.answer else None,
        "import_s": round(imported - _STARTED, 4),
        "first_answer_s": round(answered - imported, 4),
        "peak_mb": round(peak_mb(), 1),
    }
    if args.breakdown:
        report |= _breakdown(engine)
    engine.dispose()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
