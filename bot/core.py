"""The platform-neutral bot: one request in, one reply out."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy.engine import Engine

from bot.i18n import detect_language
from bot.index_cache import IndexCache
from bot.messages import Reply, ReplyKind, Request
from bot.parse import Command, parse
from bot.services.lookup import lookup
from store.db import read_session

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Bot:
    """Holds the store and the topic index; adapters call handle() for every message."""

    def __init__(self, engine: Engine, *, language: str = "en", clock: Clock = utc_now) -> None:
        self.engine = engine
        self.language = language
        self.clock = clock
        self.directory = IndexCache()

    def handle(self, request: Request) -> Reply:
        lang = detect_language(request.text, self.language)
        command = parse(request.text)
        try:
            return self._run(command, lang)
        except Exception:
            # A bug must never reach the user as a traceback; it is logged for us.
            _LOGGER.exception("failed to answer %r", command)
            return Reply(ReplyKind.error, lang)

    def ask(self, question: str, *, at: datetime | None = None) -> Reply:
        """Answer a lookup directly (the `pocbot who` command), optionally as of a date."""
        lang = detect_language(question, self.language)
        command = parse(question)
        return self._run(command, lang, at=at)

    def _run(self, command: Command, lang: str, at: datetime | None = None) -> Reply:
        if command.name == "help":
            return Reply(ReplyKind.help, lang)
        if command.name in ("empty", "too_long"):
            return Reply(ReplyKind.usage, lang, note=command.name)
        with read_session(self.engine) as session:
            snapshot = self.directory.get(session=session)
            now = at or self.clock()
            return lookup(command.argument, session=session, snapshot=snapshot, lang=lang, now=now)
