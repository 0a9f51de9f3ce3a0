"""Keeps one TopicIndex per process, rebuilt when the store's directory version moves."""
from __future__ import annotations

import logging
import threading
import time

from sqlmodel import Session

from bot.resolve import IndexEntry, TopicIndex
from store import queries

_LOGGER = logging.getLogger(__name__)


class IndexCache:
    def __init__(self) -> None:
        self._index: TopicIndex | None = None
        self._version: int | None = None
        self._lock = threading.Lock()

    def get(self, *, session: Session) -> TopicIndex:
        """The index for the store's current directory version (one cheap select)."""
        version = queries.directory_version(session=session)
        if self._index is not None and version == self._version:
            return self._index
        with self._lock:
            if self._index is None or version != self._version:
                self._index = self._build(session=session)
                self._version = version
            return self._index

    def _build(self, *, session: Session) -> TopicIndex:
        started = time.perf_counter()
        index = TopicIndex(IndexEntry(*row) for row in queries.index_rows(session=session))
        _LOGGER.info("topic index: %d keys in %.0f ms", len(index), (time.perf_counter() - started) * 1e3)
        return index
