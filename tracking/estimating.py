"""Estimates from the database: every dossier's at registration, refreshed when checkpoints
bring facts, and the one ``POST /api/v1/estimate`` asks for.

Why a service module: the pure ``tracking.estimate`` takes an address's commune, a table, a
history and calendars as values; here they come from the applicant's address
(``courier.geography``), the courier's stored table and the learned lanes
(``tracking.transit_data``), the center's calendar overrides. ``refresh`` closes the loop: each
completed postal leg becomes one ``lane_observation`` that later estimates learn from.

Every function takes a session first and never commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from courier import geography
from courier.transit import (
    DIRECTIONS,
    INBOUND,
    OUTBOUND,
    TransitError,
    TransitTable,
    post_calendar,
    post_days_between,
)
from tracking import appointment, services
from tracking.checkpoints import UPDATE_BY_ID, Fields, Past, history, set_in_step
from tracking.db import driver_execute, reference_cache
from tracking.errors import Unprocessable, ValidationFailed
from tracking.estimate import Estimate, EstimateError, Facts, estimate
from tracking.models import (
    CalendarOverride,
    Center,
    Courier,
    Dossier,
    LaneObservation,
    Procedure,
    Shipment,
    TransitTableRecord,
)
from tracking.transit_data import (
    MAX_OBSERVATIONS,
    SERVICE_LEVEL,
    WINDOW_DAYS,
    lane_history,
    load_table,
)
from tracking.workdays import WorkCalendar

log = logging.getLogger(__name__)

FUTURE_LIMIT = timedelta(days=366)  # an estimate may ask "if I send it next month"

# A leg: the event that starts it and the one that completes it, per direction.
LEG_START = {INBOUND: "picked_up", OUTBOUND: "handed_to_courier"}
LEG_END = {INBOUND: "received_by_center", OUTBOUND: "delivered"}
FACT_EVENTS = frozenset({*LEG_START.values(), *LEG_END.values()})


@dataclass(frozen=True)
class EstimateSettings:
    """Knobs of the estimates; ``from_config`` reads them from the app's configuration."""

    window_days: int = WINDOW_DAYS
    max_observations: int = MAX_OBSERVATIONS
    road_factor: float = geography.ROAD_FACTOR
    session_hours: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EstimateSettings:
        return cls(
            window_days=int(config.get("ESTIMATE_WINDOW_DAYS") or WINDOW_DAYS),
            max_observations=int(config.get("ESTIMATE_MAX_OBSERVATIONS") or MAX_OBSERVATIONS),
            road_factor=float(config.get("ESTIMATE_ROAD_FACTOR") or geography.ROAD_FACTOR),
            session_hours=config.get("SESSION_HOURS"),
        )


@dataclass(frozen=True)
class EstimateQuery:
    """What ``POST /api/v1/estimate`` and ``python run.py estimate`` ask."""

    service: str
    address: str | None = None
    commune_code: str | None = None
    processing_days: float | None = None
    procedure_code: str | None = None
    courier: str | None = None
    submitted_at: datetime | None = None


def _directions(service: str) -> list[str]:
    legs = ((INBOUND, service != "receive_result"), (OUTBOUND, service != "send_dossier"))
    return [d for d, wanted in legs if wanted]


def compute(
    session: Session,
    *,
    commune: geography.Commune,
    distance_km: float,
    processing_days: float,
    service: str,
    courier: Courier,
    submitted_at: datetime,
    now: datetime,
    settings: EstimateSettings,
    facts: Facts | None = None,
) -> Estimate:
    """The pure estimate with the table, history and calendar of the database."""
    table = _table(session, courier)
    directions = tuple(_directions(service))
    # Learned lanes are statistics of up to max_observations legs over months: a view of them
    # up to REFERENCE_CACHE_SECONDS old serves every estimate of the lane meanwhile (one lane
    # is read as up to 2,000 rows). Not cleared by the legs learned meanwhile, on purpose.
    history = reference_cache(session).get(
        (
            "lanes",
            courier.id,
            table.service_level,
            commune.code,
            round(distance_km, 3),
            directions,
            settings.window_days,
            settings.max_observations,
        ),
        lambda: lane_history(
            session,
            table,
            courier.id,
            commune,
            distance_km,
            directions,
            now,
            window_days=settings.window_days,
            max_observations=settings.max_observations,
        ),
    )
    try:
        return estimate(
            commune,
            distance_km,
            processing_days=processing_days,
            service=service,
            table=table,
            submitted_at=submitted_at,
            center_cal=_calendar(session, settings.session_hours),
            post_cal=post_calendar(),
            history=history,
            facts=facts,
        )
    except (EstimateError, TransitError) as exc:
        field = getattr(exc, "field", None)
        if field == "processing_days":
            raise ValidationFailed(str(exc), field=field) from exc
        raise Unprocessable(str(exc), field=field, code="not_estimable") from exc


# ── reference data, kept a few seconds (tracking.db.ReferenceCache) ──────────────────────────
def _table(session: Session, courier: Courier) -> TransitTable:
    return reference_cache(session).get(
        ("transit", courier.id, SERVICE_LEVEL), lambda: load_table(session, courier)
    )


def _calendar(session: Session, session_hours: str | None) -> WorkCalendar:
    return reference_cache(session).get(
        ("calendar", session_hours),
        lambda: services.work_calendar(session, services.get_center(session), session_hours),
    )


_KINDS: dict[type, str] = {  # kinds cleared on a write; learned "lanes" only age out
    TransitTableRecord: "transit",
    CalendarOverride: "calendar",
    Center: "calendar",  # its session hours
}


@event.listens_for(Session, "after_flush")
def _forget_changed(session: Session, _context: Any) -> None:
    """A transit table, calendar override or center written through any session of this
    process clears what the cache holds of its kind."""
    kinds = {
        _KINDS[type(obj)]
        for obj in (*session.new, *session.dirty, *session.deleted)
        if type(obj) in _KINDS
    }
    for kind in kinds:
        reference_cache(session).forget(kind)


# ── placing addresses ────────────────────────────────────────────────────────────────────────
def place(address: str, *, field: str, settings: EstimateSettings) -> geography.Place:
    """An address → its 2025 commune in the center's province, or a 422 naming the part."""
    try:
        return geography.place_address(address, road_factor=settings.road_factor)
    except geography.OutsideProvince as exc:
        raise Unprocessable(str(exc), field=field, code="outside_province") from exc
    except geography.GeographyError as exc:
        raise Unprocessable(
            f"the {exc.part} could not be read: {exc}", field=field, code="address_not_placed"
        ) from exc


def place_commune(code: str, *, field: str, settings: EstimateSettings) -> geography.Place:
    try:
        found = geography.place_commune(code, road_factor=settings.road_factor)
    except geography.GeographyError as exc:
        raise Unprocessable(str(exc), field=field, code="unknown_commune") from exc
    if found.commune.province_code != geography.NGHE_AN_CENTER.province_code:
        raise Unprocessable(
            f"commune {code} ({found.commune.name}) is in {found.commune.province}, "
            "not in the center's province",
            field=field,
            code="outside_province",
        )
    return found


def place_dossier(
    session: Session, dossier: Dossier, now: datetime, *, settings: EstimateSettings | None = None
) -> Estimate:
    """Place the applicant's address on the dossier and store its estimate and delivered_by.

    ``due_at`` stays the appointment rule's, set when the center receives the dossier; the
    estimate carries its own ``due_at``. An address that cannot be placed is a 422 on
    ``applicant.address``.
    """
    settings = settings or EstimateSettings()
    where = place(dossier.applicant.address, field="applicant.address", settings=settings)
    c = where.commune
    dossier.commune_code, dossier.commune_name = c.code, c.name
    dossier.commune_lat, dossier.commune_lon = c.lat, c.lon
    dossier.distance_km = where.distance_km
    est = _estimate(session, dossier, c, now, settings, _facts(session, dossier))
    dossier.estimate = est.to_dict()
    dossier.delivered_by = est.delivered_by
    return est


def _estimate(
    session: Session,
    dossier: Dossier,
    commune: geography.Commune,
    now: datetime,
    settings: EstimateSettings,
    facts: Facts,
) -> Estimate:
    courier = dossier.courier or services.get_courier(session, "vnpost")
    return compute(
        session,
        commune=commune,
        distance_km=float(dossier.distance_km or 0.0),
        processing_days=dossier.processing_half_days / 2,
        service=dossier.service,
        courier=courier,
        submitted_at=dossier.submitted_at,
        now=now,
        settings=settings,
        facts=facts,
    )


# ── POST /api/v1/estimate ────────────────────────────────────────────────────────────────────
def estimate_request(
    session: Session,
    query: EstimateQuery,
    now: datetime,
    *,
    default_courier: str = "vnpost",
    settings: EstimateSettings | None = None,
) -> Estimate:
    """The contract's estimate for an address (or a commune) that no dossier carries yet."""
    settings = settings or EstimateSettings()
    if (query.address is None) == (query.commune_code is None):
        raise ValidationFailed("give either address or commune_code", field="address")
    if (query.processing_days is None) == (query.procedure_code is None):
        raise ValidationFailed(
            "give either processing_days or procedure_code", field="processing_days"
        )
    if query.procedure_code is not None:
        days = _procedure(session, query.procedure_code).processing_half_days / 2
    else:
        days = float(query.processing_days or 0)
    try:
        appointment.half_days(days)
    except appointment.AppointmentError as exc:
        raise ValidationFailed(str(exc), field="processing_days") from exc
    courier = services.get_courier(session, query.courier or default_courier)
    submitted_at = _when(query.submitted_at, session, now)
    where = (
        place(query.address, field="address", settings=settings)
        if query.address is not None
        else place_commune(query.commune_code or "", field="commune_code", settings=settings)
    )
    return compute(
        session,
        commune=where.commune,
        distance_km=where.distance_km,
        processing_days=days,
        service=query.service,
        courier=courier,
        submitted_at=submitted_at,
        now=now,
        settings=settings,
    )


def _procedure(session: Session, code: str) -> Procedure:
    proc = session.scalars(select(Procedure).where(Procedure.code == code)).first()
    if proc is None:
        raise Unprocessable(
            f"no procedure {code!r} in the catalogue",
            field="procedure_code",
            code="unknown_procedure",
        )
    if not proc.postal_allowed:
        raise Unprocessable(
            f"procedure {code} does not allow the postal service",
            field="procedure_code",
            code="postal_not_allowed",
        )
    return proc


def _when(value: datetime | None, session: Session, now: datetime) -> datetime:
    """A time without an offset is the center's; not before 2000, at most a year ahead."""
    if value is None:
        return now
    tz = services.center_tz(services.get_center(session))
    aware = value if value.tzinfo else value.replace(tzinfo=tz)
    if aware < services.EARLIEST:
        raise ValidationFailed("time is before 2000", field="submitted_at")
    if aware > now + FUTURE_LIMIT:
        raise ValidationFailed("time is more than a year ahead", field="submitted_at")
    return aware


# ── checkpoints: learning lanes, refreshing estimates ────────────────────────────────────────
@dataclass(frozen=True)
class Refresh:
    """What a fact changes, for the caller to write: the dossier's new column values (already
    on the loaded object, as committed values, so the unit of work does not write them again)
    and the completed leg (a ``lane_observation`` row), if any."""

    dossier: dict[str, Any]
    lane: dict[str, Any] | None = None

    def write(self, conn: Connection, dossier_id: int) -> None:
        """Every statement of this refresh, for a caller that stores checkpoints some other way
        than ``tracking.checkpoints`` (which sends the dossier's values in its own UPDATE)."""
        self.write_lane(conn)
        if self.dossier:
            driver_execute(conn, UPDATE_BY_ID[Dossier], [{"row_id": dossier_id, **self.dossier}])

    def write_lane(self, conn: Connection) -> None:
        """The completed leg's row, if any: one upsert (inside a pipeline, it travels with the
        other statements)."""
        if self.lane is not None:
            driver_execute(conn, _UPSERT[conn.dialect.name == "postgresql"], [self.lane])


def refresh(
    session: Session,
    shipment: Shipment,
    checkpoint: Fields,
    now: datetime,
    *,
    settings: EstimateSettings | None = None,
    past: Sequence[Past] | None = None,
) -> Refresh | None:
    """What a checkpoint teaches: the leg it completes, the dossier's refreshed estimate. None
    for a checkpoint that is not a fact. Reads, never writes: the checkpoint write path sends
    the result with its own statements, in its one round trip (``Refresh.write`` writes it for
    other callers).

    ``past``: the dossier's checkpoints as the write path already read them (with this one);
    read here when not given.

    A completed leg (inbound: picked_up → received_by_center; outbound: handed_to_courier →
    delivered) becomes one ``LaneObservation`` per shipment, recomputed from the earliest
    unflagged start and end checkpoints whenever either arrives, so the order of arrival does
    not matter. Facts (actual pickup, receipt, handover) replace expectations in the estimate.
    Nothing here fails the checkpoint: data that cannot be used is logged and skipped.
    """
    if checkpoint.event not in FACT_EVENTS:
        return None
    settings = settings or EstimateSettings()
    dossier = shipment.dossier
    values: dict[str, Any] = {}
    commune = _commune_of(dossier, settings, values)
    if commune is None:
        return Refresh(values)
    cps = _checkpoints(session, dossier, past)
    mine = [p for p in cps if p.shipment_id == shipment.id]
    lane = _leg(session, shipment, mine, dossier, commune)
    try:
        est = _estimate(session, dossier, commune, now, settings, _facts(session, dossier, cps))
    except (Unprocessable, ValidationFailed) as exc:
        log.warning("estimate of %s not refreshed: %s", dossier.code, exc.message)
        return Refresh(values, lane)
    est_values = {"estimate": est.to_dict(), "delivered_by": est.delivered_by, "updated_at": now}
    set_in_step(dossier, values, **est_values)
    return Refresh(values, lane)


def _commune_of(
    dossier: Dossier, settings: EstimateSettings, values: dict[str, Any]
) -> geography.Commune | None:
    """The dossier's commune; placed now (into ``values``) when it was registered before
    estimates existed."""
    try:
        if dossier.commune_code and dossier.distance_km is not None:
            return geography.lookup_commune(dossier.commune_code)
        where = geography.place_address(dossier.applicant.address, road_factor=settings.road_factor)
    except geography.GeographyError as exc:
        log.info("dossier %s has no placeable address: %s", dossier.code, exc)
        return None
    c = where.commune
    set_in_step(
        dossier,
        values,
        commune_code=c.code,
        commune_name=c.name,
        commune_lat=c.lat,
        commune_lon=c.lon,
        distance_km=where.distance_km,
    )
    return c


def _checkpoints(
    session: Session, dossier: Dossier, past: Sequence[Past] | None = None
) -> list[Past]:
    """The dossier's unflagged checkpoints, both directions (one query when not given)."""
    rows = history(session, dossier.id) if past is None else past
    return [p for p in rows if not p.flagged]


def _first(cps: Sequence[Past], event: str) -> datetime | None:
    return min((cp.occurred_at for cp in cps if cp.event == event), default=None)


def _facts(session: Session, dossier: Dossier, cps: Sequence[Past] | None = None) -> Facts:
    if dossier.id is None:  # not stored yet: nothing has happened
        return Facts()
    cps = _checkpoints(session, dossier) if cps is None else cps
    inbound = [p for p in cps if p.direction == INBOUND]
    outbound = [p for p in cps if p.direction == OUTBOUND]
    picked = _first(inbound, "picked_up")
    got = None
    if dossier.service != "receive_result":
        got = dossier.received_at or _first(inbound, "received_by_center")
    if picked and got and got < picked:  # a pickup scan with a wrong clock: the receipt is law
        picked = None
    return Facts(picked, got, _first(outbound, "handed_to_courier"))


def _leg(
    session: Session,
    shipment: Shipment,
    cps: Sequence[Past],
    dossier: Dossier,
    commune: geography.Commune,
) -> dict[str, Any] | None:
    """The lane observation of the leg these checkpoints complete (None: not complete)."""
    direction = shipment.direction
    if direction not in DIRECTIONS:
        return None
    start, end = _first(cps, LEG_START[direction]), _first(cps, LEG_END[direction])
    if direction == INBOUND and start is None:
        start = dossier.submitted_at  # the post collected it then (CONTRACT.md)
    if start is None or end is None:
        return None
    table = _table(session, shipment.courier)
    try:
        days = post_days_between(start, end, post_calendar())
        zone = table.zone(
            direction, commune.code, float(dossier.distance_km or 0.0), commune.province_code
        )
    except TransitError as exc:
        log.warning("leg of %s not learned: %s", shipment.item_id, exc)
        return None
    return {
        "shipment_id": shipment.id,
        "courier_id": shipment.courier_id,
        "service_level": table.service_level,
        "direction": direction,
        "commune_code": commune.code,
        "zone": zone.name,
        "started_at": start,
        "ended_at": end,
        "post_days": days,
    }


# One statement, whoever wrote first: a leg learned again (an earlier start or end came late)
# or concurrently replaces the row; the unique shipment_id decides.
_LANES = LaneObservation.__table__
_UPSERT = {  # built once: True for PostgreSQL, False for SQLite
    pg: (ins := (pg_insert if pg else sqlite_insert)(_LANES)).on_conflict_do_update(
        index_elements=[_LANES.c.shipment_id],
        set_={
            c: ins.excluded[c]
            for c in (
                "courier_id",
                "service_level",
                "direction",
                "commune_code",
                "zone",
                "started_at",
                "ended_at",
                "post_days",
            )
        },
    )
    for pg in (True, False)
}
