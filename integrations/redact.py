"""Keeps tokens and secrets out of every log line, whatever library writes it."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

_TOKEN = re.compile(r"\b(xox[abposr]|xapp|xoxe(?:\.xox[bp])?)-[A-Za-z0-9-]+")


def redact(text: str, secrets: list[str]) -> str:
    cleaned = _TOKEN.sub(r"\1-[redacted]", text)
    for secret in secrets:
        cleaned = cleaned.replace(secret, "[redacted]")
    return cleaned


class RedactSecrets(logging.Filter):
    """A filter for one handler; `install` covers every record instead."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub(record, self.secrets)
        return True


def _scrub(record: logging.LogRecord, secrets: list[str]) -> None:
    message = record.getMessage()
    cleaned = redact(message, secrets)
    if cleaned != message:
        record.msg, record.args = cleaned, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info), secrets)


def install(secrets: list[str]) -> Callable[[], None]:
    """Scrub every log record as it is made, for every logger and handler, now and later.

    Returns a function that undoes it (for tests).
    """
    kept = [s for s in secrets if len(s) >= 6]
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub(record, kept)
        return record

    logging.setLogRecordFactory(factory)
    return lambda: logging.setLogRecordFactory(previous)
