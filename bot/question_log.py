"""Lookups are logged in batches: one short write a second, not one per question."""
from __future__ import annotations

import logging
import threading

from sqlalchemy import exc as db_errors
from sqlalchemy.engine import Engine

from bot.platforms import chat_platforms
from bot.understanding.text import storable
from store import people, questions
from store.db import write_session
from store.models import Question

_LOGGER = logging.getLogger(__name__)
MAX_PENDING = 10_000  # beyond this (the store is down for long) the oldest are dropped


class QuestionLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pending: list[Question] = []
        self._lock = threading.Lock()

    def add(self, question: Question) -> None:
        """Never touches the store: safe to call on the answer's path and from async code."""
        question.text = storable(question.text or "")
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                del self._pending[0]
                _LOGGER.warning("question log full: dropping the oldest entry")
            self._pending.append(question)

    def flush(self) -> int:
        """Write what is pending; returns the rows written. When the store is unreachable the
        rows wait for the next flush; a batch the store refuses is written row by row and the
        rows it still refuses are dropped, so one bad row never holds up the ones after it."""
        with self._lock:
            rows, self._pending = self._pending, []
        if not rows:
            return 0
        try:
            self._write(rows)
        except Exception as exc:
            if _unreachable(exc):
                self._keep(rows)
                raise
            _LOGGER.warning("the store refused a batch of %d lookups; writing them one by one", len(rows))
            return self._write_each(rows)
        return len(rows)

    def _write(self, rows: list[Question]) -> None:
        with write_session(self.engine) as session:
            questions.record_all(session=session, rows=rows)
            chat = chat_platforms()
            last = {q.person_id: q.platform for q in rows if q.person_id is not None and q.platform in chat}
            people.note_platforms(session=session, last=last)

    def _write_each(self, rows: list[Question]) -> int:
        written = 0
        for position, row in enumerate(rows):
            try:
                self._write([row])
            except Exception as exc:
                if _unreachable(exc):
                    self._keep(rows[position:])
                    raise
                _LOGGER.error("dropping a lookup the store refuses: %s", exc)
            else:
                written += 1
        return written

    def _keep(self, rows: list[Question]) -> None:
        """Put rows back in front, for the next flush."""
        with self._lock:
            room = MAX_PENDING - len(self._pending)
            if room > 0:
                self._pending[:0] = rows[-room:]


def _unreachable(exc: Exception) -> bool:
    """The store is down or busy (try the same rows later), rather than refusing these rows."""
    if isinstance(exc, db_errors.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (db_errors.OperationalError, db_errors.InterfaceError, db_errors.TimeoutError))
