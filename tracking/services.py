"""Use cases on dossiers and shipments. Each takes a session first and never commits: the request
or the command that called it owns the transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from labels import s10
from tracking import appointment, status
from tracking.db import driver_execute, driver_reads
from tracking.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from tracking.models import (
    Applicant,
    AuditLog,
    CalendarOverride,
    Center,
    Counter,
    Courier,
    Dossier,
    OutboxEvent,
    Procedure,
    SerialRange,
    Shipment,
)
from tracking.schemas import DossierIn, ShipmentIn
from tracking.workdays import DayOverride, Sessions, WorkCalendar

log = logging.getLogger(__name__)

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(minutes=10)  # clocks of scanners and integrators drift


# ── reference lookups ────────────────────────────────────────────────────────────────────────
def get_center(session: Session) -> Center:
    """The center (one per installation), looked up once per session."""
    center = session.info.get("center")
    if center is not None and center in session:
        return center
    center = session.scalars(select(Center).order_by(Center.id).limit(1)).first()
    if center is None:
        raise NotFound("no center is configured: run `python run.py seed`")
    session.info["center"] = center
    return center


_ZONES: dict[str, ZoneInfo] = {}


def center_zone(session: Session) -> ZoneInfo:
    """The center's time zone, remembered per database (it is set once, at installation)."""
    key = str(session.get_bind().url)
    zone = _ZONES.get(key)
    if zone is None:
        zone = _ZONES[key] = center_tz(get_center(session))
    return zone


def center_tz(center: Center) -> ZoneInfo:
    return ZoneInfo(center.timezone)


def work_calendar(
    session: Session, center: Center, session_hours: str | None = None
) -> WorkCalendar:
    """The center's calendar: overrides from the database, session hours from its settings."""
    overrides = tuple(tuple(r) for r in session.execute(_OVERRIDES))
    return _calendar_of(session_hours or center.session_hours, overrides)


def legal_calendar(session: Session) -> tuple[WorkCalendar, ZoneInfo]:
    """The center's calendar and time zone for a legal date (an appointment fixed on receipt),
    read afresh every time: a change made a moment ago by another process counts at once.

    One round trip on the driver (the center's clock, the overrides); the calendar is built
    once per distinct content."""
    session.flush()
    clock, overrides = driver_reads(session.connection(), [(_CLOCK, {}), (_OVERRIDES, {})])
    if not clock:
        raise NotFound("no center is configured: run `python run.py seed`")
    timezone, session_hours = clock[0]
    return _calendar_of(session_hours, tuple(tuple(r) for r in overrides)), ZoneInfo(timezone)


_CLOCK = select(Center.timezone, Center.session_hours).where(
    Center.id == select(func.min(Center.id)).scalar_subquery()
)
_OVERRIDES = select(
    CalendarOverride.day, CalendarOverride.working, CalendarOverride.reason, CalendarOverride.source
).order_by(CalendarOverride.day)


@lru_cache(maxsize=16)
def _calendar_of(
    session_hours: str, overrides: tuple[tuple[date, bool, str, str], ...]
) -> WorkCalendar:
    return WorkCalendar.center([DayOverride(*o) for o in overrides], Sessions.parse(session_hours))


def get_courier(session: Session, code: str, *, field: str = "courier") -> Courier:
    courier = session.scalars(select(Courier).where(Courier.code == code)).first()
    if courier is None or not courier.active:
        raise Unprocessable(f"unknown courier {code!r}", field=field, code="unknown_courier")
    return courier


def find_dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalars(
        select(Dossier)
        .where(Dossier.code == code)
        .options(
            selectinload(Dossier.shipments).selectinload(Shipment.checkpoints),
            selectinload(Dossier.applicant),
            selectinload(Dossier.procedure).selectinload(Procedure.department),
        )
    ).first()
    if dossier is None:
        raise NotFound(f"no dossier with code {code!r}")
    return dossier


def find_shipment(session: Session, item_id: str) -> Shipment:
    shipment = session.scalars(
        select(Shipment)
        .where(Shipment.item_id == s10.normalize(item_id))
        .options(selectinload(Shipment.checkpoints), selectinload(Shipment.dossier))
    ).first()
    if shipment is None:
        raise NotFound(f"no shipment with item id {item_id!r}")
    return shipment


# ── records every change leaves ──────────────────────────────────────────────────────────────
def audit_row(
    now: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "at": now,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "detail": detail,
    }


def event_row(
    now: datetime, type_: str, dossier_code: str | None, data: dict[str, Any]
) -> dict[str, Any]:
    return {"type": type_, "dossier_code": dossier_code, "payload": data, "created_at": now}


def write_records(
    session: Session | Connection, audits: list[dict[str, Any]], events: list[dict[str, Any]]
) -> None:
    """Audit rows and outbound events, each kind in one statement, in the caller's transaction
    (plain INSERTs: these rows are written on every checkpoint and never read back here). Given
    a connection (the checkpoint path, within ``db.pipelined``) they go straight to the driver."""
    for stmt, rows in ((_AUDIT_INSERT, audits), (_OUTBOX_INSERT, events)):
        if not rows:
            continue
        if isinstance(session, Connection):
            driver_execute(session, stmt, rows)
        else:
            session.execute(stmt, rows)


def audit(
    session: Session,
    now: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    detail: dict[str, Any] | None = None,
) -> None:
    """One row of the audit log, in the caller's transaction."""
    write_records(session, [audit_row(now, actor, action, entity, entity_id, detail)], [])


def emit(
    session: Session, now: datetime, type_: str, dossier_code: str | None, data: dict[str, Any]
) -> None:
    """Write an outbound event in the caller's transaction (the outbox pattern)."""
    write_records(session, [], [event_row(now, type_, dossier_code, data)])


# inline(): no implicit RETURNING of the new id (nothing reads it, and none comes back in a
# PostgreSQL pipeline).
_AUDIT_INSERT = AuditLog.__table__.insert().inline()
_OUTBOX_INSERT = OutboxEvent.__table__.insert().inline()


# ── counters and identifiers ─────────────────────────────────────────────────────────────────
def next_counter(session: Session, name: str) -> int:
    """Advance a named counter atomically; the row lock is held until the caller commits."""
    dialect = session.get_bind().dialect.name
    ins: Any
    if dialect == "postgresql":
        ins = postgresql.insert(Counter).values(name=name, value=0).on_conflict_do_nothing()
    elif dialect == "sqlite":
        ins = sqlite.insert(Counter).values(name=name, value=0).on_conflict_do_nothing()
    else:  # pragma: no cover - other databases: plain insert when missing
        ins = None
        if session.get(Counter, name) is None:
            session.execute(insert(Counter).values(name=name, value=0))
    if ins is not None:
        session.execute(ins)
    stmt = (
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).scalar_one())


def new_dossier_code(session: Session, agency_code: str, day_local: datetime) -> str:
    """``<agency code>-<YYMMDD>-<4-digit sequence>`` (DOMAIN.md "Identifiers")."""
    stamp = day_local.strftime("%y%m%d")
    for _ in range(100):
        seq = next_counter(session, f"dossier:{agency_code}:{stamp}")
        code = f"{agency_code}-{stamp}-{seq:04d}"
        if session.scalars(select(Dossier.id).where(Dossier.code == code)).first() is None:
            return code
    raise Conflict("could not find a free dossier code", code="code_exhausted")


def allocate_item_id(session: Session, courier: Courier, warn_share: float = 0.9) -> str:
    """The next S10 identifier from the courier's serial ranges (atomic across processes)."""
    ranges = session.scalars(
        select(SerialRange)
        .where(SerialRange.courier_id == courier.id, SerialRange.active.is_(True))
        .order_by(SerialRange.id)
    ).all()
    for rng in ranges:
        stmt = (
            update(SerialRange)
            .where(SerialRange.id == rng.id, SerialRange.next_serial <= SerialRange.last_serial)
            .values(next_serial=SerialRange.next_serial + 1)
            .returning(SerialRange.next_serial)
            .execution_options(synchronize_session=False)
        )
        got = session.execute(stmt).scalar_one_or_none()
        if got is None:
            continue
        serial = int(got) - 1
        size = rng.last_serial - rng.first_serial + 1
        if serial - rng.first_serial + 1 >= warn_share * size:
            log.warning(
                "S10 range %s%08d-%08d of %s is %.0f%% used",
                rng.indicator,
                rng.first_serial,
                rng.last_serial,
                courier.code,
                100 * (serial - rng.first_serial + 1) / size,
            )
        return s10.make(rng.indicator, serial, rng.country)
    raise Conflict(
        f"the S10 serial ranges of {courier.code} are used up: add one with "
        f"`python run.py courier range-add {courier.code} ...`",
        code="serial_range_exhausted",
    )


# ── dossiers ─────────────────────────────────────────────────────────────────────────────────
def as_aware(value: datetime | None, tz: ZoneInfo, now: datetime, field: str) -> datetime:
    """A client's time: naive means the center's zone; not before 2000, not in the future."""
    if value is None:
        return now
    aware = value.replace(tzinfo=tz) if value.tzinfo is None else value
    if aware < EARLIEST:
        raise ValidationFailed("time is before 2000", field=field)
    if aware > now + FUTURE_SLACK:
        raise ValidationFailed("time is in the future", field=field)
    return aware


def register_dossier(
    session: Session,
    data: DossierIn,
    *,
    actor: str,
    now: datetime,
    default_courier: str = "vnpost",
    session_hours: str | None = None,
    estimates: Any = None,  # tracking.estimating.EstimateSettings (road factor, lane window)
) -> Dossier:
    center = get_center(session)
    tz = center_tz(center)
    procedure = None
    if data.procedure_code is not None:
        procedure = session.scalars(
            select(Procedure).where(Procedure.code == data.procedure_code)
        ).first()
        if procedure is None:
            raise Unprocessable(
                f"no procedure {data.procedure_code!r} in the catalogue",
                field="procedure_code",
                code="unknown_procedure",
            )
        if not procedure.postal_allowed:
            raise Unprocessable(
                f"procedure {procedure.code} does not allow the postal service",
                field="procedure_code",
                code="postal_not_allowed",
            )
    half_days = (
        appointment.half_days(data.processing_days)
        if data.processing_days is not None
        else procedure.processing_half_days  # type: ignore[union-attr]
    )
    courier = get_courier(session, data.courier or default_courier)
    submitted_at = as_aware(data.submitted_at, tz, now, "submitted_at")

    if data.code is not None:
        if session.scalars(select(Dossier.id).where(Dossier.code == data.code)).first():
            raise Conflict(f"dossier {data.code} already exists", field="code", code="duplicate")
        code = data.code
    else:
        code = new_dossier_code(session, center.agency_code, submitted_at.astimezone(tz))

    received_at = submitted_at if data.service == "receive_result" else None
    due = None
    if received_at is not None:
        cal = work_calendar(session, center, session_hours)
        due = appointment.due_at(received_at, half_days / 2, cal, tz)

    applicant = Applicant(
        name=data.applicant.name,
        phone=data.applicant.phone,
        address=data.applicant.address,
        id_number=data.applicant.id_number,
    )
    dossier = Dossier(
        code=code,
        center_id=center.id,
        procedure=procedure,
        processing_half_days=half_days,
        service=data.service,
        status="registered",
        applicant=applicant,
        courier=courier,
        submitted_at=submitted_at,
        received_at=received_at,
        due_at=due,
        estimate={},
        created_at=now,
        updated_at=now,
    )
    from dataclasses import replace

    from tracking.estimating import EstimateSettings, place_dossier  # estimating imports us

    # Commune, distance and estimate; an address that cannot be placed is a 422.
    settings = replace(estimates or EstimateSettings(), session_hours=session_hours)
    place_dossier(session, dossier, now, settings=settings)
    session.add(dossier)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent request took the same code
        raise Conflict(f"dossier {code} already exists", field="code", code="duplicate") from exc

    if data.service in ("send_dossier", "both"):
        ensure_shipment(session, dossier, ShipmentIn(direction="inbound"), actor=actor, now=now)
    audit(
        session,
        now,
        actor,
        "dossier.registered",
        "dossier",
        code,
        {"service": data.service, "half_days": half_days},
    )
    emit(
        session,
        now,
        "dossier.status",
        code,
        {"code": code, "status": "registered", "previous": None},
    )
    return dossier


def ensure_shipment(
    session: Session, dossier: Dossier, data: ShipmentIn, *, actor: str, now: datetime
) -> tuple[Shipment, bool]:
    """The dossier's shipment in one direction, created when missing (→ created flag)."""
    for existing in dossier.shipments:
        if existing.direction == data.direction:
            return existing, False
    courier = get_courier(session, data.courier) if data.courier else dossier.courier
    if courier is None:
        raise Unprocessable("the dossier has no courier: name one", field="courier")
    if data.item_id is not None:
        if not s10.is_valid(data.item_id):
            raise ValidationFailed("not a valid S10 identifier (check digit)", field="item_id")
        if session.scalars(select(Shipment.id).where(Shipment.item_id == data.item_id)).first():
            raise Conflict(
                f"item id {data.item_id} is already used", field="item_id", code="duplicate"
            )
        item_id = data.item_id
    else:
        item_id = allocate_item_id(session, courier)
    shipment = Shipment(
        item_id=item_id,
        dossier=dossier,
        direction=data.direction,
        courier=courier,
        status="label_created",
        created_at=now,
        updated_at=now,
    )
    session.add(shipment)
    session.flush()
    audit(
        session,
        now,
        actor,
        "shipment.created",
        "shipment",
        item_id,
        {"dossier": dossier.code, "direction": data.direction, "courier": courier.code},
    )
    from tracking.checkpoints import apply_pending  # checkpoints builds on this module

    apply_pending(session, shipment, now)  # a courier may have reported it before we knew it
    return shipment, True


# ── how a dossier looks from outside ─────────────────────────────────────────────────────────
def iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


def shipment_dict(sh: Shipment, tz: ZoneInfo, base_url: str) -> dict[str, Any]:
    return {
        "item_id": sh.item_id,
        "direction": sh.direction,
        "courier": sh.courier.code,
        "status": sh.status,
        "status_label": status.label(sh.status),
        "dossier_code": sh.dossier.code,
        "label_url": f"{base_url}/api/v1/shipments/{sh.item_id}/label.pdf",
        "tracking_url": f"{base_url}/track/{sh.item_id}",
        "created_at": iso(sh.created_at, tz),
    }


def timeline(shipments: list[Shipment], tz: ZoneInfo, lang: str = "vi") -> list[dict[str, Any]]:
    rows = [(cp, sh) for sh in shipments for cp in sh.checkpoints]
    rows.sort(key=lambda r: (r[0].occurred_at, r[0].id))
    return [
        {
            "event": cp.event,
            "label": status.label(cp.event, lang),
            "occurred_at": iso(cp.occurred_at, tz),
            "location": cp.location_name,
            "item_id": sh.item_id,
            "direction": sh.direction,
            "source": cp.source,
            "flagged": cp.flagged,
        }
        for cp, sh in rows
    ]


def dossier_dict(d: Dossier, tz: ZoneInfo, base_url: str) -> dict[str, Any]:
    proc = d.procedure
    commune = (
        {"code": d.commune_code, "name": d.commune_name, "lat": d.commune_lat, "lon": d.commune_lon}
        if d.commune_code
        else None
    )
    return {
        "code": d.code,
        "status": d.status,
        "status_label": status.label(d.status),
        "service": d.service,
        "procedure": (
            {
                "code": proc.code,
                "name": proc.name,
                "department": proc.department.name if proc.department else None,
            }
            if proc
            else None
        ),
        "processing_days": d.processing_half_days / 2,
        "applicant": {
            "name": d.applicant.name,
            "phone": d.applicant.phone,
            "address": d.applicant.address,
        },
        "commune": commune,
        "courier": d.courier.code if d.courier else None,
        "submitted_at": iso(d.submitted_at, tz),
        "received_at": iso(d.received_at, tz),
        "due_at": iso(d.due_at, tz),
        "delivered_by": iso(d.delivered_by, tz),
        "estimate": d.estimate or {},
        "shipments": [shipment_dict(s, tz, base_url) for s in d.shipments],
        "timeline": timeline(list(d.shipments), tz),
        "created_at": iso(d.created_at, tz),
    }
