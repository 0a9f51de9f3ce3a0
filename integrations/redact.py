"""Keeps tokens and secrets out of every log line, whatever library writes it."""
from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\b(xox[abposr]|xapp|xoxe(?:\.xox[bp])?)-[A-Za-z0-9-]+")


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _TOKEN.sub(r"\1-[redacted]", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install(secrets: list[str]) -> RedactSecrets:
    """Attach the filter to every root handler (and to handlers added later via root)."""
    redactor = RedactSecrets(secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(redactor)
    return redactor
