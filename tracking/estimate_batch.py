"""The estimate of ``tracking.estimate`` for many dossiers at once, in numpy.

Why: reports and re-estimates touch every dossier of a year (210,267 in 2022 at the Nghệ An
center, DOMAIN.md), and the pure estimate walks the calendars day by day
(``WorkCalendar.add_working_days``), some 30 µs a dossier. Here each calendar is turned once
into arrays over the days it can reach: whether a day is worked, and the *ordinal* of each day
(working days up to it). A half-day is then one integer, ``2 × ordinal + half``, so adding
half-days is an addition and counting them a subtraction; only the lookups of day → ordinal and
ordinal → day remain, as array indexing. The rules are the same as the pure modules':

* ``tracking.appointment.receipt_half_day``: before noon the morning, until close the
  afternoon, later or on a day off the next working morning (``_receipt``);
* ``courier.transit.arrival_half_day``: the same with noon itself still the morning
  (``_arrival``);
* ``tracking.estimate.center_open``: an arrival outside the center's opening hours is handed
  over at the next working morning's opening (``_center_open``).

Limits: times are whole seconds (Unix time, UTC); the center's zone is taken as UTC+7, which
Asia/Ho_Chi_Minh has been without change since 1975; no facts (actual pickups, receipts): this
is the estimate at registration. A test compares every field with ``tracking.estimate`` on
thousands of random dossiers. Pure: numpy, no clock, no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from courier.transit import INBOUND, OUTBOUND, LaneKey, TransitTable, estimate_lane, half_steps
from tracking.workdays import Sessions, WorkCalendar

I64 = npt.NDArray[np.int64]
DAY = 86_400
OFFSET = 7 * 3600  # Asia/Ho_Chi_Minh, UTC+7 (no change since 1975)
NONE = np.iinfo(np.int64).min  # a time that does not exist (no inbound or outbound leg)
EPOCH = date(1970, 1, 1)
SERVICE_CODES = {"send_dossier": 0, "receive_result": 1, "both": 2}


def _secs(t: object) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DayTable:
    """One calendar as arrays over ``first`` … ``first + len(working) - 1`` (local day numbers,
    days since 1970-01-01)."""

    first: int
    working: npt.NDArray[np.bool_]
    ordinal: I64  # working days in [first, day]
    days: I64  # days[k]: the day number of the k-th working day (days[0]: before the range)
    sessions: Sessions

    @classmethod
    def build(cls, cal: WorkCalendar, start: date, end: date) -> DayTable:
        n = (end - start).days + 1
        if n <= 0:
            raise ValueError("the range of days is empty")
        working = np.fromiter(
            (cal.is_working_day(start + timedelta(days=i)) for i in range(n)), bool, n
        )
        first = (start - EPOCH).days
        ordinal = np.cumsum(working, dtype=np.int64)
        days = np.concatenate(([first - 1], first + np.flatnonzero(working))).astype(np.int64)
        return cls(first, working, ordinal, days, cal.sessions)

    def _index(self, day: I64) -> I64:
        i = day - self.first
        if i.size and (i.min() < 0 or i.max() >= self.working.size):
            raise ValueError("a time falls outside the precomputed calendar")
        return i

    def _receipt(self, t: I64, inclusive_noon: bool = False) -> I64:
        local = t + OFFSET
        day, sec = local // DAY, local % DAY
        i = self._index(day)
        w, o = self.working[i], self.ordinal[i]
        s = self.sessions
        noon = _secs(s.noon)
        morning = (sec <= noon) if inclusive_noon else (sec < noon)
        afternoon = sec <= _secs(s.close)
        return np.where(w & morning, 2 * o, np.where(w & afternoon, 2 * o + 1, 2 * o + 2))

    def receipt(self, t: I64) -> I64:
        """Half-day positions of receipts (``appointment.receipt_half_day``)."""
        return self._receipt(t)

    def arrival(self, t: I64) -> I64:
        """Half-day positions by whose end arrivals happened (``transit.arrival_half_day``)."""
        return self._receipt(t, inclusive_noon=True)

    def end(self, pos: I64) -> I64:
        """The end of each half-day (``HalfDay.end``): morning end or afternoon end."""
        k = pos // 2
        if k.size and k.max() >= self.days.size:
            raise ValueError("a half-day falls beyond the precomputed calendar")
        s = self.sessions
        ends = np.where(pos % 2 == 0, _secs(s.morning_end), _secs(s.afternoon_end))
        return self.days[k] * DAY + ends - OFFSET

    def center_open(self, t: I64) -> I64:
        """``tracking.estimate.center_open`` on this (the center's) calendar."""
        local = t + OFFSET
        day, sec = local // DAY, local % DAY
        i = self._index(day)
        w, o = self.working[i], self.ordinal[i]
        start = _secs(self.sessions.morning_start)
        inside = w & (sec >= start) & (sec <= _secs(self.sessions.close))
        target = o + 1 - (w & (sec < start)).astype(np.int64)
        if target.size and target.max() >= self.days.size:
            raise ValueError("a handover falls beyond the precomputed calendar")
        return np.where(inside, t, self.days[target] * DAY + start - OFFSET)


def covering(cal: WorkCalendar, first: date, last: date, working_days_after: int) -> DayTable:
    """A table from ``first`` to past ``last`` by at least ``working_days_after`` working days."""
    end = last + timedelta(days=math.ceil(working_days_after * 7 / 5) + 45)
    while True:
        table = DayTable.build(cal, first, end)
        after = int(table.ordinal[-1] - table.ordinal[(last - first).days])
        if after >= working_days_after:
            return table
        end += timedelta(days=60)


@dataclass(frozen=True)
class BatchEstimate:
    """Unix seconds per dossier; ``NONE`` where a leg does not exist."""

    direct_due_at: I64
    inbound_p50_at: I64  # = expected_at_center
    inbound_p90_at: I64
    due_at: I64
    outbound_p50_at: I64
    delivered_by: I64  # = outbound p90
    postal_adds_half_days: I64  # postal_adds_working_days × 2

    def __len__(self) -> int:
        return int(self.due_at.size)


def lane_steps(
    table: TransitTable,
    communes: Sequence[tuple[str, float, str]],
    history: Mapping[LaneKey, Sequence[float]] | None = None,
) -> I64:
    """Per commune (code, road km, province code): half-day steps of the lanes, as
    ``tracking.estimate`` adds them: columns inbound p50, inbound p90, outbound p50, p90."""
    out = np.zeros((len(communes), 4), dtype=np.int64)
    for row, (code, km, province) in enumerate(communes):
        for col, direction in ((0, INBOUND), (2, OUTBOUND)):
            lane = estimate_lane(
                table,
                direction,
                commune_code=code,
                distance_km=km,
                province_code=province,
                history=history,
            )
            out[row, col] = half_steps(lane.p50_days)
            out[row, col + 1] = half_steps(lane.p90_days)
    return out


def estimate_batch(
    submitted_at: I64,
    processing_half_days: I64,
    service: npt.NDArray[np.integer],
    steps: I64,
    center: DayTable,
    post: DayTable,
) -> BatchEstimate:
    """Every field of the contract's estimate for each dossier.

    ``submitted_at``: Unix seconds; ``service``: ``SERVICE_CODES``; ``steps``: one row per
    dossier of ``lane_steps`` (index a commune table by the dossiers' commune indexes).
    """
    t = np.asarray(submitted_at, dtype=np.int64)
    half = np.asarray(processing_half_days, dtype=np.int64)
    svc = np.asarray(service)
    has_in, has_out = svc != 1, svc != 0
    direct = center.end(center.receipt(t) + half)

    picked = post.receipt(t)
    in50 = center.center_open(post.end(picked + steps[:, 0]))
    in90 = center.center_open(post.end(picked + steps[:, 1]))
    receipt = np.where(has_in, in50, t)
    due = center.end(center.receipt(receipt) + half)

    handed = post.receipt(due)
    out50 = post.end(handed + steps[:, 2])
    out90 = post.end(handed + steps[:, 3])
    last = np.where(has_out, out90, due)
    adds = center.arrival(last) - center.arrival(direct)
    return BatchEstimate(
        direct_due_at=direct,
        inbound_p50_at=np.where(has_in, in50, NONE),
        inbound_p90_at=np.where(has_in, in90, NONE),
        due_at=due,
        outbound_p50_at=np.where(has_out, out50, NONE),
        delivered_by=np.where(has_out, out90, NONE),
        postal_adds_half_days=adds,
    )


def calendars_for(
    submitted_at: I64,
    processing_half_days: I64,
    steps: I64,
    center_cal: WorkCalendar,
    post_cal: WorkCalendar,
) -> tuple[DayTable, DayTable]:
    """The two day tables a batch needs, from the day before the first submission to past
    the farthest half-day any dossier can reach."""
    first = EPOCH + timedelta(days=int((submitted_at.min() + OFFSET) // DAY) - 1)
    last = EPOCH + timedelta(days=int((submitted_at.max() + OFFSET) // DAY) + 1)
    reach = int(processing_half_days.max()) + int(steps.max(initial=0)) * 2 + 8
    return covering(center_cal, first, last, reach), covering(post_cal, first, last, reach)


def to_datetime(value: int) -> datetime | None:
    """Unix seconds → aware UTC datetime (``NONE`` → None)."""
    return None if value == NONE else datetime.fromtimestamp(int(value), tz=UTC)


def to_seconds(value: datetime) -> int:
    """Aware datetime → Unix seconds (fractions of a second dropped)."""
    if value.tzinfo is None:
        raise ValueError("times must carry their time zone")
    return math.floor(value.timestamp())
