"""Working hours in a person's own time zone: when they open, and adding working time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.dates import zone

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(r"^\s*([a-z,\-\s]+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DAY_RANGE = re.compile(r"^([a-z]{3})[a-z]*(?:-([a-z]{3})[a-z]*)?$")
# A week always holds an opening when `days` is not empty; this bounds the search.
_SEARCH_DAYS = 8


@dataclass(frozen=True)
class WorkingHours:
    """The same opening hours (local wall-clock, start < end) on each of `days` (Monday = 0)."""

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError(f"working days must be a non-empty subset of 0..6, not {sorted(self.days)}")
        if self.start >= self.end:
            # Night shifts (22:00-06:00) would need a day to straddle midnight; none asked for yet.
            raise ValueError(f"working hours must start before they end: {self.start}-{self.end}")

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """'mon-fri 09:00-17:00', 'sun-thu 08:30-16:30', 'mon,wed,fri 10:00-14:00'."""
        found = _SPEC.match(text.strip().lower())
        if found is None:
            raise ValueError(f"not working hours (like 'mon-fri 09:00-17:00'): {text!r}")
        days: set[int] = set()
        for part in re.split(r"[,\s]+", found.group(1).strip()):
            days |= _days(part, text)
        try:
            start = time(int(found.group(2)), int(found.group(3)))
            end = time(int(found.group(4)), int(found.group(5)))
        except ValueError as exc:
            raise ValueError(f"bad time in working hours {text!r}: {exc}") from exc
        return cls(frozenset(days), start, end)

    def __str__(self) -> str:
        days = ",".join(_DAY_NAMES[d] for d in sorted(self.days))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M}"


def _days(part: str, text: str) -> set[int]:
    """'mon' or a range 'mon-fri'; a range may wrap the week ('fri-mon')."""
    found = _DAY_RANGE.match(part)
    names = [name for name in found.groups() if name] if found else []
    if not names or any(name not in _DAY_NAMES for name in names):
        raise ValueError(f"unknown day {part!r} in working hours {text!r}")
    first, last = _DAY_NAMES.index(names[0]), _DAY_NAMES.index(names[-1])
    return {(first + i) % 7 for i in range((last - first) % 7 + 1)}


DEFAULT_HOURS = WorkingHours(frozenset(range(5)), time(9, 0), time(17, 0))
WORKING_DAY = timedelta(hours=8)  # what "1d" means in a working-time duration
_DURATION = re.compile(r"(\d+)\s*(d|h|m)")


def parse_duration(text: str) -> timedelta:
    """Working time as people write it: '4h', '90m', '1h30m', '1d' (one 8-hour working day)."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"not a duration (like 4h, 90m or 1d): {text!r}")
    units = {"d": WORKING_DAY, "h": timedelta(hours=1), "m": timedelta(minutes=1)}
    return sum((int(n) * units[u] for n, u in parts), timedelta(0))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("working-time arithmetic needs an aware datetime")
    return moment.astimezone(timezone.utc)


def _local(day: date, at: time, local: ZoneInfo | timezone) -> datetime:
    """A wall-clock time on a day, as a UTC instant (a time skipped by DST maps to just after)."""
    return datetime.combine(day, at, tzinfo=local).astimezone(timezone.utc)


def _opening(moment: datetime, local: ZoneInfo | timezone, hours: WorkingHours) -> tuple[datetime, datetime]:
    """(when counting starts, when that working day closes) for the first opening at or after moment.

    Every comparison and subtraction is done in UTC: Python compares two datetimes
    sharing one tzinfo by wall clock, which is wrong across a DST change.
    """
    today = moment.astimezone(local).date()
    for ahead in range(_SEARCH_DAYS):
        day = today + timedelta(days=ahead)
        if day.weekday() not in hours.days:
            continue
        opens, closes = _local(day, hours.start, local), _local(day, hours.end, local)
        if moment < closes:
            return max(moment, opens), closes
    raise AssertionError("a week without an opening")  # ruled out by WorkingHours itself


def next_open(at: datetime, *, tz: str | None, hours: WorkingHours = DEFAULT_HOURS) -> datetime:
    """`at` itself when inside working hours, else the next opening; in UTC.

    Hours are half-open: at 17:00 sharp a 09:00-17:00 day is closed.
    """
    return _opening(_utc(at), zone(tz), hours)[0]


def is_open(at: datetime, *, tz: str | None, hours: WorkingHours = DEFAULT_HOURS) -> bool:
    return next_open(at, tz=tz, hours=hours) == _utc(at)


def add_working_time(start: datetime, delta: timedelta, *, tz: str | None,
                     hours: WorkingHours = DEFAULT_HOURS) -> datetime:
    """The instant `delta` of working time after `start`, counted in zone `tz`; in UTC.

    Only time inside working hours counts, and a start outside them begins at the next
    opening. The result is always inside working hours: time that runs out exactly at
    closing lands at the next opening, so one working day (8 h of 09:00-17:00) after
    Monday 09:00 is Tuesday 09:00, not Monday 17:00. Real elapsed time is counted, so a
    DST change inside the hours makes that day an hour longer or shorter.
    """
    if delta < timedelta(0):
        raise ValueError("working time only runs forward")
    local = zone(tz)
    cursor, closes = _opening(_utc(start), local, hours)
    remaining = delta
    while remaining >= closes - cursor:
        remaining -= closes - cursor
        cursor, closes = _opening(closes, local, hours)
    return cursor + remaining
