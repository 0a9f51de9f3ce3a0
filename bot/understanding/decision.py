"""The typed outcome of understanding a question: sure, a close call, or nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from bot.messages import Why


class Verdict(str, Enum):
    sure = "sure"  # one topic: name its POC
    close = "close"  # two or three likely topics: offer them
    nothing = "nothing"  # no topic covers it: name nobody


@dataclass(frozen=True)
class Candidate:
    topic_id: int
    score: float  # the fused, calibrated confidence (0..1)
    why: Why
    evidence: dict[str, float] = field(default_factory=dict, compare=False)  # each kind's own score


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    candidates: tuple[Candidate, ...] = ()  # best first; for nothing, only plausibly related ones
    query: str = ""  # the words read as the topic, for "nothing covers ..."
    semantic: bool = False  # whether meaning was consulted
    certainty: float = 1.0  # the probability that the best candidate is right

    @property
    def topic_id(self) -> int | None:
        return self.candidates[0].topic_id if self.verdict is Verdict.sure else None
