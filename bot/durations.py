"""Durations as people read them: '45m', '3h 20m', '2d 4h'."""
from __future__ import annotations

from datetime import timedelta


def human(delta: timedelta) -> str:
    """The two largest units, rounded down; under a minute is '0m'."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
