"""What a Teams address and a Teams mention look like: the one place that knows them."""
from __future__ import annotations

_CHANNEL_PREFIX = "19:"  # Teams channel and group chat conversation ids start so
# How a Teams mention reads in a command: `<at>Carol Smith</at>`, or with the user's id
# `<at id="29:1...">Carol Smith</at>` (a mention with only a name is found by that name).
MENTION = r"<at(?:\s+id=\"(?P<id>[^\"<>]+)\")?>(?P<name>[^<]+)</at>"


def is_channel(address: str) -> bool:
    return address.startswith(_CHANNEL_PREFIX)
