"""A word index over topic documents: which topics explain a question's words, and how well.

Each word is weighed by how rare it is in the directory (idf) and by where the topic
uses it (its name or an alias counts more than its description). A topic's score is the
share of the question's information it explains, so a question with words no topic
knows ("training my dog") scores low on every topic.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.understanding.vocabulary import content_words, variants

# Where a topic uses a word, and how much that says about the topic.
FIELD_WEIGHTS = {"name": 1.0, "alias": 1.0, "example": 0.95, "description": 0.8, "tag": 0.6, "parent": 0.35}


@dataclass(frozen=True)
class TopicDocument:
    topic_id: int
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()
    parent: str = ""
    examples: tuple[str, ...] = ()  # every phrasing kept for it (taught, imported or picked)
    taught: tuple[str, ...] = ()  # those a manager taught or a file gave: an exact match answers

    def fields(self) -> Iterable[tuple[str, str]]:
        yield "name", self.name
        for alias in self.aliases:
            yield "alias", alias
        for example in self.examples:
            yield "example", example
        yield "description", self.description
        for tag in self.tags:
            yield "tag", tag
        if self.parent:
            yield "parent", self.parent


@dataclass(frozen=True)
class WordHit:
    word: str  # the question's word
    field: str  # where the topic has it


@dataclass(frozen=True)
class WordScores:
    scores: np.ndarray  # per topic position: the share of the question's information explained
    words: tuple[str, ...]  # the question's content words
    weights: np.ndarray  # each word's information (idf times its place in the question)
    known: float  # the share of the question's information that some topic knows
    # per word, the stems it was matched by: its own, or its translation's ("contrasena": password)
    stems: tuple[tuple[str, ...], ...] = field(default=())


class WordIndex:
    def __init__(self, documents: Sequence[TopicDocument]) -> None:
        self.topic_ids = np.asarray([d.topic_id for d in documents], dtype=np.int64)
        self.position = {d.topic_id: i for i, d in enumerate(documents)}
        best: dict[str, dict[int, float]] = defaultdict(dict)
        for i, doc in enumerate(documents):
            for field, text in doc.fields():
                weight = FIELD_WEIGHTS[field]
                for word in content_words(text):
                    for stem in variants(word):
                        if best[stem].get(i, 0.0) < weight:
                            best[stem][i] = weight
        total = max(len(documents), 1)
        self.max_idf = math.log(1 + total)
        self._postings = {
            stem: (np.fromiter(hits.keys(), np.int32, len(hits)), np.fromiter(hits.values(), np.float32, len(hits)),
                   math.log(1 + total / len(hits)))
            for stem, hits in best.items()
        }

    def __len__(self) -> int:
        return len(self.topic_ids)

    def idf(self, word: str) -> float:
        """How informative a word is; a word no topic uses is as informative as the rarest."""
        return self._idf(variants(word))

    def _idf(self, stems: Iterable[str]) -> float:
        found = [self._postings[s][2] for s in stems if s in self._postings]
        return max(found) if found else self.max_idf

    def known(self, word: str) -> bool:
        return any(s in self._postings for s in variants(word))

    def stems(self, word: str, bridge: Callable[[str], tuple[str, ...]] | None = None) -> tuple[str, ...]:
        """What the word is matched by: its own stems, or, when no topic knows it, those of its
        translations that some topic knows ("contrasena" -> "password" in an English directory)."""
        own = variants(word)
        if bridge is None or any(s in self._postings for s in own):
            return own
        bridged = tuple(s for other in bridge(word) for s in variants(other) if s in self._postings)
        return tuple(dict.fromkeys(bridged)) or own

    def score(self, words: Sequence[str], emphasis: Sequence[float] | None = None,
              bridge: Callable[[str], tuple[str, ...]] | None = None) -> WordScores:
        """Per topic, the share of the words' information it explains (0..1).

        Emphasis below 1 applies only to words some topic knows: context that names another
        topic ("for the emergency team") matters less, but words no topic knows ("for my
        wedding") always count against every topic. A `bridge` gives translations for words
        no topic knows.
        """
        emphasis = emphasis or [1.0] * len(words)
        stems = tuple(self.stems(w, bridge) for w in words)
        known_words = [any(s in self._postings for s in found) for found in stems]
        weights = np.asarray([self._idf(found) * (e if k else 1.0) for found, e, k in zip(stems, emphasis, known_words)],
                             dtype=np.float32)
        scores = np.zeros(len(self.topic_ids), dtype=np.float32)
        known = 0.0
        for found, weight in zip(stems, weights):
            per_word = None
            for stem in found:
                if stem in self._postings:
                    where, field_weight, _ = self._postings[stem]
                    per_word = per_word if per_word is not None else np.zeros_like(scores)
                    np.maximum.at(per_word, where, field_weight)
            if per_word is not None:
                scores += weight * per_word
                known += float(weight)
        total = float(weights.sum()) or 1.0
        return WordScores(scores / total, tuple(words), weights, known / total, stems)

    def hits(self, words: Sequence[str], topic_id: int, documents: dict[int, TopicDocument],
             stems: Sequence[tuple[str, ...]] = ()) -> list[WordHit]:
        """Which of the words the topic uses, and where (for saying why it matched); `stems`, from
        the words' scores, are what each word was matched by."""
        doc = documents[topic_id]
        found = []
        for n, word in enumerate(words):
            mine = set(stems[n] if n < len(stems) else variants(word))
            for field, text in doc.fields():
                if any(mine & set(variants(w)) for w in content_words(text)):
                    found.append(WordHit(word, field))
                    break
        return found
