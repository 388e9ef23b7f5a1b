"""The working calendar, table-driven: every public holiday of 2025–2027, the swaps, weekends."""

from __future__ import annotations

from datetime import date, time

import pytest

from tracking.workdays import OVERRIDES, Sessions, WorkCalendar, public_holidays

CAL = WorkCalendar.center()
POST = WorkCalendar.postal()

# Every weekday holiday (Labour Code 2019 Art. 112) as the `holidays` package gives it, with the
# days given back and the swaps of DOMAIN.md.
DAYS_OFF = [
    # 2025
    "2025-01-01",
    "2025-01-27",
    "2025-01-28",
    "2025-01-29",
    "2025-01-30",
    "2025-01-31",
    "2025-04-07",
    "2025-04-30",
    "2025-05-01",
    "2025-05-02",
    "2025-09-01",
    "2025-09-02",
    # 2026: New Year + swap, Tết 16–20/2, Hùng Kings observed 27/4, 30/4, 1/5, 31/8 swap, 1–2/9,
    # Vietnam Culture Day 24/11
    "2026-01-01",
    "2026-01-02",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-02-20",
    "2026-04-27",
    "2026-04-30",
    "2026-05-01",
    "2026-08-31",
    "2026-09-01",
    "2026-09-02",
    "2026-11-24",
    # 2027
    "2027-01-01",
    "2027-02-04",
    "2027-02-05",
    "2027-02-08",
    "2027-02-09",
    "2027-02-10",
    "2027-04-16",
    "2027-04-30",
    "2027-05-03",
    "2027-09-02",
    "2027-09-03",
    "2027-11-24",
]
WORKED_SATURDAYS = ["2025-04-26", "2026-01-10", "2026-08-22"]
ORDINARY_WORKDAYS = [
    "2025-01-02",
    "2025-02-03",
    "2026-01-05",
    "2026-02-13",
    "2026-02-23",
    "2026-04-28",
    "2026-09-03",
    "2026-11-23",
    "2026-11-25",
    "2027-02-03",
    "2027-02-11",
    "2027-05-04",
]
WEEKENDS = ["2025-04-27", "2026-01-03", "2026-01-11", "2026-08-23", "2026-11-28", "2026-11-29"]


@pytest.mark.parametrize("day", DAYS_OFF)
def test_public_holidays_and_swapped_days_are_off(day: str) -> None:
    assert not CAL.is_working_day(date.fromisoformat(day))


@pytest.mark.parametrize("day", WORKED_SATURDAYS)
def test_make_up_saturdays_are_worked(day: str) -> None:
    d = date.fromisoformat(day)
    assert d.weekday() == 5
    assert CAL.is_working_day(d)


@pytest.mark.parametrize("day", ORDINARY_WORKDAYS)
def test_ordinary_weekdays_are_worked(day: str) -> None:
    assert CAL.is_working_day(date.fromisoformat(day))


@pytest.mark.parametrize("day", WEEKENDS)
def test_weekends_are_off(day: str) -> None:
    assert not CAL.is_working_day(date.fromisoformat(day))


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_every_weekday_holiday_of_the_package_is_off(year: int) -> None:
    for day in public_holidays(year):
        if day.weekday() < 5:
            assert not CAL.is_working_day(day), day


def test_every_override_has_a_source_and_a_reason() -> None:
    assert len({o.day for o in OVERRIDES}) == len(OVERRIDES)
    for o in OVERRIDES:
        assert o.source and o.reason


def test_the_post_works_saturdays_but_not_sundays_or_holidays() -> None:
    assert POST.is_working_day(date(2026, 11, 28))  # Saturday
    assert not POST.is_working_day(date(2026, 11, 29))  # Sunday
    assert not POST.is_working_day(date(2027, 2, 6))  # Tết, a Saturday
    assert not POST.is_working_day(date(2026, 9, 2))


def test_walking_the_calendar() -> None:
    assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)  # over Tết 2026
    assert CAL.next_working_day(date(2026, 2, 23), include_today=True) == date(2026, 2, 23)
    assert CAL.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 10)  # make-up Saturday
    assert CAL.add_working_days(date(2026, 1, 9), 0) == date(2026, 1, 9)
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert CAL.working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 1, 1), -1)


def test_days_off_lists_each_exception_with_its_reason() -> None:
    listed = dict(CAL.days_off(2026))
    assert date(2026, 1, 10) in listed  # worked Saturday
    assert date(2026, 1, 2) in listed
    assert "Lunar" in listed[date(2026, 2, 17)]


def test_sessions_parse_and_print() -> None:
    s = Sessions.parse("08:00-12:00, 13:00-17:30")
    assert (s.morning_start, s.afternoon_end, s.noon, s.close) == (
        time(8),
        time(17, 30),
        time(12),
        time(17, 30),
    )
    assert str(s) == "08:00-12:00,13:00-17:30"
    assert str(Sessions()) == "07:30-11:30,13:30-17:00"
    for bad in ("", "07:30-11:30", "12:00-11:00,13:00-17:00", "a-b,c-d"):
        with pytest.raises(ValueError):
            Sessions.parse(bad)
