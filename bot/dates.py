"""Dates people type: 2026-12-01, tomorrow, next monday, in 2 weeks (and in Spanish)."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.understanding.text import fold

_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6,
}
_UNITS = {"day": 1, "days": 1, "dia": 1, "dias": 1, "week": 7, "weeks": 7, "semana": 7, "semanas": 7}
_IN = re.compile(r"^(?:in|en|dentro de)\s+(\d{1,3})\s+(\w+)$")
_NEXT = re.compile(r"^(?:next|on|this|el|este|proximo|el proximo)?\s*(\w+)$")


def zone(name: str | None) -> ZoneInfo | timezone:
    try:
        return ZoneInfo(name) if name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def parse_day(text: str, *, now: datetime, tz: str | None = None) -> datetime | None:
    """The start of the day meant, in the person's time zone, as an aware datetime; None if unclear."""
    local = zone(tz)
    today = now.astimezone(local).date()
    day = _day(fold(text), today)
    if day is None:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=local).astimezone(timezone.utc)


def _day(words: str, today: date) -> date | None:
    if re.fullmatch(r"\d{4} \d{2} \d{2}", words):  # fold turned 2026-12-01 into "2026 12 01"
        try:
            return date(*map(int, words.split()))
        except ValueError:
            return None
    if words in ("today", "hoy"):
        return today
    if words in ("tomorrow", "manana"):
        return today + timedelta(days=1)
    found = _IN.match(words)
    if found and found.group(2) in _UNITS:
        return today + timedelta(days=int(found.group(1)) * _UNITS[found.group(2)])
    found = _NEXT.match(words)
    if found and found.group(1) in _WEEKDAYS:
        ahead = (_WEEKDAYS[found.group(1)] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None
