"""The typed outcome of understanding a question: sure, likely one of a few, a close call, or nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from bot.messages import Why


class Verdict(str, Enum):
    sure = "sure"  # one topic: name its POC
    likely = "likely"  # almost surely one of two or three topics: offer them, each with its POC
    close = "close"  # two or three plausible topics: offer them, naming nobody until one is picked
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
    within: float = 1.0  # the probability that the right topic is among the offered ones
    offered: int = 0  # how many of the candidates a close call (or a "nothing") offers as choices

    @property
    def topic_id(self) -> int | None:
        return self.candidates[0].topic_id if self.verdict is Verdict.sure else None
