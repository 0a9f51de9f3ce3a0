"""Lookups are logged in batches: one short write a second, not one per question."""
from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

from store import people, questions
from store.db import write_session
from store.models import Question

_LOGGER = logging.getLogger(__name__)
MAX_PENDING = 10_000
CHAT = ("slack", "teams")  # the platforms a person may be reached on besides the console  # beyond this (the store is down for long) the oldest are dropped


class QuestionLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pending: list[Question] = []
        self._lock = threading.Lock()

    def add(self, question: Question) -> None:
        """Never touches the store: safe to call on the answer's path and from async code."""
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                del self._pending[0]
                _LOGGER.warning("question log full: dropping the oldest entry")
            self._pending.append(question)

    def flush(self) -> int:
        with self._lock:
            rows, self._pending = self._pending, []
        if not rows:
            return 0
        try:
            with write_session(self.engine) as session:
                questions.record_all(session=session, rows=rows)
                last = {q.person_id: q.platform for q in rows if q.person_id is not None and q.platform in CHAT}
                people.note_platforms(session=session, last=last)
        except Exception:
            with self._lock:  # keep them for the next flush
                self._pending[:0] = rows[-(MAX_PENDING - len(self._pending)) :]
            raise
        return len(rows)
