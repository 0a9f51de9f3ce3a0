"""Every weight and threshold of the decision, in one place, fitted on eleven question sets.

Each topic gets features from the evidence (the share of the question's words it explains,
how much closer in meaning it is than the directory's average topic, its lead over the
runner-up...). A logistic model turns them into the probability that the topic is the one
asked about; `bench/calibrate.py` fits it on ../shared/eval and bench/sets/* and prints these numbers.
"""
from __future__ import annotations

import numpy as np

from bot.understanding.decision import Verdict
from bot.understanding.words import WordScores

TAIL_EMPHASIS = 0.35  # words after "for the ..." are context, not the subject
SHORTLIST = 5  # candidates kept after scoring
MAX_CHOICES = 3  # a close call offers this many topics at most
WORDS_EXPLAIN = 0.45  # the matched words are given as the reason from this share on
SPREAD_FLOOR = 0.02  # meaning scores of a tiny directory barely vary: don't divide by ~0

SURE = 0.95  # the certainty needed to name the best topic's POC alone. On the development set held
# out, 0.9 gave 75 sure and right, 5 sure and wrong; 0.95 gave 61 and 4, and the questions between
# go to a likely answer (three POCs), which holds the right one more often.
SURE_WORDS_ONLY = 0.95  # the same without the model (words alone are a weaker witness) ...
KNOWN_WORDS_ONLY = 0.7  # ... and most of the question's words must be the directory's own
# Most of a question's words unknown to the directory ("tax evasion advice from aliens"): sure
# only when its meaning, too, stands out (standard scores above the directory's average topic).
KNOWN_ENOUGH = 0.5
MEANING_ENOUGH = 2.5
MEANING_CLOSE = 2.0
LIKELY = 0.79  # each choice names its POC when the right topic is among them with this probability.
# bench/calibrate.py --cross (each of eleven question sets scored by weights fitted on the others): at
# 0.7, 1,265 of 1,560 right and 29 `none` questions named; 0.75, 1,260 and 24; 0.78, 1,245 and 23;
# 0.79, 1,242 and 21; 0.8, 1,232 and 21; 0.85, 1,198 and 18; 0.9, 1,140 and 12.
CLOSE = 0.25  # a short list of topics (no person named) is offered from this certainty
RELATED = 0.05  # a topic this likely (rank probability) may be offered as a choice ...
CHOICE_SHARE = 0.1  # ... when it is also at least this share of the best topic's


TIE = 1e-6  # topics whose word scores differ by less explain the question's words equally


def choices(ranks: list[float], words: list[float]) -> int:
    """How many of the best-ranked topics to offer: the likely ones, and any that explain the
    question's words as well as the best one does ("benefits" is a tag of two topics)."""
    return max(offered(ranks), tied(words))


def tied(words: list[float]) -> int:
    """How many of the first topics (up to the last one tied with the best) the words cannot
    tell apart; 0 when the best explains too little of the question for its words to count."""
    if len(words) < 2 or words[0] < WORDS_EXPLAIN:
        return 0
    last = max((n for n, w in enumerate(words[:MAX_CHOICES]) if w >= words[0] - TIE), default=0)
    return last + 1 if last else 0


def offered(ranks: list[float]) -> int:
    """How many of the best-ranked topics to offer as choices (none named)."""
    if not ranks or ranks[0] < RELATED:
        return 0
    keep = [r for r in ranks[:MAX_CHOICES] if r >= RELATED and r >= CHOICE_SHARE * ranks[0]]
    return len(keep)

FEATURES = ("words", "known", "words_lead", "phrase", "full", "head", "sentence", "full_lead", "off_work", "part",
            "part_lead", "full_sq", "full_part")
# Fitted by bench/calibrate.py on ../shared/eval and bench/sets/*; words-only when meaning is off
# (those on the development set alone: refitted on every set, they named a `none` question).
# Fitted before the Spanish glossary (glossary.py), which changes only questions read as Spanish:
# refitted with its first version, 2 fewer right in the fit and a development `none` named.
# RANK: which topic is asked about (a logistic model over every topic).
RANK = {"bias": -3.7, "words": -2.868, "known": 1.565, "words_lead": 7.626, "phrase": 0.036, "full": 1.078,
        "head": -0.159, "sentence": 0.022, "full_lead": 33.005, "off_work": -10.367, "part": 1.049, "part_lead": 46.582,
        "full_sq": 0.035, "full_part": -0.467}
RANK_WORDS_ONLY = {"bias": -4.077, "words": 1.248, "known": 1.757, "words_lead": 11.063, "phrase": 1.644}
# DECIDE: whether the best-ranked topic is right (a logistic model over the question).
DECIDE_FEATURES = ("best", "gap", "words", "known", "phrase", "full_lead", "off_work", "private", "part_lead",
                   "rest_off", "rest_z", "rest_best", "elsewhere")
DECIDE = {"bias": -5.521, "best": 3.229, "gap": 1.783, "words": -0.118, "known": -0.475, "phrase": 0.638,
          "full_lead": -1.076, "off_work": 9.6, "private": -4.719, "part_lead": 8.98, "rest_off": -8.837,
          "rest_z": 0.039, "rest_best": 4.599, "elsewhere": -0.82}
DECIDE_WORDS_ONLY = {"bias": -2.041, "best": 1.813, "gap": 3.3, "words": -2.04, "known": 2.182, "phrase": 0.96,
                     "private": -6.442}


def features(words: WordScores, meaning: dict[str, np.ndarray], private: bool = False) -> dict[str, np.ndarray]:
    found = {"words": words.scores, "known": np.full_like(words.scores, words.known),
             "words_lead": _lead(words.scores), "private": np.full_like(words.scores, float(private)),
             "phrase": meaning["phrase"] if "phrase" in meaning else np.zeros_like(words.scores),
             "elsewhere": meaning["elsewhere"] if "elsewhere" in meaning else np.zeros_like(words.scores),
             "mine": meaning["mine"] if "mine" in meaning else np.zeros_like(words.scores)}
    for name in ("full", "head", "sentence", "part"):
        if name in meaning:
            found[name] = _standard(meaning[name])
    if "full" in meaning:
        found["full_lead"] = _lead(meaning["full"])
        # Meaning is not linear in the standard score: its square and its product with the best
        # clause's, fitted like the rest (left out in turn: +12 right). Only the topics well above the
        # directory's average are ever in contention: signed or clipped versions measure the same.
        found["full_sq"] = found["full"] ** 2
        found["full_part"] = found["full"] * found["part"]
        found["off_work"] = meaning["off_work"]
        found["part_lead"] = _lead(meaning["part"])
        found["part_raw"] = meaning["part"]  # the cosine itself: a model's own scale, not the directory's
        found.update({name: meaning[name] for name in ("rest_best", "rest_off", "rest_z")})
    return found


def rank(found: dict[str, np.ndarray]) -> np.ndarray:
    """Per topic, the probability that it is the one asked about."""
    return _logistic(RANK if "full" in found else RANK_WORDS_ONLY, found)


def decide_features(ranked: np.ndarray, order: np.ndarray, found: dict[str, np.ndarray]) -> dict[str, float]:
    best = int(order[0])
    runner = float(ranked[order[1]]) if len(order) > 1 else 0.0
    values = {"best": float(ranked[best]), "gap": float(ranked[best]) - runner}
    values.update({name: float(found[name][best]) for name in DECIDE_FEATURES if name in found})
    return values


# WITHIN: whether the right topic is among the offered choices (a logistic model over the question).
WITHIN_FEATURES = ("sure", "mass", "known", "words", "off_work", "private", "phrase", "part_raw", "rest_off", "rest_z",
                   "rest_best", "elsewhere")
WITHIN = {"bias": -23.476, "sure": 1.969, "mass": 2.772, "known": -0.465, "words": -0.46, "off_work": 17.326,
          "private": -3.834, "phrase": 0.883, "part_raw": 35.185, "rest_off": -17.153, "rest_z": -0.053,
          "rest_best": -8.696, "elsewhere": -0.429}


LIKELY_OFFERS = 3  # a likely answer offers the best three, each with its POC


def likely_count(ranks: list[float], words: list[float]) -> int:
    """How many topics a likely answer offers."""
    return min(len(ranks), LIKELY_OFFERS) if LIKELY_OFFERS else choices(ranks, words)


def within_features(ranked: np.ndarray, order: np.ndarray, found: dict[str, np.ndarray], sure: float) -> dict[str, float]:
    ranks = [float(ranked[i]) for i in order]
    count = likely_count(ranks, [float(found["words"][i]) for i in order])
    best = int(order[0])
    values = {"sure": sure, "mass": sum(ranks[:count])}
    values.update({name: float(found[name][best]) for name in WITHIN_FEATURES if name in found and name != "phrase"})
    values["phrase"] = float(max((found["phrase"][i] for i in order[:count]), default=0.0))
    values["semantic"] = float("part_raw" in found)  # not a feature: without the model, no likely answer
    return values


def within(values: dict[str, float]) -> float:
    """The probability that the right topic is among the offered choices (0 without the model)."""
    if not values.get("semantic"):
        return 0.0
    return _probability(WITHIN, values)


def certainty(values: dict[str, float]) -> float:
    """The probability that the best-ranked topic is the right one."""
    return _probability(DECIDE if "full_lead" in values else DECIDE_WORDS_ONLY, values)


def _probability(weights: dict[str, float], values: dict[str, float]) -> float:
    logit = weights["bias"] + sum(w * values[name] for name, w in weights.items() if name != "bias")
    return float(1.0 / (1.0 + np.exp(-logit)))


def verdict(sure: float, semantic: bool = True, known: float = 1.0, meaning: float = 0.0,
            private: bool = False, likely: float = 0.0, tie: bool = False) -> Verdict:
    if private or tie:  # one's own pets, home, car; or words two topics explain alike: no one topic
        sure_enough = False
    elif semantic:
        sure_enough = sure >= SURE and (known >= KNOWN_ENOUGH or meaning >= MEANING_ENOUGH)
    else:
        sure_enough = sure >= SURE_WORDS_ONLY and known >= KNOWN_WORDS_ONLY
    if sure_enough:
        return Verdict.sure
    plausible = known > 0 or meaning >= MEANING_CLOSE  # gibberish is no close call, nor a likely answer
    if likely >= LIKELY and not private and not tie and plausible:
        return Verdict.likely
    if sure >= CLOSE and plausible:
        return Verdict.close
    return Verdict.nothing


def _logistic(weights: dict[str, float], found: dict[str, np.ndarray]) -> np.ndarray:
    logit = np.full_like(found["words"], weights["bias"])
    for name, weight in weights.items():
        if name != "bias":
            logit += weight * found[name]
    return 1.0 / (1.0 + np.exp(-logit))


def _standard(values: np.ndarray) -> np.ndarray:
    """How many spreads above the directory's average topic each topic is."""
    return (values - values.mean()) / max(float(values.std()), SPREAD_FLOOR)


def _lead(values: np.ndarray) -> np.ndarray:
    """Each topic's lead over the best other topic (negative for all but the best)."""
    if len(values) < 2:
        return np.zeros_like(values)
    top2 = np.partition(values, -2)[-2:]
    best, runner = float(top2[1]), float(top2[0])
    return np.where(values >= best, values - runner, values - best).astype(np.float32)
