"""The Vietnamese working calendar: which days are worked, and the two sessions of a day.

Public offices work Monday–Friday (DOMAIN.md, "Appointment dates"), less the public holidays of
the Labour Code 2019, Art. 111–112 (taken from the ``holidays`` package, which also knows the
days given back when a holiday falls on a weekend), corrected by an override table: the
government's yearly swaps (a weekday off, a Saturday worked) and anything the package lacks.
The override table is data with its sources (``OVERRIDES`` below); the product keeps an editable
copy in its database, seeded from this one.

The post works Saturdays (DOMAIN.md, "Postal time targets"), so its calendar is Monday–Saturday
less public holidays: ``WorkCalendar.postal()``.

Pure: no Flask, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import lru_cache

import holidays as holidays_lib

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

# Bound for any walk over the calendar: no rule here needs more than ten years of days.
MAX_DAYS_WALKED = 3660


@dataclass(frozen=True)
class DayOverride:
    day: date
    working: bool
    reason: str
    source: str


# Swaps and extra days off that the `holidays` package does not (or may not) carry.
# Each line names its source; DOMAIN.md lists them under "Public holidays ... and swaps".
OVERRIDES: tuple[DayOverride, ...] = (
    # 2025: Hùng Kings + 30/4 + 1/5 bridge. Official Letter of the Government Office on the
    # 2025 holidays (swap of Friday 2/5 with Saturday 26/4), published by MOLISA.
    DayOverride(date(2025, 4, 26), True, "Làm bù cho ngày 02/5/2025", "CV 2025 VPCP; DOMAIN.md"),
    DayOverride(date(2025, 5, 2), False, "Nghỉ bù (hoán đổi với 26/4/2025)", "DOMAIN.md"),
    # 2026: New Year bridge, Official Letter 12729/VPCP-KGVX.
    DayOverride(date(2026, 1, 2), False, "Nghỉ Tết Dương lịch (hoán đổi)", "CV 12729/VPCP-KGVX"),
    DayOverride(date(2026, 1, 10), True, "Làm bù cho ngày 02/01/2026", "CV 12729/VPCP-KGVX"),
    # 2026: Tết for public employees 14/2–22/2 (working days 16–20/2 off).
    *(
        DayOverride(date(2026, 2, d), False, "Nghỉ Tết Nguyên đán Bính Ngọ", "CV 12729/VPCP-KGVX")
        for d in (16, 17, 18, 19, 20)
    ),
    # 2026: National Day bridge, Saturday 22/8 worked, Monday 31/8 off.
    DayOverride(date(2026, 8, 22), True, "Làm bù cho ngày 31/8/2026", "CV 12729/VPCP-KGVX"),
    DayOverride(date(2026, 8, 31), False, "Nghỉ Quốc khánh (hoán đổi)", "CV 12729/VPCP-KGVX"),
)


@dataclass(frozen=True)
class Sessions:
    """Session hours of the center (configurable; DOMAIN.md default 07:30–11:30, 13:30–17:00).

    ``noon`` splits the day for receipts: before it, the morning session; from it until
    ``close``, the afternoon session; after ``close``, the next working morning.
    """

    morning_start: time = time(7, 30)
    morning_end: time = time(11, 30)
    afternoon_start: time = time(13, 30)
    afternoon_end: time = time(17, 0)
    noon: time = time(12, 0)
    close: time = time(17, 0)

    @classmethod
    def parse(cls, text: str) -> Sessions:
        """``"07:30-11:30,13:30-17:00"`` → Sessions (noon 12:00, close = afternoon end)."""
        try:
            morning, afternoon = (part.strip() for part in text.split(","))
            ms, me = (time.fromisoformat(x.strip()) for x in morning.split("-"))
            as_, ae = (time.fromisoformat(x.strip()) for x in afternoon.split("-"))
        except ValueError as exc:
            raise ValueError(
                f"session hours look like '07:30-11:30,13:30-17:00', not {text!r}"
            ) from exc
        if not ms < me <= as_ < ae:
            raise ValueError(f"session hours must be in order: {text!r}")
        return cls(ms, me, as_, ae, noon=max(me, min(time(12, 0), as_)), close=ae)

    def __str__(self) -> str:
        f = "%H:%M"
        return (
            f"{self.morning_start.strftime(f)}-{self.morning_end.strftime(f)},"
            f"{self.afternoon_start.strftime(f)}-{self.afternoon_end.strftime(f)}"
        )


@lru_cache(maxsize=64)
def public_holidays(year: int) -> Mapping[date, str]:
    """Vietnam's public holidays of a year, from the ``holidays`` package."""
    return dict(holidays_lib.country_holidays("VN", years=year).items())


@dataclass(frozen=True)
class WorkCalendar:
    """Working days: weekdays not in ``weekend``, less public holidays, with overrides on top."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    weekend: frozenset[int] = frozenset({SAT, SUN})
    sessions: Sessions = field(default_factory=Sessions)

    @classmethod
    def center(
        cls,
        overrides: Iterable[DayOverride] | None = None,
        sessions: Sessions | None = None,
    ) -> WorkCalendar:
        """The public offices' calendar: Monday–Friday, holidays, swaps."""
        rows = OVERRIDES if overrides is None else overrides
        return cls({o.day: o.working for o in rows}, frozenset({SAT, SUN}), sessions or Sessions())

    @classmethod
    def postal(cls, overrides: Iterable[DayOverride] = ()) -> WorkCalendar:
        """The post's calendar: Monday–Saturday less public holidays (DOMAIN.md)."""
        return cls({o.day: o.working for o in overrides}, frozenset({SUN}))

    def holiday_name(self, day: date) -> str | None:
        return public_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.weekday() in self.weekend:
            return False
        return day not in public_holidays(day.year)

    def next_working_day(self, day: date, *, include_today: bool = False) -> date:
        d = day if include_today else day + timedelta(days=1)
        for _ in range(MAX_DAYS_WALKED):
            if self.is_working_day(d):
                return d
            d += timedelta(days=1)
        raise ValueError(f"no working day within {MAX_DAYS_WALKED} days of {day}")

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (``day`` itself when n == 0)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        d = day
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        if (end - start).days > MAX_DAYS_WALKED:
            raise ValueError("range too long")
        return sum(
            1
            for i in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=i))
        )

    def days_off(self, year: int) -> list[tuple[date, str]]:
        """Every weekday that is not worked, and every weekend day that is, with its reason."""
        out: list[tuple[date, str]] = []
        d = date(year, 1, 1)
        while d.year == year:
            working = self.is_working_day(d)
            weekday_default = d.weekday() not in self.weekend
            if working != weekday_default:
                out.append((d, self.holiday_name(d) or ("làm bù" if working else "nghỉ bù")))
            d += timedelta(days=1)
        return out
