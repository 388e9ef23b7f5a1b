"""What postal transit adds to the appointment: the estimate of CONTRACT.md, "Estimates".

Why: a citizen who sends the dossier by post instead of walking to the center, and has the
result delivered, gets it later. The center's appointment rule (``tracking.appointment``) only
starts when the center *receives* the dossier (DOMAIN.md, "The process"), and the result then
travels back. This module chains the three legs on their own calendars: the post's (Monday–
Saturday less holidays) for transit, the center's (Monday–Friday, swaps) for processing.

Decisions (docs/estimates.md gives the reasons and worked examples):

* ``due_at`` is counted from ``expected_at_center``, the *median* (p50) inbound arrival, as the
  contract says ("counted from the expected receipt"); the inbound p90 is shown beside it. Once
  the actual receipt is known it replaces the expectation and fixes ``due_at``.
* The result is handed to the courier at ``due_at``; ``delivered_by`` is the p90 of the outbound
  leg from there. It is therefore the 90th percentile *given* the dossier reaches the center
  when expected; it never precedes ``due_at``.
* ``postal_adds_working_days`` counts half-days of the center's calendar from ``direct_due_at``
  to ``delivered_by`` (to ``due_at`` for ``send_dossier``, where nothing is delivered), so
  it is a multiple of 0.5.

Pure: no clock, no database; commune and distance come in as values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from courier.transit import (
    INBOUND,
    OUTBOUND,
    SHRINKAGE_K,
    LaneEstimate,
    LaneKey,
    TransitTable,
    add_post_days,
    arrival_half_day,
    estimate_lane,
    post_calendar,
)
from tracking.appointment import CENTER_TZ, AppointmentError, due_at, half_days
from tracking.workdays import WorkCalendar

Service = Literal["send_dossier", "receive_result", "both"]
SERVICES: tuple[str, ...] = ("send_dossier", "receive_result", "both")


class EstimateError(ValueError):
    """Input the estimate cannot take; ``field`` names it (the HTTP layer answers 422)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CommuneLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def province_code(self) -> str: ...


# A fact further than this from the submission is no dossier's journey (a courier's wrong
# date): the estimate refuses it rather than walk the calendar across the years.
FACT_SPAN = timedelta(days=366)


@dataclass(frozen=True)
class Facts:
    """What has actually happened; each known fact replaces the matching expectation."""

    picked_up_at: datetime | None = None
    received_at_center: datetime | None = None
    handed_to_courier_at: datetime | None = None


@dataclass(frozen=True)
class InboundLeg:
    picked_up_at: datetime
    expected_at_center: datetime
    p50_at: datetime
    p90_at: datetime
    actual: bool = False  # the receipt at the center is a fact, not an expectation


@dataclass(frozen=True)
class OutboundLeg:
    handed_to_courier_at: datetime
    delivered_by: datetime
    p50_at: datetime
    p90_at: datetime


@dataclass(frozen=True)
class _Inputs:
    commune: CommuneLike
    distance_km: float
    processing_days: float | int | str | Decimal
    service: str
    table: TransitTable
    submitted_at: datetime
    center_cal: WorkCalendar
    post_cal: WorkCalendar
    history: Mapping[LaneKey, Sequence[float]] | None
    k: float


@dataclass(frozen=True)
class Estimate:
    commune: CommuneLike
    distance_km: float
    direct_due_at: datetime
    inbound: InboundLeg | None
    due_at: datetime
    outbound: OutboundLeg | None
    delivered_by: datetime | None
    postal_adds_working_days: float
    lanes: dict[str, LaneEstimate] = field(default_factory=dict, compare=False)
    inputs: _Inputs | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the contract's fields, times as ISO 8601 in the center's zone."""
        c = self.commune
        inbound = outbound = None
        if self.inbound:
            i = self.inbound
            inbound = {
                "picked_up_at": _iso(i.picked_up_at),
                "expected_at_center": _iso(i.expected_at_center),
                "p50_at": _iso(i.p50_at),
                "p90_at": _iso(i.p90_at),
            }
        if self.outbound:
            o = self.outbound
            outbound = {
                "handed_to_courier_at": _iso(o.handed_to_courier_at),
                "delivered_by": _iso(o.delivered_by),
                "p50_at": _iso(o.p50_at),
                "p90_at": _iso(o.p90_at),
            }
        return {
            "commune": {"code": c.code, "name": c.name, "lat": c.lat, "lon": c.lon},
            "distance_km": round(self.distance_km, 1),
            "direct_due_at": _iso(self.direct_due_at),
            "inbound": inbound,
            "due_at": _iso(self.due_at),
            "outbound": outbound,
            "delivered_by": _iso(self.delivered_by) if self.delivered_by else None,
            "postal_adds_working_days": self.postal_adds_working_days,
        }


def _iso(t: datetime) -> str:
    return t.astimezone(CENTER_TZ).isoformat()


def estimate(
    commune: CommuneLike,
    distance_km: float,
    *,
    processing_days: float | int | str | Decimal,
    service: str,
    table: TransitTable,
    submitted_at: datetime,
    center_cal: WorkCalendar | None = None,
    post_cal: WorkCalendar | None = None,
    history: Mapping[LaneKey, Sequence[float]] | None = None,
    facts: Facts | None = None,
    k: float = SHRINKAGE_K,
) -> Estimate:
    """The contract's estimate for one dossier.

    ``submitted_at`` is when the post collected the dossier (``send_dossier``, ``both``) or when
    the center received it (``receive_result``). ``history`` maps lanes to observed durations
    in post working days (``courier.transit.estimate_lane``). Calendars default to
    ``WorkCalendar.center()`` and ``courier.transit.post_calendar()``.
    """
    inputs = _Inputs(
        commune,
        float(distance_km),
        processing_days,
        service,
        table,
        submitted_at,
        center_cal or WorkCalendar.center(),
        post_cal or post_calendar(),
        history,
        k,
    )
    return _compute(inputs, facts or Facts())


def estimate_for_place(place: Any, **kwargs: Any) -> Estimate:
    """``estimate`` for a ``courier.geography.Place`` (its commune and road distance)."""
    return estimate(place.commune, place.distance_km, **kwargs)


def refresh(previous: Estimate, facts: Facts) -> Estimate:
    """The same estimate recomputed with the facts known now (actual pickup, receipt, ...)."""
    if previous.inputs is None:
        raise EstimateError("this estimate does not carry its inputs")
    return _compute(previous.inputs, facts)


def _compute(x: _Inputs, facts: Facts) -> Estimate:
    _check(x, facts)
    lane = _lanes(x)
    direct = due_at(x.submitted_at, x.processing_days, x.center_cal)

    inbound: InboundLeg | None = None
    receipt = facts.received_at_center or x.submitted_at
    if x.service in ("send_dossier", "both"):
        picked = facts.picked_up_at or x.submitted_at
        if facts.received_at_center:
            got = facts.received_at_center
            inbound = InboundLeg(picked, got, got, got, actual=True)
        else:
            p50, p90 = (
                center_open(add_post_days(picked, days, x.post_cal), x.center_cal)
                for days in (lane[INBOUND].p50_days, lane[INBOUND].p90_days)
            )
            inbound = InboundLeg(picked, p50, p50, p90)
        receipt = inbound.expected_at_center
    due = due_at(receipt, x.processing_days, x.center_cal)

    outbound: OutboundLeg | None = None
    if x.service in ("receive_result", "both"):
        handed = facts.handed_to_courier_at or due
        p50 = add_post_days(handed, lane[OUTBOUND].p50_days, x.post_cal)
        p90 = add_post_days(handed, lane[OUTBOUND].p90_days, x.post_cal)
        outbound = OutboundLeg(handed, p90, p50, p90)
    delivered = outbound.delivered_by if outbound else None

    return Estimate(
        commune=x.commune,
        distance_km=x.distance_km,
        direct_due_at=direct,
        inbound=inbound,
        due_at=due,
        outbound=outbound,
        delivered_by=delivered,
        postal_adds_working_days=center_days_between(direct, delivered or due, x.center_cal),
        lanes=lane,
        inputs=x,
    )


def _lanes(x: _Inputs) -> dict[str, LaneEstimate]:
    wanted = []
    if x.service in ("send_dossier", "both"):
        wanted.append(INBOUND)
    if x.service in ("receive_result", "both"):
        wanted.append(OUTBOUND)
    return {
        d: estimate_lane(
            x.table,
            d,
            commune_code=x.commune.code,
            distance_km=x.distance_km,
            province_code=x.commune.province_code,
            history=x.history,
            k=x.k,
        )
        for d in wanted
    }


def center_open(arrival: datetime, cal: WorkCalendar) -> datetime:
    """When an item that reached the post's hands at ``arrival`` can be handed to the center.

    The handover record is signed at the center (DOMAIN.md), so an arrival on a Saturday, a
    holiday or after closing is handed over at the next working morning's opening.
    """
    local = arrival.astimezone(CENTER_TZ)
    s = cal.sessions
    if cal.is_working_day(local.date()) and s.morning_start <= local.time() <= s.close:
        return local
    day = cal.next_working_day(local.date(), include_today=local.time() < s.morning_start)
    return datetime.combine(day, s.morning_start, tzinfo=CENTER_TZ)


def center_days_between(start: datetime, end: datetime, cal: WorkCalendar) -> float:
    """Working days of the center from ``start`` to ``end``, in half-days (0.5 steps).

    Each instant is placed in the center half-day by whose end it has happened (12:00 still
    counts as the morning, after 17:00 or a day off as the next working morning): a result
    delivered on Saturday counts as delivered by Monday morning.
    """
    a, b = arrival_half_day(start, cal), arrival_half_day(end, cal)
    return (2 * cal.working_days_between(a.day, b.day) + b.half - a.half) / 2


def _check(x: _Inputs, facts: Facts) -> None:
    if x.service not in SERVICES:
        raise EstimateError(
            f"service is one of {', '.join(SERVICES)}, not {x.service!r}", "service"
        )
    if x.submitted_at.tzinfo is None:
        raise EstimateError("submitted_at must carry its time zone", "submitted_at")
    try:
        half_days(x.processing_days)
    except AppointmentError as exc:
        raise EstimateError(str(exc), "processing_days") from exc
    if not x.distance_km >= 0:
        raise EstimateError("distance must be >= 0 km", "distance_km")
    known = {"picked_up_at": facts.picked_up_at, "received_at_center": facts.received_at_center}
    known["handed_to_courier_at"] = facts.handed_to_courier_at
    for name, value in known.items():
        if value is not None and value.tzinfo is None:
            raise EstimateError(f"{name} must carry its time zone", name)
        if value is not None and abs(value - x.submitted_at) > FACT_SPAN:
            raise EstimateError(f"{name} is more than a year from submitted_at", name)
    picked, got = facts.picked_up_at, facts.received_at_center
    if picked and got and got < picked:
        raise EstimateError(
            "the center cannot receive a dossier before the post picked it up", "received_at_center"
        )
