"""The appointment rule: when a dossier's result is due.

Source: the "nhận sáng trả sáng, nhận chiều trả chiều" rule of deployed one-stop software (e-par,
DOMAIN.md "Appointment dates"), as fixed by CONTRACT.md "Estimates":
a receipt before 12:00 falls in the morning session, from 12:00 to 17:00 in the afternoon session,
after 17:00 or on a day off in the next working morning. With half-days numbered on working days,
the due half-day is the receipt half-day plus 2 × processing days, and the due time is the end of
that session (11:30 or 17:00).

Times in and out are timezone-aware; the rule works in the center's zone. Pure: no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from tracking.workdays import WorkCalendar

CENTER_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING, AFTERNOON = 0, 1
MAX_PROCESSING_DAYS = 365


class AppointmentError(ValueError):
    """Processing days or times the rule cannot take."""


@dataclass(frozen=True)
class HalfDay:
    day: date
    half: int  # MORNING or AFTERNOON

    def end(self, cal: WorkCalendar, tz: ZoneInfo = CENTER_TZ) -> datetime:
        s = cal.sessions
        t = s.morning_end if self.half == MORNING else s.afternoon_end
        return datetime.combine(self.day, t, tzinfo=tz)


def half_days(processing_days: float | int | str | Decimal) -> int:
    """Processing days as a whole number of half-days; steps of 0.5, 0 allowed."""
    try:
        d = Decimal(str(processing_days))
    except (InvalidOperation, ValueError) as exc:
        raise AppointmentError(
            f"processing days must be a number, not {processing_days!r}"
        ) from exc
    if not d.is_finite() or d < 0 or d > MAX_PROCESSING_DAYS:
        raise AppointmentError(f"processing days must be between 0 and {MAX_PROCESSING_DAYS}")
    twice = d * 2
    if twice != twice.to_integral_value():
        raise AppointmentError("processing days come in steps of 0.5")
    return int(twice)


def receipt_half_day(received_at: datetime, cal: WorkCalendar, tz: ZoneInfo = CENTER_TZ) -> HalfDay:
    """The session a receipt falls in."""
    if received_at.tzinfo is None:
        raise AppointmentError("received_at must carry its time zone")
    local = received_at.astimezone(tz)
    day, t = local.date(), local.time()
    s = cal.sessions
    if cal.is_working_day(day):
        if t < s.noon:
            return HalfDay(day, MORNING)
        if t <= s.close:
            return HalfDay(day, AFTERNOON)
    return HalfDay(cal.next_working_day(day), MORNING)


def add_half_days(start: HalfDay, n: int, cal: WorkCalendar) -> HalfDay:
    total = start.half + n
    return HalfDay(cal.add_working_days(start.day, total // 2), total % 2)


def due_at(
    received_at: datetime,
    processing_days: float | int | str | Decimal,
    cal: WorkCalendar,
    tz: ZoneInfo = CENTER_TZ,
) -> datetime:
    """When the result is due, for a dossier received at ``received_at``."""
    n = half_days(processing_days)
    return add_half_days(receipt_half_day(received_at, cal, tz), n, cal).end(cal, tz)
