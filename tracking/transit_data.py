"""Couriers' transit data as the database keeps it: service-level tables (``transit_table``,
falling back to ``courier.transit.default_table()``) and the durations of completed legs
(``lane_observation``), read for the learned lanes of ``courier.transit.estimate_lane``.

Why reads are bounded: a lane is read by two index range scans (``ix_lane_commune``,
``ix_lane_zone``: courier, direction, commune or zone, then ``ended_at`` within the trailing
window, newest first, at most ``max_observations`` rows), so an estimate costs the same whatever
the size of the history. Functions take a session first and never commit.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CompoundSelect, Select, bindparam, literal, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from courier import geography
from courier.transit import (
    LaneKey,
    TransitError,
    TransitTable,
    default_table,
    table_from_dict,
    table_to_dict,
)
from tracking import services
from tracking.errors import ValidationFailed
from tracking.models import Courier, LaneObservation, TransitTableRecord

log = logging.getLogger(__name__)

SERVICE_LEVEL = "standard"
WINDOW_DAYS = 180  # trailing window of learned lanes: about two seasons, Tết included once
MAX_OBSERVATIONS = 1000  # newest first; with k = 10 the data already weighs 99% at 1,000


# ── service-level tables ─────────────────────────────────────────────────────────────────────
def table_record(session: Session, courier: Courier, level: str) -> TransitTableRecord | None:
    return session.scalars(
        select(TransitTableRecord).where(
            TransitTableRecord.courier_id == courier.id,
            TransitTableRecord.service_level == level,
        )
    ).first()


def load_table(
    session: Session, courier: Courier, service_level: str = SERVICE_LEVEL
) -> TransitTable:
    """The courier's table from ``transit_table``, else the documented defaults."""
    row = table_record(session, courier, service_level)
    if row is None:
        return default_table(courier.code, service_level)
    try:
        table = table_from_dict(row.data)
    except TransitError:  # edited by hand in the database: say so, keep estimating
        log.error("transit table of %s/%s is invalid; using the defaults", courier.code, row.id)
        return default_table(courier.code, service_level)
    return replace(table, courier=courier.code, service_level=service_level)


def save_table(
    session: Session,
    courier: Courier,
    data: Any,
    *,
    now: datetime,
    actor: str,
    service_level: str = SERVICE_LEVEL,
) -> TransitTable:
    """Validate and store an admin's table; errors name the field (``inbound.bands[1].days``).

    The courier and service level are the ones the table is stored under, whatever the JSON
    says, so that one courier's table can be copied to another.
    """
    if isinstance(data, Mapping):
        data = {**data, "courier": courier.code, "service_level": service_level}
    known = {c.code for c in geography.list_communes()}
    try:
        table = table_from_dict(data, known_communes=known)
    except TransitError as exc:
        message = str(exc).removeprefix(f"{exc.field}: ") if exc.field else str(exc)
        raise ValidationFailed(message, field=exc.field) from exc
    row = table_record(session, courier, service_level)
    if row is None:
        row = TransitTableRecord(courier_id=courier.id, service_level=service_level)
        session.add(row)
    row.data, row.source, row.updated_at = table_to_dict(table), table.source[:500], now
    session.flush()
    services.audit(
        session, now, actor, "transit.set", "courier", courier.code, {"level": service_level}
    )
    return table


def seed_transit_tables(session: Session, now: datetime) -> int:
    """Store the default table for every courier that has none (idempotent) → rows added."""
    have = set(session.scalars(select(TransitTableRecord.courier_id)))
    added = 0
    for courier in session.scalars(select(Courier).order_by(Courier.id)):
        if courier.id in have:
            continue
        table = default_table(courier.code, SERVICE_LEVEL)
        session.add(
            TransitTableRecord(
                courier_id=courier.id,
                service_level=SERVICE_LEVEL,
                data=table_to_dict(table),
                source=table.source[:500],
                updated_at=now,
            )
        )
        added += 1
    session.flush()
    return added


# ── learned lanes ────────────────────────────────────────────────────────────────────────────
def _lane_select(
    courier_id: Any,
    level: Any,
    direction: Any,
    column: InstrumentedAttribute[Any],
    value: Any,
    since: Any,
    limit: Any,
) -> Select[Any]:
    """One lane's durations, newest first: a range scan of ix_lane_commune or ix_lane_zone."""
    return (
        select(LaneObservation.post_days)
        .where(
            LaneObservation.courier_id == courier_id,
            LaneObservation.direction == direction,
            column == value,
            LaneObservation.ended_at >= since,
            LaneObservation.service_level == level,
        )
        .order_by(LaneObservation.ended_at.desc())
        .limit(limit)
    )


@functools.cache
def _lanes_statement(directions: int) -> CompoundSelect[Any]:
    """The commune's and the zone's lane of each direction, built once per number of
    directions (an estimate asks for one or two)."""
    parts = []
    for n in range(directions):
        for k, (column, value) in enumerate(
            ((LaneObservation.commune_code, "commune"), (LaneObservation.zone, f"zone{n}"))
        ):
            lane = _lane_select(
                bindparam("courier"),
                bindparam("level"),
                bindparam(f"direction{n}"),
                column,
                bindparam(value),
                bindparam("since"),
                bindparam("limit"),
            ).subquery()
            parts.append(select(literal(2 * n + k).label("lane"), lane.c.post_days))
    return union_all(*parts)


def lane_history(
    session: Session,
    table: TransitTable,
    courier_id: int,
    commune: geography.Commune,
    distance_km: float,
    directions: Iterable[str],
    now: datetime,
    *,
    window_days: int = WINDOW_DAYS,
    max_observations: int = MAX_OBSERVATIONS,
) -> dict[LaneKey, list[float]]:
    """Observed durations of this commune's lanes and of its zones, for ``estimate_lane``."""
    since = now - timedelta(days=window_days)
    base = (table.courier, table.service_level)
    keys: list[LaneKey] = []
    params: dict[str, Any] = {"courier": courier_id, "level": table.service_level}
    params |= {"since": since, "limit": max_observations, "commune": commune.code}
    for n, d in enumerate(directions):
        zone = table.zone(d, commune.code, distance_km, commune.province_code).name
        keys += [LaneKey(*base, d, commune=commune.code), LaneKey(*base, d, zone=zone)]
        params |= {f"direction{n}": d, f"zone{n}": zone}
    out: dict[LaneKey, list[float]] = {key: [] for key in keys}
    if keys:  # every lane in one round trip, each still its own bounded range scan
        for lane_no, days in session.execute(_lanes_statement(len(keys) // 2), params):
            out[keys[lane_no]].append(float(days))
    return out
