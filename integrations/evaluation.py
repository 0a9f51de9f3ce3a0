"""`pocbot eval`: score a question file against a directory, as the ../shared/eval README says."""
from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.messages import Actor, Request
from bot.understanding.evaluate import EvalQuestion, Score, judge
from store import migrate
from store.db import make_engine

EVAL_ACTOR = Actor(platform="console", user_id="eval")


class QuestionFileError(ValueError):
    """The question file is not in the expected format."""


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise QuestionFileError(f"{path}: {exc}") from None
    rows = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise QuestionFileError(f"{path}: expected a `questions:` list")
    questions = []
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not row.get("text") or not row.get("expect"):
            raise QuestionFileError(f"{path}: question {number} needs `text` and `expect`")
        if not isinstance(row.get("expect_person") or "", str):
            raise QuestionFileError(f"{path}: question {number}: `expect_person` must be an email")
        questions.append(EvalQuestion(str(row.get("kind", "all")), str(row["text"]), str(row["expect"]),
                                      row.get("expect_person")))
    return questions


@contextmanager
def scratch_store(org: Path) -> Iterator[Engine]:
    """A throwaway SQLite store loaded from an org file, removed afterwards."""
    from integrations.files.importing import import_file

    with tempfile.TemporaryDirectory(prefix="pocbot-eval-") as folder:
        engine = make_engine(f"sqlite:///{folder}/eval.db")
        migrate.upgrade(engine)
        import_file(engine, org, actor="eval", quiet=True)
        try:
            yield engine
        finally:
            engine.dispose()


def run_eval(bot: Bot, questions: list[EvalQuestion]) -> Score:
    bot.warm()
    score = Score()
    for question in questions:
        started = time.perf_counter()
        reply = bot.handle(Request(question.text, EVAL_ACTOR))
        score.outcomes.append(judge(question, reply, (time.perf_counter() - started) * 1e3))
    return score


def score_json(score: Score) -> dict:
    return {
        "accuracy": round(score.accuracy, 4),
        "by_kind": {k: {"right": r, "total": t} for k, (r, t) in sorted(score.by_kind().items())},
        "none_named": len(score.named_none),
        "sure_share": round(score.sure_share, 4),
        "latency_ms": {"p50": round(score.latency(0.5), 2), "p99": round(score.latency(0.99), 2)},
        "misses": [
            {"kind": o.question.kind, "text": o.question.text, "expect": o.question.expect,
             "answer": o.answer, "named": list(o.named)}
            for o in score.misses
        ],
    }


def score_lines(score: Score) -> list[str]:
    lines = ["kind          right  total  accuracy"]
    for kind, (right, total) in sorted(score.by_kind().items()):
        lines.append(f"{kind:<13} {right:>5}  {total:>5}  {right / total:>7.1%}")
    total = len(score.outcomes)
    lines += [
        f"{'overall':<13} {sum(o.right for o in score.outcomes):>5}  {total:>5}  {score.accuracy:>7.1%}",
        f"none questions that named someone: {len(score.named_none)}",
        f"right answers given as one sure topic: {score.sure_share:.1%}",
        f"latency: p50 {score.latency(0.5):.1f} ms, p99 {score.latency(0.99):.1f} ms",
    ]
    if score.misses:
        lines.append("misses:")
        lines += [f"  [{o.question.kind}] {o.question.text!r}: expected {o.question.expect}, got {o.answer}"
                  for o in score.misses]
    return lines
