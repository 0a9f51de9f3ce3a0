"""The in-memory topic index: exact keys in a dict, typos through trigram candidates.

A question resolves to one topic only when the evidence is unambiguous; otherwise
it yields suggestions and names nobody, because a confident wrong answer is the
worst thing this bot can do.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.understanding.text import topic_key
from bot.understanding.trigrams import TrigramIndex, hash_trigrams

_CANDIDATES = 64
_SUGGEST_MIN = 75  # suggestion_score for "did you mean"; below it a topic is unrelated
_MAX_SUGGESTIONS = 5
# What resolve reads of a query: no name is longer (store.models caps names and aliases at
# 200), so a longer text adds nothing but work. Each fuzzy phrase probe reads the trigram
# postings; capping the probes bounds the CPU one request can spend, whatever its length.
MAX_QUERY = 200
MAX_FUZZY_PROBES = 16
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


class IndexEntry(NamedTuple):
    topic_id: int
    text: str  # a topic's name or one of its aliases
    is_alias: bool
    key: str = ""  # topic_key(text), when the store already has it


@dataclass(frozen=True)
class Shared:
    """How many trigrams the question has, and how many each key shares with it."""

    size: int
    counts: np.ndarray


def allowed_edits(key: str) -> int:
    """Typos tolerated for a key of this length (the 'AUTO' fuzziness of search engines)."""
    length = len(key.replace(" ", ""))
    if length < 5:
        return 0
    return 1 if length < 9 else 2


class TopicIndex:
    """Names and aliases of every live topic, searchable without touching the store.

    Exact keys are ready at once; the trigram index for typos is built on first need,
    so a fresh process answers an exact question without paying for it.
    """

    def __init__(self, entries: Iterable[IndexEntry]) -> None:
        self._texts: list[str] = []
        self._keys: list[str] = []
        topic_ids: list[int] = []
        aliases: list[bool] = []
        self._exact: dict[str, int] = {}
        self._most_words = 0  # the most words of any key: a longer phrase cannot name one
        for topic_id, text, is_alias, *stored in entries:
            key = (stored and stored[0]) or topic_key(text)
            if not key or key in self._exact:
                continue
            self._exact[key] = len(self._keys)
            self._keys.append(key)
            self._most_words = max(self._most_words, key.count(" ") + 1)
            self._texts.append(text)
            topic_ids.append(topic_id)
            aliases.append(is_alias)
        self._topic = np.asarray(topic_ids, dtype=np.int64)
        self._alias = np.asarray(aliases, dtype=bool)
        self._trigrams: TrigramIndex | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def warm(self) -> None:
        """Build the typo index now (servers do it at start, before the first question)."""
        self._trigram_index()

    def exact(self, query: str) -> int | None:
        """The topic named exactly (name or alias, up to case, accents and plurals), if any."""
        hit = self._exact.get(topic_key(query))
        return None if hit is None else int(self._topic[hit])

    def whole(self, query: str, *, typos: bool = True) -> Resolution | None:
        """The topic the whole query names, exactly or (with typos) within a typo or two."""
        key = topic_key(query)
        if not key:
            return None
        hit = self._exact.get(key)
        if hit is not None:
            return self._found(MatchKind.exact, hit)
        if not typos:
            return None
        found = self._by_typo(key, self._shared(key))
        return found if found is not None and found.kind is MatchKind.fuzzy else None

    def resolve(self, query: str) -> Resolution:
        key = topic_key(query[:MAX_QUERY])
        if not key:
            return Resolution(MatchKind.unknown)
        hit = self._exact.get(key)
        if hit is not None:
            return self._found(MatchKind.exact, hit)
        shared = self._shared(key)
        return self._by_typo(key, shared) or self._by_part(key) or self._suggest(key, shared)

    def _found(self, kind: MatchKind, position: int) -> Resolution:
        return Resolution(
            kind, int(self._topic[position]), self._texts[position], bool(self._alias[position])
        )

    def _trigram_index(self) -> TrigramIndex:
        with self._lock:
            if self._trigrams is None:
                self._trigrams = TrigramIndex(self._keys)
            return self._trigrams

    def _shared(self, key: str) -> Shared:
        grams = hash_trigrams(key)
        return Shared(len(grams), self._trigram_index().counts(grams))

    def _candidates(self, shared: Shared, need: int) -> np.ndarray:
        """Keys sharing at least `need` trigrams, the most alike (Dice) first."""
        hits = np.flatnonzero(shared.counts >= max(need, 1))
        dice = shared.counts[hits] / (shared.size + self._trigram_index().grams[hits])
        if len(hits) > _CANDIDATES:
            top = np.argpartition(-dice, _CANDIDATES)[:_CANDIDATES]
            hits, dice = hits[top], dice[top]
        return hits[np.argsort(-dice, kind="stable")]

    def _within(self, key: str, shared: Shared) -> list[tuple[int, int]]:
        """(typos, position) of keys within the typos both their length and key's allow."""
        limit = allowed_edits(key)
        if not limit:
            return []
        # One edit changes at most four distinct trigrams: fewer shared cannot be close.
        found = []
        for p in self._candidates(shared, shared.size - 4 * limit):
            other = self._keys[p]
            allowed = min(limit, allowed_edits(other))
            if allowed and (d := OSA.distance(key, other, score_cutoff=allowed)) <= allowed:
                found.append((d, int(p)))
        return sorted(found)

    def _by_typo(self, key: str, shared: Shared) -> Resolution | None:
        close = self._within(key, shared)
        if not close:
            return None
        best = close[0][0]
        topics = _unique(int(self._topic[p]) for d, p in close if d == best)
        if len(topics) > 1:
            return Resolution(MatchKind.ambiguous, suggestions=tuple(topics[:_MAX_SUGGESTIONS]))
        return self._found(MatchKind.fuzzy, close[0][1])

    def _by_part(self, key: str) -> Resolution | None:
        """A name or alias inside a longer question: 'travel bookings' -> Travel."""
        # Two typos can join or split two words, hence the slack of two on the run length.
        hits = self._phrase_hits(_phrases(key, self._most_words + 2))
        if not hits:
            return None
        best = max(hits, key=lambda p: len(self._keys[p]))
        topics = _unique(int(self._topic[p]) for p in hits)
        # A short match inside a long question is a hint, not an answer.
        if len(topics) > 1 or _coverage(self._keys[best], key) < 0.5:
            return Resolution(MatchKind.ambiguous, suggestions=tuple(topics[:_MAX_SUGGESTIONS]))
        return self._found(MatchKind.partial, best)

    def _phrase_hits(self, phrases: list[str]) -> list[int]:
        """Positions of the keys the phrases name, exactly or (the first few) within typos."""
        hits, probes = [], 0
        for phrase in phrases:
            exact = self._exact.get(phrase)
            if exact is not None:
                hits.append(exact)
            elif probes < MAX_FUZZY_PROBES and allowed_edits(phrase):
                probes += 1
                hits += [p for _, p in self._within(phrase, self._shared(phrase))[:1]]
        return hits

    def _suggest(self, key: str, shared: Shared) -> Resolution:
        # A likely suggestion shares a fair part of the question's trigrams.
        candidates = self._candidates(shared, -(-shared.size // 4))
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


def _phrases(key: str, most_words: int) -> list[str]:
    """Every run of up to most_words words shorter than the whole key, longest first, no bare
    stop words."""
    words = key.split()
    runs = [
        " ".join(words[i : i + n])
        for n in range(min(len(words) - 1, most_words), 0, -1)
        for i in range(len(words) - n + 1)
    ]
    return [r for r in runs if len(r) >= 3 and not set(r.split()) <= _STOP_WORDS]


def _unique(items: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(items))
