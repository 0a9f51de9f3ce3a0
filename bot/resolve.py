"""The in-memory topic index: exact keys in a dict, typos through trigram candidates.

A question resolves to one topic only when the evidence is unambiguous; otherwise
it yields suggestions and names nobody, because a confident wrong answer is the
worst thing this bot can do.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.text import topic_key

_BUCKETS = 1 << 20
_CHUNK = 16_384
_CANDIDATES = 64
_SUGGEST_MIN = 75  # suggestion_score for "did you mean"; below it a topic is unrelated
_MAX_SUGGESTIONS = 5
_STOP_WORDS = frozenset(
    "a an and the of for to in on at by with about my our your is are be it me i we you "
    "el la lo los las de del y o en con para por sobre mi un una que".split()
)


class MatchKind(str, Enum):
    exact = "exact"  # a topic's name or alias, as typed (up to case, accents, plurals)
    fuzzy = "fuzzy"  # within a typo or two of a name or alias
    partial = "partial"  # a name or alias found inside a longer question
    ambiguous = "ambiguous"  # several topics fit equally well: suggest, answer nobody
    unknown = "unknown"


@dataclass(frozen=True)
class Resolution:
    kind: MatchKind
    topic_id: int | None = None
    matched: str = ""  # the name or alias that matched, as written in the directory
    via_alias: bool = False
    suggestions: tuple[int, ...] = ()  # topic ids, best first


@dataclass(frozen=True)
class IndexEntry:
    topic_id: int
    text: str  # a topic's name or one of its aliases
    is_alias: bool


def allowed_edits(key: str) -> int:
    """Typos tolerated for a key of this length (the 'AUTO' fuzziness of search engines)."""
    length = len(key.replace(" ", ""))
    if length < 5:
        return 0
    return 1 if length < 9 else 2


class TopicIndex:
    """Names and aliases of every live topic, searchable without touching the store."""

    def __init__(self, entries: Iterable[IndexEntry]) -> None:
        self._texts: list[str] = []
        self._keys: list[str] = []
        topic_ids: list[int] = []
        aliases: list[bool] = []
        self._exact: dict[str, int] = {}
        for entry in entries:
            key = topic_key(entry.text)
            if not key or key in self._exact:
                continue
            self._exact[key] = len(self._keys)
            self._keys.append(key)
            self._texts.append(entry.text)
            topic_ids.append(entry.topic_id)
            aliases.append(entry.is_alias)
        self._topic = np.asarray(topic_ids, dtype=np.int64)
        self._alias = np.asarray(aliases, dtype=bool)
        self._offsets, self._postings, self._sizes = _build_trigrams(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def resolve(self, query: str) -> Resolution:
        key = topic_key(query)
        if not key:
            return Resolution(MatchKind.unknown)
        hit = self._exact.get(key)
        if hit is not None:
            return self._found(MatchKind.exact, hit)
        candidates = self._candidates(key)
        return (
            self._by_typo(key, candidates)
            or self._by_part(key)
            or self._suggest(key, candidates)
        )

    def _found(self, kind: MatchKind, position: int) -> Resolution:
        return Resolution(
            kind, int(self._topic[position]), self._texts[position], bool(self._alias[position])
        )

    def _candidates(self, key: str) -> np.ndarray:
        """Positions of the keys sharing the most trigrams with key (Dice), best first."""
        grams = np.unique(_hash_trigrams(key))
        lists = [self._postings[self._offsets[g] : self._offsets[g + 1]] for g in grams]
        if not lists or not len(self._keys):
            return np.empty(0, dtype=np.int64)
        counts = np.bincount(np.concatenate(lists), minlength=len(self._keys))
        hits = np.flatnonzero(counts)
        dice = counts[hits] / (len(grams) + self._sizes[hits])
        if len(hits) > _CANDIDATES:
            top = np.argpartition(-dice, _CANDIDATES)[:_CANDIDATES]
            hits, dice = hits[top], dice[top]
        return hits[np.argsort(-dice, kind="stable")]

    def _by_typo(self, key: str, candidates: np.ndarray) -> Resolution | None:
        limit = allowed_edits(key)
        if not limit:
            return None
        scored = [(OSA.distance(key, self._keys[p], score_cutoff=limit), p) for p in candidates]
        close = sorted((d, int(p)) for d, p in scored if d <= limit)
        if not close:
            return None
        best = close[0][0]
        topics = _unique(int(self._topic[p]) for d, p in close if d == best)
        if len(topics) > 1:
            return Resolution(MatchKind.ambiguous, suggestions=tuple(topics[:_MAX_SUGGESTIONS]))
        return self._found(MatchKind.fuzzy, close[0][1])

    def _by_part(self, key: str) -> Resolution | None:
        """A name or alias inside a longer question: 'travel bookings' -> Travel."""
        hits = [p for phrase in _phrases(key) for p in self._phrase_hits(phrase)]
        if not hits:
            return None
        best = max(hits, key=lambda p: len(self._keys[p]))
        topics = _unique(int(self._topic[p]) for p in hits)
        # A short match inside a long question is a hint, not an answer.
        if len(topics) > 1 or _coverage(self._keys[best], key) < 0.5:
            return Resolution(MatchKind.ambiguous, suggestions=tuple(topics[:_MAX_SUGGESTIONS]))
        return self._found(MatchKind.partial, best)

    def _phrase_hits(self, phrase: str) -> list[int]:
        exact = self._exact.get(phrase)
        if exact is not None:
            return [exact]
        limit = allowed_edits(phrase)
        if not limit:
            return []
        found = [
            int(p)
            for p in self._candidates(phrase)[:8]
            if OSA.distance(phrase, self._keys[p], score_cutoff=limit) <= limit
        ]
        return found[:1]

    def _suggest(self, key: str, candidates: np.ndarray) -> Resolution:
        scored = sorted(
            ((suggestion_score(key, self._keys[p]), int(p)) for p in candidates), reverse=True
        )
        topics = _unique(int(self._topic[p]) for s, p in scored if s >= _SUGGEST_MIN)
        if not topics:
            return Resolution(MatchKind.unknown)
        return Resolution(MatchKind.ambiguous, suggestions=tuple(topics[:_MAX_SUGGESTIONS]))


def suggestion_score(query: str, key: str) -> float:
    """How likely someone typing query meant key: whole-string or word-by-word likeness."""
    whole = fuzz.ratio(query, key)
    words = [w for w in query.split() if len(w) >= 3 and w not in _STOP_WORDS]
    key_words = [w for w in key.split() if len(w) >= 3]
    if not words or not key_words:
        return whole
    # Any one word close to one of the key's words is enough to suggest (not answer).
    per_word = max(fuzz.ratio(w, k) for w in words for k in key_words)
    return max(whole, per_word)


def _coverage(part: str, whole: str) -> float:
    """The share of the question's content words that the matched phrase accounts for."""
    content = [w for w in whole.split() if w not in _STOP_WORDS]
    matched = [w for w in part.split() if w not in _STOP_WORDS]
    return len(matched) / max(len(content), 1)


def _phrases(key: str) -> list[str]:
    """Every run of words shorter than the whole key, longest first, no bare stop words."""
    words = key.split()
    runs = [
        " ".join(words[i : i + n])
        for n in range(len(words) - 1, 0, -1)
        for i in range(len(words) - n + 1)
    ]
    return [r for r in runs if len(r) >= 3 and not set(r.split()) <= _STOP_WORDS]


def _unique(items: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(items))


def _hash_trigrams(key: str) -> np.ndarray:
    codes = np.frombuffer(f" {key} ".encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return _mix(codes[:-2], codes[1:-1], codes[2:])


def _mix(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return ((a * 1_000_003 + b) * 1_000_003 + c) % _BUCKETS


def _build_trigrams(keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A CSR inverted index: trigram bucket -> key positions, built with array maths."""
    buckets, owners, sizes = [], [], np.zeros(len(keys), dtype=np.int64)
    for start in range(0, len(keys), _CHUNK):
        chunk = [f" {k} " for k in keys[start : start + _CHUNK]]
        width = max(len(k) for k in chunk)
        codes = np.array(chunk, dtype=f"<U{width}").view(np.uint32).reshape(len(chunk), width)
        codes = codes.astype(np.uint64)
        grams = _mix(codes[:, :-2], codes[:, 1:-1], codes[:, 2:])
        valid = codes[:, 2:] != 0
        rows = np.broadcast_to(np.arange(start, start + len(chunk))[:, None], grams.shape)
        buckets.append(grams[valid])
        owners.append(rows[valid])
        sizes[start : start + len(chunk)] = valid.sum(axis=1)
    if not keys:
        return np.zeros(_BUCKETS + 1, dtype=np.int64), np.empty(0, dtype=np.int64), sizes
    bucket = np.concatenate(buckets)
    owner = np.concatenate(owners)
    order = np.argsort(bucket, kind="stable")
    offsets = np.zeros(_BUCKETS + 1, dtype=np.int64)
    np.cumsum(np.bincount(bucket, minlength=_BUCKETS), out=offsets[1:])
    return offsets, owner[order].astype(np.int32), sizes
