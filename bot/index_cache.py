"""One snapshot of the live directory per process, rebuilt when the store's version moves."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlmodel import Session

from bot.understanding.names import TopicIndex
from store import queries
from store.queries import TopicRow

_LOGGER = logging.getLogger(__name__)
_MAX_DEPTH = 32  # imports reject parent cycles; this only bounds a corrupted store


@dataclass(frozen=True)
class Snapshot:
    """The topic index plus each live topic's row, so a lookup reads only assignments."""

    version: int
    index: TopicIndex
    topics: dict[int, TopicRow]

    def lineage(self, topic_id: int) -> list[TopicRow]:
        """The topic, its parent, its grandparent... up to the root."""
        chain: list[TopicRow] = []
        row = self.topics.get(topic_id)
        while row is not None and len(chain) < _MAX_DEPTH:
            chain.append(row)
            row = self.topics.get(row.parent_id) if row.parent_id else None
        return chain


class IndexCache:
    def __init__(self) -> None:
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
                self._snapshot = _build(version, session=session)
            return self._snapshot


def _build(version: int, *, session: Session) -> Snapshot:
    started = time.perf_counter()
    topics = {row.id: row for row in queries.live_topics(session=session)}
    # Stored keys spare computing topic_key 200k times; a change to topic_key therefore
    # needs a data migration that recomputes topic.key and topic_alias.key.
    entries = [(t.id, t.name, False, t.key) for t in topics.values()]
    entries += [(i, alias, True, key) for i, alias, key in queries.live_aliases(session=session)]
    index = TopicIndex(entries)
    elapsed = (time.perf_counter() - started) * 1e3
    _LOGGER.info("directory v%d: %d topics, %d keys in %.0f ms", version, len(topics), len(index), elapsed)
    return Snapshot(version, index, topics)
