"""The appointment rule (CONTRACT.md "Estimates"), table-driven."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracking.appointment import CENTER_TZ, AppointmentError, due_at, half_days
from tracking.workdays import WorkCalendar

CAL = WorkCalendar.center()


def vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CENTER_TZ)


CASES = [
    # received (Vinh time), processing days, due (Vinh time), why
    ("2026-11-25T11:59", 0, "2026-11-25T11:30", "morning receipt, 0 days: same half-day"),
    ("2026-11-25T12:00", 0, "2026-11-25T17:00", "12:00 is the afternoon session"),
    ("2026-11-25T17:00", 0, "2026-11-25T17:00", "17:00 still counts as afternoon"),
    ("2026-11-25T17:01", 0, "2026-11-26T11:30", "after 17:00: next working morning"),
    ("2026-11-25T06:45", 0, "2026-11-25T11:30", "before opening: the morning session"),
    ("2026-11-25T09:00", 0.5, "2026-11-25T17:00", "0.5 day: morning → same afternoon"),
    ("2026-11-25T14:00", 0.5, "2026-11-26T11:30", "0.5 day: afternoon → next morning"),
    ("2026-11-25T11:59", 1, "2026-11-26T11:30", "1 day, morning"),
    ("2026-11-25T12:00", 1, "2026-11-26T17:00", "1 day, afternoon"),
    ("2026-11-25T17:01", 1, "2026-11-27T11:30", "1 day after closing"),
    ("2026-11-25T10:00", 1.5, "2026-11-26T17:00", "1.5 days"),
    ("2026-11-27T16:30", 10, "2026-12-11T17:00", "two weeks over a weekend"),
    ("2026-11-28T09:00", 1, "2026-12-01T11:30", "Saturday receipt: Monday morning + 1"),
    ("2026-11-29T15:00", 0, "2026-11-30T11:30", "Sunday receipt, 0 days: Monday morning"),
    ("2026-11-23T10:00", 1, "2026-11-25T11:30", "over Vietnam Culture Day 24/11/2026"),
    # The eve of Tết 2026: Friday 13/2, then 14/2–22/2 off.
    ("2026-02-13T10:00", 1, "2026-02-23T11:30", "eve of Tết 2026"),
    ("2026-02-13T14:00", 0.5, "2026-02-23T11:30", "eve of Tết 2026, afternoon"),
    ("2026-02-12T16:00", 3, "2026-02-24T17:00", "across Tết 2026: 13/2, 23/2, 24/2"),
    # Swaps 2026: Friday 2/1 off, Saturday 10/1 worked; Saturday 22/8 worked, Monday 31/8 off.
    ("2025-12-31T09:00", 1, "2026-01-05T11:30", "1/1 holiday and 2/1 swapped off"),
    ("2026-01-09T16:00", 1, "2026-01-10T17:00", "Saturday 10/1 is worked"),
    ("2026-01-10T10:00", 0, "2026-01-10T11:30", "a receipt on the worked Saturday"),
    ("2026-08-21T11:00", 1, "2026-08-22T11:30", "Saturday 22/8 is worked"),
    ("2026-08-28T09:00", 1, "2026-09-03T11:30", "31/8 swapped off, 1–2/9 National Day"),
    # 2025: Saturday 26/4 worked, Friday 2/5 off.
    ("2025-04-25T09:00", 1, "2025-04-26T11:30", "Saturday 26/4/2025 worked"),
    ("2025-04-29T09:00", 1, "2025-05-05T11:30", "30/4, 1/5, 2/5 off, then the weekend"),
    # Tết 2027: 4/2–10/2 off (the package's list).
    ("2027-02-03T10:00", 1, "2027-02-11T11:30", "eve of Tết 2027"),
    ("2027-02-03T15:00", 2, "2027-02-12T17:00", "across Tết 2027"),
]


@pytest.mark.parametrize(("received", "days", "due", "why"), CASES)
def test_due_at(received: str, days: float, due: str, why: str) -> None:
    assert due_at(vn(received), days, CAL) == vn(due), why


def test_due_at_keeps_the_center_zone_whatever_zone_comes_in() -> None:
    utc = datetime.fromisoformat("2026-11-25T04:59:00+00:00")  # 11:59 in Vinh
    assert due_at(utc, 0, CAL) == vn("2026-11-25T11:30")


@pytest.mark.parametrize(
    ("days", "halves"), [(0, 0), (0.5, 1), (1, 2), (2.5, 5), ("3", 6), (365, 730)]
)
def test_half_days(days: object, halves: int) -> None:
    assert half_days(days) == halves  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-0.5, 0.25, 1.3, 366, "x", float("nan"), float("inf")])
def test_processing_days_out_of_rule(bad: object) -> None:
    with pytest.raises(AppointmentError):
        half_days(bad)  # type: ignore[arg-type]


def test_naive_times_are_refused() -> None:
    with pytest.raises(AppointmentError):
        due_at(datetime(2026, 11, 25, 9), 1, CAL)
