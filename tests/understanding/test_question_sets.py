"""The project's own question sets (bench/sets) as regression floors: three directories unlike the
development set's, so a change that only fits the hospital shows here."""
from __future__ import annotations

from pathlib import Path

import pytest

from integrations import bootstrap
from integrations.evaluation import load_questions, run_eval, scratch_store

SETS = Path(__file__).resolve().parents[2] / "bench" / "sets"
# Measured (README, "How questions are understood"); each floor a few questions under it.
FLOORS = {"iberline": 0.74, "atlantica": 0.8, "brightloop": 0.74, "mercado": 0.71}
# `none` questions these weights still name someone for (the README says why); any other is a regression.
KNOWN_NAMED = {
    "iberline": {"who can help me plan my route for the Camino de Santiago?"},
    "atlantica": {"who handles the parking fine I got in Seville last weekend?",
                  "who's the contact for recruitment at Inditex? thinking of applying"},
    "brightloop": {"who handles billing for my mobile phone contract? Vodafone charged me twice"},
    "mercado": {"who looks after the in-store pharmacy counter?",
                "snails are destroying the vegetable patch, does anyone know about pest control for gardens?",
                "my Seat Ibiza has a recall for the airbags, who do I contact about that?",
                "an Amazon parcel sent for home delivery went to the neighbour instead, who do I talk to?"},
}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def scored(request):
    folder = SETS / request.param
    with scratch_store(folder / "org.yaml") as engine:
        yield request.param, run_eval(bootstrap.make_bot(engine), load_questions(folder / "questions.yaml"))


def test_accuracy_stays_above_the_floor(scored) -> None:
    name, score = scored
    misses = "\n".join(f"[{o.question.kind}] {o.question.text} -> {o.answer}" for o in score.misses)
    assert score.accuracy >= FLOORS[name], misses


def test_no_other_question_that_nobody_covers_names_a_person(scored) -> None:
    name, score = scored
    assert {o.question.text for o in score.named_none} <= KNOWN_NAMED[name]


def test_names_and_aliases_are_all_answered(scored) -> None:
    _, score = scored
    plain = score.by_kind()["plain"]
    assert plain[0] == plain[1]
