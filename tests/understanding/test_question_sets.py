"""The project's own question sets (bench/sets) as regression floors: ten directories unlike the
development set's, so a change that only fits the hospital shows here."""
from __future__ import annotations

from pathlib import Path

import pytest

from integrations import bootstrap
from integrations.evaluation import load_questions, run_eval, scratch_store

SETS = Path(__file__).resolve().parents[2] / "bench" / "sets"
# Measured (README, "How questions are understood"); each floor a few questions under it.
FLOORS = {"atlantica": 0.81, "brightloop": 0.76, "forjaauto": 0.75, "iberline": 0.75, "lexaria": 0.76, "mercado": 0.74,
          "pixelmoon": 0.78, "prensaviva": 0.74, "solmar": 0.74, "voltaria": 0.83}
# `none` questions these weights still name someone for (the README says why); any other is a regression.
KNOWN_NAMED = {
    "atlantica": {"who handles the parking fine I got in Seville last weekend?",
                  "who's the contact for recruitment at Inditex? thinking of applying"},
    "brightloop": set(),
    "forjaauto": {"who do i ask about registering the forja trademark in mexico",
                  "who is the point of contact for the works council at seat? my brother works there",
                  "who do i ask about a parking fine from the ayuntamiento, i got one in the city centre"},
    "iberline": {"who can help me plan my route for the Camino de Santiago?"},
    "lexaria": {"who handles the billing dispute i have with my mobile phone provider",
                "who is the press officer for real madrid",
                "who's the poc for recruitment at garrigues? a friend wants to apply there"},
    "mercado": {"who looks after the in-store pharmacy counter?",
                "snails are destroying the vegetable patch, does anyone know about pest control for gardens?",
                "an Amazon parcel sent for home delivery went to the neighbour instead, who do I talk to?"},
    "pixelmoon": {"does anyone know who does localisation for Ikea's catalogue? asking for my sister who works there"},
    "prensaviva": {"who's the poc for defamation at la gaceta? the rival paper just got sued",
                   "the subtitles on the movie i'm streaming tonight are out of sync, who do i ask"},
    "solmar": {"who organises the summer camp for employees' kids",
               "who handles security for the champions league final in lisbon"},
    "voltaria": {"who at Cardiff council deals with potholes on my street?",
                 "who's in charge of recruitment for our five-a-side team? we need a keeper"},
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
