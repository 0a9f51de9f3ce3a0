"""Lookups are logged in batches: one short write a second, not one per question.

The same write marks the chat events answered since the last one as done, and notes
where people last talked to the bot, so a lookup's own request writes nothing but its
event claim."""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import exc as db_errors
from sqlalchemy.engine import Engine

from bot.platforms import chat_platforms
from bot.understanding.text import storable
from store import inbound_events, people, questions
from store.db import write_session
from store.models import Question

_LOGGER = logging.getLogger(__name__)
MAX_PENDING = 10_000  # beyond this (the store is down for long) the oldest are dropped
NOTED_SECONDS = 60.0  # a last platform written is not written again for this long (another replica may write another meanwhile: short)


class QuestionLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pending: list[Question] = []
        self._done: list[tuple[str, str]] = []  # (platform, event id) answered, to mark done
        self._noted: dict[int, tuple[str, float]] = {}  # person id -> (last platform written, when)
        self._lock = threading.Lock()

    def add(self, question: Question) -> None:
        """Never touches the store: safe to call on the answer's path and from async code."""
        question.text = storable(question.text or "")
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                del self._pending[0]
                _LOGGER.warning("question log full: dropping the oldest entry")
            self._pending.append(question)

    def event_done(self, platform: str, event_id: str) -> None:
        """Mark a claimed event done with the next flush (a retry before then is still
        turned away by the claim's lease)."""
        with self._lock:
            self._done.append((platform, event_id))

    def forget_platform(self, person_id: int) -> None:
        """Someone else wrote this person's last platform: write it again when it changes."""
        with self._lock:
            self._noted.pop(person_id, None)

    def flush(self) -> int:
        """Write what is pending, in one transaction; returns the rows written. When the store
        is unreachable the rows wait for the next flush; a batch the store refuses is written
        row by row and the rows it still refuses are dropped, so one bad row never holds up
        the ones after it."""
        with self._lock:
            rows, self._pending = self._pending, []
            done, self._done = self._done, []
        if not rows and not done:
            return 0
        try:
            self._write(rows, done)
        except Exception as exc:
            if _unreachable(exc):
                self._keep(rows, done)
                raise
            _LOGGER.warning("the store refused a batch of %d lookups; writing them one by one", len(rows))
            self._write_done(done)
            return self._write_each(rows)
        return len(rows)

    def _write(self, rows: list[Question], done: list[tuple[str, str]] | None = None) -> None:
        last = self._changed_platforms(rows)
        with write_session(self.engine) as session:
            for platform, event_id in done or []:
                inbound_events.finish(session=session, platform=platform, event_id=event_id)
            questions.record_all(session=session, rows=rows)
            people.note_platforms(session=session, last=last)
        now = time.monotonic()
        with self._lock:
            self._noted.update({person_id: (platform, now) for person_id, platform in last.items()})

    def _write_done(self, done: list[tuple[str, str]]) -> None:
        """One by one when the batch is refused: an event left unmarked is answered again when
        the platform retries it after its claim lapses."""
        for position, mark in enumerate(done):
            try:
                self._write([], [mark])
            except Exception as exc:
                if _unreachable(exc):
                    self._keep([], done[position:])
                    raise
                _LOGGER.error("could not mark the answered %s event %s done: %s", *mark, exc)

    def _changed_platforms(self, rows: list[Question]) -> dict[int, str]:
        """Where each person asked from, for those not written lately (a no-op UPDATE each
        second would make every lookup a write)."""
        chat, now = chat_platforms(), time.monotonic()
        last = {q.person_id: q.platform for q in rows if q.person_id is not None and q.platform in chat}
        with self._lock:
            if len(self._noted) >= MAX_PENDING:
                self._noted.clear()
            return {person_id: platform for person_id, platform in last.items()
                    if self._noted.get(person_id, ("", 0.0))[0] != platform
                    or now - self._noted[person_id][1] >= NOTED_SECONDS}

    def _write_each(self, rows: list[Question]) -> int:
        written = 0
        for position, row in enumerate(rows):
            try:
                self._write([row])
            except Exception as exc:
                if _unreachable(exc):
                    self._keep(rows[position:], [])
                    raise
                _LOGGER.error("dropping a lookup the store refuses: %s", exc)
            else:
                written += 1
        return written

    def _keep(self, rows: list[Question], done: list[tuple[str, str]]) -> None:
        """Put rows (and done marks) back in front, for the next flush."""
        with self._lock:
            room = MAX_PENDING - len(self._pending)
            if room > 0:
                self._pending[:0] = rows[-room:]
            room = MAX_PENDING - len(self._done)
            if room > 0:
                self._done[:0] = done[-room:]


def _unreachable(exc: Exception) -> bool:
    """The store is down or busy (try the same rows later), rather than refusing these rows."""
    if isinstance(exc, db_errors.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (db_errors.OperationalError, db_errors.InterfaceError, db_errors.TimeoutError))
