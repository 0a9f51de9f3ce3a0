"""Fit the decision's weights and thresholds on question sets: ../shared/eval and bench/sets/*.

Computes every feature of bot/understanding/calibration.py for every (question, topic),
fits a logistic model (is this topic the one asked about?) with a little L2, then searches
the verdict thresholds that maximise accuracy with no `none` question naming anyone.
Prints the numbers to paste into calibration.py, and the accuracy they reach.

    .venv/bin/python bench/calibrate.py [--eval SET [SET ...]] [--test SET ...] [--words-only]

A SET is a folder with org.yaml and questions.yaml in the ../shared/eval format.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.understanding import calibration as cal  # noqa: E402
from bot.understanding.need import find_need, private_life  # noqa: E402
from bot.understanding.pipeline import _named, evidence  # noqa: E402
from integrations import bootstrap  # noqa: E402
from integrations.evaluation import load_questions, scratch_store  # noqa: E402
from store.db import read_session  # noqa: E402

_SET_IDS = 10_000_000  # topic ids of the n-th set's directory are shifted by n times this


def default_sets() -> list[Path]:
    """The public development set (where ../shared is present) and the project's own sets."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "eval"
    own = sorted(p for p in (Path(__file__).resolve().parent / "sets").iterdir() if (p / "questions.yaml").exists())
    return ([shared] if (shared / "questions.yaml").exists() else []) + own


def collect(folders: list[Path], words_only: bool):
    """Per question: (kind, expected topic id or None, named-by-name topic id or None, features, the
    directory's topic ids in index order). Ids are made unique across the sets' directories."""
    rows = []
    for number, folder in enumerate(folders):
        offset = number * _SET_IDS
        with scratch_store(folder / "org.yaml") as engine:
            bot = bootstrap.make_bot(engine)
            with read_session(engine) as session:
                snapshot = bot.directory.get(session=session)
            directory = snapshot.understanding
            ids = {row.name: row.id + offset for row in snapshot.topics.values()}
            order = np.asarray([int(i) + offset for i in directory.words.topic_ids])
            for q in load_questions(folder / "questions.yaml"):
                need = find_need(q.text)
                named = _named(need, directory) if need.query else None
                words, meaning = evidence(need, directory)
                kept = {k: v for k, v in meaning.items() if k in ("phrase", "elsewhere", "mine")} if words_only else meaning
                found = cal.features(words, kept, private_life(need.text))
                rows.append((q.kind, ids.get(q.expect), named.topic_id + offset if named else None, found, order))
    return rows


def rank_names(words_only: bool) -> tuple[str, ...]:
    return tuple(f for f in cal.FEATURES if not words_only or f in cal.RANK_WORDS_ONLY or f == "phrase")


def decide_names(words_only: bool) -> tuple[str, ...]:
    return tuple(f for f in cal.DECIDE_FEATURES
                 if not words_only or f in cal.DECIDE_WORDS_ONLY or f in ("private", "phrase"))


def fit(X: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Logistic regression by Newton's method on standardised features, L2 on every weight
    but the bias; returned in the features' own units."""
    mean, spread = X.mean(axis=0), np.maximum(X.std(axis=0), 1e-6)
    w = _fit((X - mean) / spread, y, l2)
    raw = w[1:] / spread
    return np.r_[w[0] - float(raw @ mean), raw]


def _fit(X: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    X = np.hstack([np.ones((len(X), 1)), X])
    w = np.zeros(X.shape[1])
    penalty = l2 * np.diag(np.r_[0, np.ones(len(w) - 1)])
    for _ in range(60):
        p = 1 / (1 + np.exp(-X @ w))
        grad = X.T @ (p - y) + penalty @ w
        hess = (X * (p * (1 - p))[:, None]).T @ X + penalty
        w -= np.linalg.solve(hess, grad)
    return w


def weights(names: tuple[str, ...], w: np.ndarray) -> dict[str, float]:
    return {"bias": round(float(w[0]), 3)} | {n: round(float(v), 3) for n, v in zip(names, w[1:])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, nargs="+", default=default_sets(),
                        help="Question sets (folders with org.yaml and questions.yaml), fitted together "
                             "(default: ../shared/eval, where present, and bench/sets/*).")
    parser.add_argument("--test", type=Path, nargs="*", default=[],
                        help="Question sets scored with the fitted weights, not fitted on.")
    parser.add_argument("--cross", action="store_true",
                        help="Leave each --eval set out in turn: fit on the others, score it.")
    parser.add_argument("--words-only", action="store_true")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--show", action="store_true", help="List each question's certainty.")
    args = parser.parse_args()
    for folder in args.eval:
        if not (folder / "questions.yaml").exists():
            sys.exit(f"no question set at {folder}")
    rows = collect(args.eval, args.words_only)
    if args.cross:
        cross(args.eval, rows, args.l2, args.words_only)
        return
    decided, Xd, yd, scored, Xw, yw = fit_weights(rows, args.l2, args.words_only)
    print("RANK =", cal.RANK_WORDS_ONLY if args.words_only else cal.RANK)
    held_out_sure(decided, Xd, yd, args.l2)
    print("DECIDE =", cal.DECIDE_WORDS_ONLY if args.words_only else cal.DECIDE)
    if not args.words_only:
        print("WITHIN =", cal.WITHIN)
        held_out(scored, Xw, yw, args.l2)
    scored = [(*s[:6], cal.within(s[6]), s[7]) for s in scored]
    test_sets(args.test, args.words_only)
    if args.show:
        texts = [q.text for folder in args.eval for q in load_questions(folder / "questions.yaml")]
        for row, text in sorted(zip(scored, texts), key=lambda r: -r[0][6]):
            kind, expect, named, best, choices, sure, likely, _ = row
            if named is None:
                mark = "OK" if best == expect else ("in" if expect in choices else ("--" if expect is None else "xx"))
                print(f"{sure:.3f} {likely:.3f} {kind:11} {mark} {text[:70]}")
    results = []
    likely_grid = [1.01] if args.words_only else np.arange(0.3, 1.0, 0.025)
    for sure_at in np.arange(0.3, 0.96, 0.025):
        for close_at in np.arange(0.05, sure_at + 0.001, 0.05):
            for likely_at in likely_grid:
                results.append((simulate(scored, sure_at, close_at, likely_at), sure_at, close_at, likely_at))
    print(f"with SURE = {cal.SURE}, by LIKELY (a margin above the best one guards unseen `none` questions):")
    for likely_at in (0.6, 0.65, 0.675, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        accuracy, named_none, sure_share = simulate(scored, cal.SURE, cal.CLOSE, likely_at)
        print(f"  LIKELY = {likely_at:.3f}: accuracy {accuracy:.1%}, none named {named_none}, sure {sure_share:.0%}")
    safe = [r for r in results if r[0][1] == 0]
    print("best with no `none` named (then with >= 80 % of right answers sure):")
    for pool in (safe, [r for r in safe if r[0][2] >= 0.8]):
        for (accuracy, named_none, sure_share), sure_at, close_at, likely_at in sorted(
                pool, key=lambda r: (r[0][0], r[0][2]), reverse=True)[:4]:
            print(f"SURE = {sure_at:.3f}, CLOSE = {close_at:.3f}, LIKELY = {likely_at:.3f}: accuracy {accuracy:.1%}, "
                  f"none named {named_none}, right answers that were sure {sure_share:.0%}")


def fit_weights(rows, l2: float, words_only: bool):
    """Fits RANK, then DECIDE on its rankings, then WITHIN on both, into bot/understanding/calibration."""
    names = rank_names(words_only)
    X = np.concatenate([np.stack([found[n] for n in names], axis=1) for *_, found, _ in rows])
    y = np.concatenate([order == (expect if expect is not None else -1) for _, expect, _, _, order in rows]).astype(float)
    setattr(cal, "RANK_WORDS_ONLY" if words_only else "RANK", weights(names, fit(X, y, l2)))
    decided = decide_rows(rows)
    dnames = decide_names(words_only)
    Xd = np.asarray([[d[5][n] for n in dnames] for d in decided])
    yd = np.asarray([d[1] is not None and d[3] == d[1] for d in decided], dtype=float)
    setattr(cal, "DECIDE_WORDS_ONLY" if words_only else "DECIDE", weights(dnames, fit(Xd, yd, l2)))
    scored = score_decided(decided)
    Xw = yw = None
    if not words_only:
        Xw = np.asarray([[s[6][n] for n in cal.WITHIN_FEATURES] for s in scored])
        yw = np.asarray([s[1] is not None and s[1] in s[4] for s in scored], dtype=float)
        cal.WITHIN = weights(cal.WITHIN_FEATURES, fit(Xw, yw, l2))
    return decided, Xd, yd, scored, Xw, yw


def cross(folders: list[Path], rows, l2: float, words_only: bool) -> None:
    """Leave one set out: fit on the other sets, score the one left out (a directory and questions
    never fitted on, as a company's own will be). Totals over the sets, by LIKELY."""
    if len(folders) < 2:
        sys.exit("--cross needs two question sets or more: one to leave out, the others to fit on")
    sizes = [len(load_questions(f / "questions.yaml")) for f in folders]
    bounds = np.cumsum([0, *sizes])
    grid = tuple(sorted({0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, cal.LIKELY}))
    totals = {at: [0, 0, 0] for at in grid}
    for i, folder in enumerate(folders):
        left_out = rows[bounds[i]:bounds[i + 1]]
        fit_weights(rows[:bounds[i]] + rows[bounds[i + 1]:], l2, words_only)
        scored = [(*s[:6], cal.within(s[6]), s[7]) for s in score_decided(decide_rows(left_out))]
        texts = [q.text for q in load_questions(folder / "questions.yaml")]
        for row, text in zip(scored, texts):
            kind, expect, named, best, choices, sure, likely, values = row
            if kind in ("unknown", "decoy") and named is None and not values.get("guard") and (
                    sure >= cal.SURE or (likely >= cal.LIKELY and values.get("plausible", 1.0))):
                print(f"  named a `none` ({'sure' if sure >= cal.SURE else 'likely'} {sure:.2f}/{likely:.2f}): {text}")
        for at in grid:
            accuracy, named_none, sure_share = simulate(scored, cal.SURE, cal.CLOSE, at)
            right = round(accuracy * len(scored))
            totals[at][0] += right
            totals[at][1] += named_none
            print(f"left out {folder}: LIKELY = {at:.2f}: {right}/{len(scored)} = {accuracy:.1%}, none named {named_none}, "
                  f"sure {sure_share:.0%}")
    for at in grid:
        print(f"all sets left out in turn, SURE = {cal.SURE}, LIKELY = {at:.2f}: {totals[at][0]}/{sum(sizes)} = "
              f"{totals[at][0] / sum(sizes):.1%}, none named {totals[at][1]}")


def decide_rows(rows):
    """Each question ranked with the current RANK: its best topic, the choices a likely answer offers."""
    decided = []
    for kind, expect, named, found, order in rows:
        ranked = cal.rank(found)
        top = np.argsort(-ranked)[: cal.SHORTLIST]
        values = cal.decide_features(ranked, top, found)
        explained = [float(found["words"][i]) for i in top]
        choices = [int(order[i]) for i in top[: cal.likely_count([float(ranked[i]) for i in top], explained)]]
        # not a feature: the verdict's own guards (words two topics explain alike, private life, the asker's own)
        values["guard"] = float(cal.tied(explained) > 1 or bool(found["private"][0]) or bool(found["mine"][0]))
        meaning = float(found["full"][top[0]]) if "full" in found else 0.0
        values["plausible"] = float(float(found["known"][0]) > 0 or meaning >= cal.MEANING_CLOSE)
        decided.append((kind, expect, named, int(order[top[0]]), choices, values, (ranked, top, found)))
    return decided


def score_decided(decided):
    """Each question's certainty (current DECIDE) and WITHIN features."""
    scored = []
    for kind, expect, named, best, choices, values, (ranked, top, found) in decided:
        sure = cal.certainty(values)
        scored.append((kind, expect, named, best, choices, sure, cal.within_features(ranked, top, found, sure), values))
    return scored


def test_sets(folders: list[Path], words_only: bool) -> None:
    """Score other sets with the weights just fitted: what a directory never fitted on gets."""
    for folder in folders:
        scored = [(*s[:6], cal.within(s[6]), s[7]) for s in score_decided(decide_rows(collect([folder], words_only)))]
        for likely_at in (0.7, 0.75, 0.8, 0.85, 0.9):
            accuracy, named_none, sure_share = simulate(scored, cal.SURE, cal.CLOSE, likely_at)
            print(f"test {folder}: SURE = {cal.SURE}, LIKELY = {likely_at:.2f}: accuracy {accuracy:.1%}, "
                  f"none named {named_none}, sure {sure_share:.0%}")


def leave_one_out(X: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Each row's probability from a model fitted on every other row."""
    p = np.zeros(len(X))
    for i in range(len(X)):
        keep = np.arange(len(X)) != i
        w = fit(X[keep], y[keep], l2)
        p[i] = 1 / (1 + np.exp(-(w[0] + X[i] @ w[1:])))
    return p


def held_out_sure(decided, X: np.ndarray, y: np.ndarray, l2: float) -> None:
    """Leave-one-out for DECIDE: sure answers (not by name) right, wrong, and to `none` questions."""
    p = leave_one_out(X, y, l2)
    by_name = np.asarray([d[2] is not None or bool(d[5].get("guard")) for d in decided])  # never sure here
    nones = np.asarray([d[0] in ("unknown", "decoy") for d in decided])  # an ambiguous one sure is "wrong"
    sure = (p >= cal.SURE) & ~by_name
    print(f"held out (leave-one-out) at SURE = {cal.SURE}: sure and right {int((sure & (y == 1)).sum())}, "
          f"sure and wrong {int((sure & (y == 0) & ~nones).sum())}, sure on a `none` question {int((sure & nones).sum())}"
          f" (highest `none` {float(p[nones & ~by_name].max(initial=0.0)):.3f})")


def held_out(scored, X: np.ndarray, y: np.ndarray, l2: float) -> None:
    """Leave-one-out: each question's WITHIN probability from a model fitted without it, and how
    many topic questions a likely answer would get right above the highest `none` question's."""
    p = leave_one_out(X, y, l2)
    nones = np.asarray([s[0] in ("unknown", "decoy") for s in scored])
    named = np.asarray([s[2] is not None or s[5] >= cal.SURE for s in scored])  # answered before `likely`
    p[np.asarray([bool(s[7].get("guard")) or not s[7].get("plausible", 1.0) for s in scored])] = 0.0  # never likely
    top = float(p[nones & ~named].max()) if (nones & ~named).any() else 0.0
    gained = int(((p > top) & (y == 1) & ~named).sum())
    print(f"held out (leave-one-out): highest `none` {top:.3f}; questions not sure that a likely answer gets right "
          f"above it: {gained} of {int((y == 1)[~named].sum())}")
    highest = np.sort(p[nones & ~named])[::-1][:4]
    print("  highest `none` questions held out:", ", ".join(f"{v:.3f}" for v in highest))
    for at in (0.7, 0.75, 0.8, 0.85):
        print(f"  LIKELY = {at:.2f} held out: none named {int((p[nones & ~named] >= at).sum())}, "
              f"right {int(((p >= at) & (y == 1) & ~named).sum())}")


def simulate(scored, sure_at: float, close_at: float, likely_at: float) -> tuple[float, int, float]:
    """The eval's rule: sure names the best topic's POC, likely names each choice's POC, a close
    call and nothing name nobody; a guarded question is neither sure nor likely. (The verdict's
    checks of known words and meaning for sure answers are left out: an estimate.)"""
    right = named_none = sure_right = topic_right = 0
    for kind, expect, named, best, choices, sure, likely, values in scored:
        if values.get("guard"):
            sure = likely = 0.0
        if not values.get("plausible", 1.0):  # gibberish: no likely answer
            likely = 0.0
        if named is not None:
            verdict, offered = "sure", [named]
        elif sure >= sure_at:
            verdict, offered = "sure", [best]
        else:
            verdict, offered = ("likely", choices) if likely >= likely_at else ("nothing", [])
        if expect is None:
            ok = not offered
            named_none += bool(offered) and kind in ("unknown", "decoy")
        else:
            ok = expect in offered
            topic_right += ok
            sure_right += ok and verdict == "sure"
        right += ok
    return right / len(scored), named_none, sure_right / max(topic_right, 1)


if __name__ == "__main__":
    main()
