"""What a Teams address looks like: the one place that knows it."""
from __future__ import annotations

_CHANNEL_PREFIX = "19:"  # Teams channel and group chat conversation ids start so


def is_channel(address: str) -> bool:
    return address.startswith(_CHANNEL_PREFIX)
