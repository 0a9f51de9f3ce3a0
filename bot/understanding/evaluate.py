"""Scoring answers against a question file (the ../shared/eval format): who did each answer name?"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot.messages import Reply, ReplyKind

MAX_NAMED = 4  # a POC plus backups is fine; a list of everyone is not an answer
NOBODY = ("none", "suggest")


@dataclass(frozen=True)
class EvalQuestion:
    kind: str
    text: str
    expect: str  # a topic name, "none" or "suggest"
    expect_person: str | None = None


@dataclass(frozen=True)
class Outcome:
    question: EvalQuestion
    named: tuple[str, ...]  # emails of the people the answer named
    answer: str  # a short account of the answer, for the misses
    right: bool
    sure: bool  # one topic answered (rather than a list)
    ms: float


@dataclass
class Score:
    outcomes: list[Outcome] = field(default_factory=list)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            counts[o.question.kind][0] += o.right
            counts[o.question.kind][1] += 1
        return {kind: (right, total) for kind, (right, total) in counts.items()}

    @property
    def accuracy(self) -> float:
        return sum(o.right for o in self.outcomes) / max(len(self.outcomes), 1)

    @property
    def named_none(self) -> list[Outcome]:
        """`none` questions whose answer named somebody: the worst kind of miss."""
        return [o for o in self.outcomes if o.question.expect == "none" and o.named]

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.right]

    @property
    def sure_share(self) -> float:
        """Of the right answers to topic questions, the share given as one sure topic."""
        right = [o for o in self.outcomes if o.right and o.question.expect not in NOBODY]
        return sum(o.sure for o in right) / max(len(right), 1)

    def latency(self, quantile: float) -> float:
        times = sorted(o.ms for o in self.outcomes)
        return times[min(int(quantile * len(times)), len(times) - 1)] if times else 0.0


def named_people(reply: Reply) -> tuple[str, ...]:
    """Every person the reply names: the POC, backups and cover, or each choice's POC."""
    people = []
    if reply.answer is not None:
        a = reply.answer
        people += [p for p in (a.primary, a.cover, *a.backups) if p is not None]
    for choice in reply.choices:
        people += [p for p in (choice.primary,) if p is not None]
    return tuple(dict.fromkeys(p.email.lower() for p in people))


def describe(reply: Reply) -> str:
    if reply.answer is not None:
        return f"{reply.answer.topic} ({reply.kind.value})"
    if reply.choices:
        return "choices: " + " | ".join(c.topic for c in reply.choices)
    if reply.suggestions:
        return "suggested: " + " | ".join(reply.suggestions)
    return reply.kind.value


def judge(question: EvalQuestion, reply: Reply, ms: float) -> Outcome:
    named = named_people(reply)
    if question.expect in NOBODY:
        right = not named
    else:
        right = (question.expect_person or "").lower() in named and len(named) <= MAX_NAMED
    sure = reply.kind is ReplyKind.answer
    return Outcome(question, named, describe(reply), right, sure, ms)
