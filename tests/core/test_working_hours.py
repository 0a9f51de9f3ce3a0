"""Working time is counted only inside a person's working hours, in their own time zone."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.working_hours import DEFAULT_HOURS, WorkingHours, add_working_time, is_open, next_open

UTC = timezone.utc
NY, TOKYO, MADRID = "America/New_York", "Asia/Tokyo", "Europe/Madrid"
HOURS4, DAY = timedelta(hours=4), timedelta(hours=8)


def at(zone: str, text: str) -> datetime:
    """A wall-clock time in a zone ('2030-03-04 10:00' is a Monday), as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_the_default_is_monday_to_friday_nine_to_five_and_parses_from_text() -> None:
    assert WorkingHours.parse("mon-fri 09:00-17:00") == DEFAULT_HOURS
    assert str(DEFAULT_HOURS) == "mon,tue,wed,thu,fri 09:00-17:00"
    assert WorkingHours.parse(str(DEFAULT_HOURS)) == DEFAULT_HOURS


@pytest.mark.parametrize(("text", "days", "start", "end"), [
    ("sun-thu 08:30-16:30", {6, 0, 1, 2, 3}, time(8, 30), time(16, 30)),
    ("Mon,Wed,Fri 10:00-14:00", {0, 2, 4}, time(10), time(14)),
    ("fri-mon 9:00-12:00", {4, 5, 6, 0}, time(9), time(12)),  # a range may wrap the week
    ("monday-friday 07:00 - 15:00", {0, 1, 2, 3, 4}, time(7), time(15)),
    ("sat 10:00-11:00", {5}, time(10), time(11)),
])
def test_working_hours_parse_day_lists_ranges_and_times(text: str, days: set[int], start: time, end: time) -> None:
    assert WorkingHours.parse(text) == WorkingHours(frozenset(days), start, end)


@pytest.mark.parametrize("text", [
    "", "mon-fri", "09:00-17:00", "mon-fri 17:00-09:00", "mon-fri 09:00-09:00", "xyz 09:00-17:00",
    "mon-fri 25:00-26:00", "mon-fri 09:60-17:00",
])
def test_unreadable_or_empty_working_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        WorkingHours.parse(text)


def test_inside_working_hours_a_moment_is_its_own_next_opening() -> None:
    moment = at(MADRID, "2030-03-04 11:23")
    assert next_open(moment, tz=MADRID) == moment and is_open(moment, tz=MADRID)


@pytest.mark.parametrize(("local", "opening"), [
    ("2030-03-04 03:00", "2030-03-04 09:00"),  # 3 a.m. Monday: that morning
    ("2030-03-04 17:00", "2030-03-05 09:00"),  # closing time is already closed
    ("2030-03-08 18:30", "2030-03-11 09:00"),  # Friday evening: Monday
    ("2030-03-10 12:00", "2030-03-11 09:00"),  # Sunday noon: Monday
])
def test_outside_working_hours_the_next_opening_is_nine_on_the_next_working_day(local: str, opening: str) -> None:
    assert not is_open(at(MADRID, local), tz=MADRID)
    assert next_open(at(MADRID, local), tz=MADRID) == at(MADRID, opening)


@pytest.mark.parametrize(("start", "delta", "end"), [
    ("2030-03-04 10:00", HOURS4, "2030-03-04 14:00"),  # within one day
    ("2030-03-04 15:00", HOURS4, "2030-03-05 11:00"),  # two hours today, two tomorrow
    ("2030-03-08 15:00", HOURS4, "2030-03-11 11:00"),  # Friday afternoon: Monday morning
    ("2030-03-04 03:00", HOURS4, "2030-03-04 13:00"),  # 3 a.m.: counting starts at nine
    ("2030-03-10 10:00", HOURS4, "2030-03-11 13:00"),  # Sunday: counting starts on Monday
    ("2030-03-04 13:00", HOURS4, "2030-03-05 09:00"),  # time running out at closing: next opening
    ("2030-03-04 10:00", DAY, "2030-03-05 10:00"),  # one working day is eight working hours
    ("2030-03-08 10:00", DAY, "2030-03-11 10:00"),  # ... and from a Friday it is Monday
    ("2030-03-04 09:00", 5 * DAY, "2030-03-11 09:00"),  # a working week is a calendar week
    ("2030-03-09 23:00", timedelta(0), "2030-03-11 09:00"),  # nothing to add still waits for an opening
])
def test_working_time_counts_only_time_inside_working_hours(start: str, delta: timedelta, end: str) -> None:
    assert add_working_time(at(MADRID, start), delta, tz=MADRID, hours=DEFAULT_HOURS) == at(MADRID, end)


def test_a_tokyo_and_a_new_york_poc_asked_at_the_same_instant_are_due_at_different_instants() -> None:
    asked = datetime(2030, 3, 5, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Tokyo, Monday 20:00 in New York

    tokyo = add_working_time(asked, HOURS4, tz=TOKYO)
    new_york = add_working_time(asked, HOURS4, tz=NY)

    assert tokyo == at(TOKYO, "2030-03-05 14:00")
    assert new_york == at(NY, "2030-03-05 13:00")  # Tuesday: after the night
    assert tokyo != new_york and tokyo.utcoffset() == timedelta(0)


def test_a_person_without_a_zone_or_with_an_unknown_one_counts_in_utc() -> None:
    start = datetime(2030, 3, 4, 16, 0, tzinfo=UTC)
    expected = datetime(2030, 3, 5, 12, 0, tzinfo=UTC)
    assert add_working_time(start, HOURS4, tz=None) == expected
    assert add_working_time(start, HOURS4, tz="Mars/Olympus_Mons") == expected


def test_nine_to_five_stays_nine_to_five_local_across_the_new_york_dst_change() -> None:
    # Friday 8 March 2030 is EST (UTC-5); Monday 11 March is EDT (UTC-4).
    friday = at(NY, "2030-03-08 14:00")
    monday = add_working_time(friday, DAY, tz=NY)
    assert monday == at(NY, "2030-03-11 14:00")
    assert friday.hour == 19 and monday.hour == 18  # in UTC, the same local time is an hour earlier
    # And back in the autumn: Friday 1 November is EDT, Monday 4 November EST.
    assert add_working_time(at(NY, "2030-11-01 16:00"), HOURS4, tz=NY) == at(NY, "2030-11-04 12:00")


def test_hours_that_contain_a_dst_change_count_the_real_time_elapsed() -> None:
    night = WorkingHours.parse("sun 00:00-06:00")
    # 10 March 2030, 02:00 EST does not exist: that night's shift lasts five real hours.
    start = at(NY, "2030-03-10 00:00")
    assert add_working_time(start, HOURS4, tz=NY, hours=night) == at(NY, "2030-03-10 05:00")
    assert add_working_time(start, timedelta(hours=5), tz=NY, hours=night) == at(NY, "2030-03-17 00:00")
    # 3 November 2030, 01:00-02:00 happens twice: that shift lasts seven.
    autumn = at(NY, "2030-11-03 00:00")
    assert add_working_time(autumn, timedelta(hours=6), tz=NY, hours=night) == at(NY, "2030-11-03 05:00")


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_time(datetime(2030, 3, 4, 10, 0), HOURS4, tz=NY)
    with pytest.raises(ValueError):
        add_working_time(at(NY, "2030-03-04 10:00"), -HOURS4, tz=NY)


@pytest.mark.parametrize("zone", [NY, TOKYO, MADRID, "Australia/Lord_Howe", None])
def test_the_working_time_added_is_what_a_quarter_hour_count_finds(zone: str | None) -> None:
    # Brute force: walk quarter hours from the start and count those that are open.
    # (Lord Howe moves its clocks by half an hour; boundaries stay on quarter hours.)
    rng, quarter = random.Random(str(zone)), timedelta(minutes=15)
    hours = WorkingHours.parse("mon-thu,sat 08:15-12:45")
    for _ in range(40):
        start = datetime(2030, 1, 1, tzinfo=UTC) + quarter * rng.randrange(365 * 96)
        delta = quarter * rng.randrange(0, 60)
        end = add_working_time(start, delta, tz=zone, hours=hours)
        assert is_open(end, tz=zone, hours=hours)
        moment, counted = start, timedelta(0)
        while moment < end:
            counted += quarter if is_open(moment, tz=zone, hours=hours) else timedelta(0)
            moment += quarter
        assert counted == delta
