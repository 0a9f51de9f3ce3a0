"""One snapshot of the live directory per process, rebuilt when the store's version moves."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.understanding.names import TopicIndex
from bot.understanding.meaning import MODEL, PARTS, VECTORS, MeaningIndex, description_parts, topic_text
from bot.understanding.pipeline import Directory
from bot.understanding.words import TopicDocument
from bot.understanding.stored import part_vectors, topic_vectors
from store import examples, queries
from store.queries import TopicRow

_LOGGER = logging.getLogger(__name__)
_MAX_DEPTH = 32  # imports reject parent cycles; this only bounds a corrupted store


@dataclass(frozen=True)
class Snapshot:
    """The topic index plus each live topic's row, so a lookup reads only assignments."""

    version: int
    index: TopicIndex
    topics: dict[int, TopicRow]
    understanding: Directory

    def lineage(self, topic_id: int) -> list[TopicRow]:
        """The topic, its parent, its grandparent... up to the root."""
        chain: list[TopicRow] = []
        row = self.topics.get(topic_id)
        while row is not None and len(chain) < _MAX_DEPTH:
            chain.append(row)
            row = self.topics.get(row.parent_id) if row.parent_id else None
        return chain


class IndexCache:
    def __init__(self, *, semantic: bool = True, engine: Engine | None = None) -> None:
        self.semantic = semantic
        self.engine = engine  # where topic vectors are kept; None: encoded in memory only
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def get(self, *, session: Session) -> Snapshot:
        """The snapshot for the store's current directory version (one cheap select)."""
        version = queries.directory_version(session=session)
        snapshot = self._snapshot
        if snapshot is not None and snapshot.version == version:
            return snapshot
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version:
                meaning = partial(meaning_of, self.engine) if self.semantic else None
                self._snapshot = _build(version, session=session, meaning=meaning)
            return self._snapshot


def _build(version: int, *, session: Session, meaning: Callable[[Directory], MeaningIndex | None] | None) -> Snapshot:
    started = time.perf_counter()
    topics = {row.id: row for row in queries.live_topics(session=session)}
    # Stored keys spare computing topic_key 200k times; a change to topic_key therefore
    # needs a data migration that recomputes topic.key and topic_alias.key.
    entries = [(t.id, t.name, False, t.key) for t in topics.values()]
    aliases = queries.live_aliases(session=session)
    entries += [(i, alias, True, key) for i, alias, key in aliases]
    index = TopicIndex(entries)
    directory = Directory(_documents(topics, aliases, queries.live_tags(session=session),
                                     examples.live(session=session)), index, meaning)
    elapsed = (time.perf_counter() - started) * 1e3
    _LOGGER.info("directory v%d: %d topics, %d keys in %.0f ms", version, len(topics), len(index), elapsed)
    return Snapshot(version, index, topics, directory)


def _documents(topics: dict[int, TopicRow], aliases: list[tuple[int, str, str]],
               tags: list[tuple[int, str]], taught: list[tuple[int, str, str]]) -> list[TopicDocument]:
    """Each topic as understanding reads it: name, aliases, description, tags, parent's name, examples."""
    alias_of: dict[int, list[str]] = {}
    for topic_id, alias, _ in aliases:
        alias_of.setdefault(topic_id, []).append(alias)
    tag_of: dict[int, list[str]] = {}
    for topic_id, tag in tags:
        tag_of.setdefault(topic_id, []).append(tag)
    example_of: dict[int, list[str]] = {}
    exact_of: dict[int, list[str]] = {}
    for topic_id, text, source in taught:
        example_of.setdefault(topic_id, []).append(text)
        if source != "picked":  # one person's pick is evidence, not a rule for everyone
            exact_of.setdefault(topic_id, []).append(text)
    return [
        TopicDocument(t.id, t.name, tuple(alias_of.get(t.id, ())), t.description or "",
                      tuple(tag_of.get(t.id, ())), topics[t.parent_id].name if t.parent_id in topics else "",
                      tuple(example_of.get(t.id, ())), tuple(exact_of.get(t.id, ())))
        for t in topics.values()
    ]


def meaning_of(engine: Engine | None, directory: Directory) -> MeaningIndex | None:
    """Topic and example vectors for the directory (None when meaning is off or the model is missing)."""
    encoder = MODEL.get()
    if encoder is None:
        return None
    if engine is not None:
        vectors, _ = topic_vectors(engine, encoder, directory.order)
        parts, part_owners, _ = part_vectors(engine, encoder, directory.order)
    else:
        vectors = VECTORS.vectors(encoder, [topic_text(d.name, d.aliases, d.description) for d in directory.order],
                                  directory=True)
        split = [description_parts(d.name, d.description) for d in directory.order]
        part_owners = [position for position, texts in enumerate(split) for _ in texts]
        parts = PARTS.vectors(encoder, [text for texts in split for text in texts], directory=True)
    taught = [(position, text) for position, d in enumerate(directory.order) for text in d.examples]
    examples = VECTORS.vectors(encoder, [text for _, text in taught]) if taught else None
    return MeaningIndex(encoder, vectors, examples, [position for position, _ in taught], parts, part_owners)


def directory_documents(*, session: Session) -> list[TopicDocument]:
    """Every live topic as understanding reads it (for encoding the directory after an import)."""
    topics = {row.id: row for row in queries.live_topics(session=session)}
    return _documents(topics, queries.live_aliases(session=session), queries.live_tags(session=session),
                      examples.live(session=session))
