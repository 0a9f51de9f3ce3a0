"""The longest text each directory field holds: the column sizes, defined once.

The models declare their columns with these; chat commands and import validation refuse
longer text with a clear message instead of cutting it (SQLite would keep anything,
PostgreSQL fails), so what is stored is what was typed, and exports import back.
A name's key (`topic_key`) goes in a column of the same size, and folding may lengthen
text ("ß" becomes "ss"), so both the text and its key must fit.
"""
from __future__ import annotations

from collections.abc import Callable

TOPIC_NAME = 200  # a topic's name, an alias, a parent named in a file; and their keys
DESCRIPTION = 2000
CHANNEL = 80
TAG = 64
EXAMPLE = 300  # a taught phrasing, and its folded key
EMAIL = 254
PERSON_NAME = 200
SLACK_ID = 32
TEAMS_ID = 200
TIMEZONE = 64
ROLE = 16
REASON = 500


def fits(text: str, limit: int, key: Callable[[str], str] | None = None) -> bool:
    """Whether a text, and the key `key` makes from it, both fit their columns."""
    if len(text) > limit:
        return False
    # Folding never lengthens ASCII text: its key need not be made to know it fits.
    return key is None or text.isascii() or len(key(text)) <= limit
