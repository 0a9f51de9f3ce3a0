"""The public development set (../shared/eval) as a regression floor for understanding."""
from __future__ import annotations

from pathlib import Path

import pytest

from integrations import bootstrap
from integrations.evaluation import load_questions, run_eval, scratch_store

EVAL = Path(__file__).resolve().parents[2].parent / "shared" / "eval"
# Measured 86.9 % (README, "How questions are understood"), with the weights fitted on this set and
# bench/sets together. The floor sits a few questions under it, since thread counts change the
# model's last digits, so that a real regression fails. The target (95 %, floor 93 %) is
# not reached.
FLOOR = 0.84


@pytest.fixture(scope="module")
def score():
    if not (EVAL / "questions.yaml").exists():
        pytest.skip(f"the development set is not at {EVAL} (../shared is absent)")
    with scratch_store(EVAL / "org.yaml") as engine:
        yield run_eval(bootstrap.make_bot(engine), load_questions(EVAL / "questions.yaml"))


def test_no_question_that_nobody_covers_names_a_person(score) -> None:
    assert [o.question.text for o in score.named_none] == []


def test_overall_accuracy_stays_above_the_floor(score) -> None:
    misses = "\n".join(f"[{o.question.kind}] {o.question.text} -> {o.answer}" for o in score.misses)
    assert score.accuracy >= FLOOR, misses


def test_questions_naming_a_topic_exactly_are_all_answered(score) -> None:
    by_kind = score.by_kind()
    assert by_kind["plain"][0] == by_kind["plain"][1]
    assert by_kind["typo"][0] == by_kind["typo"][1]
