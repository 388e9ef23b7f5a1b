"""The one write path for checkpoints, whatever their source: a postal scan, a courier webhook,
a signed handover or a command.

``record_checkpoint`` validates the event against the vocabulary and the shipment's direction,
stores it with its source, actor, place and the time it happened, derives the shipment's and the
dossier's status from all of their checkpoints ordered by when they happened, and writes the
audit rows and the outbound events in the caller's transaction. An event that breaks the rules
is stored flagged for review (and left out of the status), never dropped. Checkpoints for items
not registered yet are held (``PendingCheckpoint``) and applied, in order, when the shipment
appears.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.orm.util import identity_key

from labels import s10
from tracking import appointment, status
from tracking.db import driver_execute, driver_reads, driver_rows, pipelined
from tracking.errors import NotFound, Unprocessable, ValidationFailed
from tracking.models import Checkpoint, Courier, Dossier, PendingCheckpoint, Shipment
from tracking.services import (
    EARLIEST,
    audit_row,
    center_zone,
    event_row,
    iso,
    legal_calendar,
    write_records,
)

if TYPE_CHECKING:
    from tracking.estimating import Refresh

SOURCES = ("scan", "webhook", "handover", "command")
UNRECOGNIZED = "unrecognized"  # stored event of a courier code that no map knows
SCAN_REPEAT_WINDOW = timedelta(minutes=1)  # CONTRACT.md: the same scan twice within a minute
FUTURE_SLACK = timedelta(minutes=10)
M = TypeVar("M", Shipment, Dossier, Checkpoint)


@dataclass(frozen=True)
class CheckpointIn:
    """A checkpoint as any source reports it (times aware)."""

    item_id: str
    event: str | None
    occurred_at: datetime
    source: str
    actor: str
    location_name: str | None = None
    location_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    note: str | None = None
    raw_code: str | None = None
    flags: tuple[str, ...] = ()
    receipt_id: int | None = None


class Fields(Protocol):
    """What the status rules and the outbound payload read of a checkpoint: a stored row, or
    the values about to be stored."""

    event: str
    occurred_at: datetime
    source: str
    actor: str | None
    location_name: str | None
    location_code: str | None
    lat: float | None
    lon: float | None
    flagged: bool


@dataclass
class Recorded:
    """What recording gave. ``checkpoint`` is the ORM row, made on first use (a webhook never
    needs it: its answer reads ``flagged`` and ``flag_reason``)."""

    make: Callable[[], Checkpoint]
    created: bool  # False: the same checkpoint was already stored (a duplicate)
    flagged: bool = False
    flag_reason: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def checkpoint(self) -> Checkpoint:
        return self.make()


class RuleBroken(Unprocessable):
    """The event does not fit the shipment (scans are refused; other sources are flagged)."""


@dataclass(frozen=True)
class Past:
    """A checkpoint already stored, as the rules read it (a row, not an ORM object)."""

    id: int | None
    shipment_id: int
    direction: str
    event: str
    occurred_at: datetime
    flagged: bool
    source: str
    raw_code: str | None


@dataclass(frozen=True)
class Locked:
    """A shipment locked for recording (its dossier loaded) and the dossier's checkpoints, read
    once the lock was held."""

    shipment: Shipment
    past: list[Past]


# Built once: the statements of the hot path (every scan and webhook) are not rebuilt per call.
_SHIPMENT_COLUMNS = list(Shipment.__table__.columns)
_DOSSIER_COLUMNS = [c for c in Dossier.__table__.columns if c.key != "estimate"]
_SHIPMENT_KEYS = [c.key for c in _SHIPMENT_COLUMNS]
_DOSSIER_KEYS = [c.key for c in _DOSSIER_COLUMNS]
_LOCK_ROW = (
    select(*_SHIPMENT_COLUMNS, *_DOSSIER_COLUMNS)
    .join_from(Shipment.__table__, Dossier.__table__)
    .where(Shipment.__table__.c.item_id == bindparam("item_id"))
    .with_for_update(of=Shipment.__table__)
)
_INSERT = Checkpoint.__table__.insert().returning(Checkpoint.__table__.c.id)
_HISTORY_ALL = select(
    Checkpoint.id,
    Checkpoint.shipment_id,
    Shipment.direction,
    Checkpoint.event,
    Checkpoint.occurred_at,
    Checkpoint.flagged,
    Checkpoint.source,
    Checkpoint.raw_code,
).join(Shipment, Shipment.id == Checkpoint.shipment_id)
_HISTORY = _HISTORY_ALL.where(Shipment.dossier_id == bindparam("dossier_id"))
_OF_ITEM = Shipment.__table__.alias("of_item")
_HISTORY_OF_ITEM = _HISTORY_ALL.where(
    Shipment.dossier_id
    == select(_OF_ITEM.c.dossier_id)
    .where(_OF_ITEM.c.item_id == bindparam("item_id"))
    .scalar_subquery()
)


def lock_shipment(session: Session, item_id: str) -> Locked | None:
    """The shipment with its dossier, row-locked (PostgreSQL; SQLite has one writer) so that
    the checkpoints of one shipment are recorded and derived in turn, and the dossier's
    checkpoints as they stand once the lock is held.

    Both are read on the driver's cursor in one round trip (every scan and webhook locks one):
    the lock first, then the history, which, as a statement of its own, sees every checkpoint
    committed by whoever held the lock before. The rows become the session's ORM objects
    without the ORM's loading: objects the session already holds are kept, as a query would
    keep them; the dossier's ``estimate`` is left unloaded (read on first use)."""
    session.flush()
    return locked_from(session, *driver_reads(session.connection(), lock_queries(item_id)))


def lock_queries(item_id: str) -> list[tuple[Select[Any], dict[str, Any]]]:
    """The statements of ``lock_shipment``, for a caller that sends them with others of its own
    (``tracking.db.driver_reads``) and hands their rows to ``locked_from``."""
    params = {"item_id": s10.normalize(item_id)}
    return [(_LOCK_ROW, params), (_HISTORY_OF_ITEM, params)]


def locked_from(session: Session, found: list[Any], past: list[Any]) -> Locked | None:
    """The rows of ``lock_queries`` as the session's objects and the dossier's history."""
    if not found:
        return None
    values = [v.astimezone(UTC) if isinstance(v, datetime) else v for v in found[0]]
    split = len(_SHIPMENT_KEYS)
    shipment = _attached(session, Shipment, dict(zip(_SHIPMENT_KEYS, values[:split], strict=True)))
    if "dossier" not in shipment.__dict__:
        dossier = _attached(session, Dossier, dict(zip(_DOSSIER_KEYS, values[split:], strict=True)))
        set_committed_value(shipment, "dossier", dossier)
    return Locked(shipment, _pasts(past))


def _attached(session: Session, model: type[M], values: dict[str, Any]) -> M:
    """The session's row of this id: the one it holds, or one made of ``values`` as a query
    would load it (the values set as loaded, without the constructor's attribute events;
    columns not given are left unloaded, read on first use)."""
    held = session.identity_map.get(identity_key(model, values["id"]))
    if held is not None:
        return cast(M, held)
    obj = manager_of_class(model).new_instance()
    instance_dict(obj).update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return cast(M, obj)


def history(session: Session, dossier_id: int) -> list[Past]:
    """Every checkpoint of a dossier, both directions, in one query (on the driver's cursor)."""
    session.flush()
    return _pasts(driver_rows(session.connection(), _HISTORY, {"dossier_id": dossier_id}))


def _pasts(rows: list[Any]) -> list[Past]:
    return [
        Past(cid, sid, direction, event, at.astimezone(UTC), flagged, source, raw)
        for cid, sid, direction, event, at, flagged, source, raw in rows
    ]


def problems(shipment: Shipment, cp: CheckpointIn, now: datetime) -> list[str]:
    """Why an event does not fit: empty when it does."""
    out: list[str] = []
    if cp.event is None:
        out.append(f"unknown courier code {cp.raw_code!r}")
    elif cp.event not in status.EVENTS:
        out.append(f"unknown event {cp.event!r}")
    elif not status.valid_for_direction(shipment.direction, cp.event):
        out.append(f"{cp.event} does not happen to an {shipment.direction} shipment")
    if cp.occurred_at > now + FUTURE_SLACK:
        out.append("time is in the future")
    elif cp.occurred_at < EARLIEST:
        out.append("time is before 2000")
    return out


def _happened(past: list[Past], **only: object) -> list[status.Happened]:
    return [
        status.Happened(p.event, p.occurred_at, status.rank(p.event))
        for p in past
        if not p.flagged and all(getattr(p, k) == v for k, v in only.items())
    ]


def record_checkpoint(
    session: Session,
    cp: CheckpointIn,
    *,
    now: datetime,
    strict: bool = False,
    shipment: Shipment | None = None,
    past: list[Past] | None = None,
) -> Recorded:
    """Store a checkpoint and derive statuses. ``strict`` (scans): a rule broken is an error
    instead of a flagged row. Raises NotFound for an unknown item (callers that hold orphans
    check first).

    ``shipment`` and ``past``: what ``lock_shipment`` gave the caller, just before (the
    shipment alone, for a shipment this transaction has just registered)."""
    if cp.source not in SOURCES:
        raise ValueError(f"unknown source {cp.source!r}")
    if cp.occurred_at.tzinfo is None:
        raise ValidationFailed("occurred_at must carry its time zone", field="occurred_at")
    if shipment is None:
        locked = lock_shipment(session, cp.item_id)
        if locked is None:
            raise NotFound(f"no shipment with item id {cp.item_id!r}", field="item_id")
        shipment, past = locked.shipment, locked.past

    issues = problems(shipment, cp, now)
    if issues and strict:
        field_name = "occurred_at" if issues[0].startswith("time ") else "event"
        raise RuleBroken(issues[0], field=field_name, code="rule_broken")
    event = cp.event if cp.event in status.EVENTS else UNRECOGNIZED

    if past is None:
        past = history(session, shipment.dossier_id)
    mine = [p for p in past if p.shipment_id == shipment.id]
    existing = _duplicate(mine, event, cp)
    if existing is not None:
        found = existing.id
        return Recorded(
            lambda: session.get_one(Checkpoint, found), created=False, flagged=existing.flagged
        )

    if not issues and event not in status.TERMINAL_EVENTS:
        ended = [p.occurred_at for p in mine if p.event in status.TERMINAL_EVENTS and not p.flagged]
        if ended and cp.occurred_at > min(ended):
            issues.append(f"{event} after the shipment ended ({shipment.status})")
    values = {
        "shipment_id": shipment.id,
        "event": event,
        "occurred_at": cp.occurred_at,
        "recorded_at": now,
        "source": cp.source,
        "actor": cp.actor,
        "location_name": cp.location_name,
        "location_code": cp.location_code,
        "lat": cp.lat,
        "lon": cp.lon,
        "note": cp.note,
        "raw_code": cp.raw_code,
        "flagged": bool(issues),
        "flag_reason": "; ".join([*issues, *cp.flags])[:255] or None,
        "receipt_id": cp.receipt_id,
    }
    row = SimpleNamespace(**values)
    past.append(
        Past(
            None,
            shipment.id,
            shipment.direction,
            event,
            cp.occurred_at,
            bool(issues),
            cp.source,
            cp.raw_code,
        )
    )
    audits: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    updates: dict[type[Shipment | Dossier], dict[str, Any]] = {}
    changes = _derive(session, shipment, row, past, now, audits, events, updates)
    events.append(
        event_row(
            now, "shipment.checkpoint", shipment.dossier.code, checkpoint_payload(shipment, row)
        )
    )
    learned = _learned(session, shipment, row, now, past)
    if learned is not None and learned.dossier:
        updates.setdefault(Dossier, {"row_id": shipment.dossier_id}).update(learned.dossier)
    # No race to guard: the shipment row is locked, so no other transaction adds a checkpoint
    # to it before this one commits (the unique constraint stays as the last line of defence).
    # Every write of the checkpoint travels in one round trip (PostgreSQL), the dossier's
    # changes in one UPDATE (status, receipt, estimate); the ORM row is made only if a caller
    # asks for it (``Recorded.checkpoint``), without another.
    with pipelined(session) as conn:
        new_id = _insert_checkpoint(conn, values)
        for model, update in updates.items():
            driver_execute(conn, UPDATE_BY_ID[model], [update])
        if learned is not None:
            learned.write_lane(conn)
        write_records(conn, audits, events)
    values["id"] = new_id()
    return Recorded(
        lambda: _attached(session, Checkpoint, values),
        created=True,
        flagged=values["flagged"],
        flag_reason=values["flag_reason"],
        changes=changes,
    )


def _duplicate(mine: list[Past], event: str, cp: CheckpointIn) -> Past | None:
    for c in mine:
        if c.event != event:
            continue
        if c.occurred_at == cp.occurred_at and (event != UNRECOGNIZED or c.raw_code == cp.raw_code):
            return c
        if (
            cp.source == "scan"
            and c.source == "scan"
            and abs(c.occurred_at - cp.occurred_at) < SCAN_REPEAT_WINDOW
        ):
            return c
    return None


def _derive(
    session: Session,
    shipment: Shipment,
    row: Fields,
    past: list[Past],
    now: datetime,
    audits: list[dict[str, Any]],
    events: list[dict[str, Any]],
    updates: dict[type[Shipment | Dossier], dict[str, Any]],
) -> dict[str, Any]:
    """New statuses of the shipment and its dossier; audit rows, events and column updates for
    the changes are added to ``audits``, ``events`` and ``updates`` (one per row, written by the
    caller; the loaded objects are kept in step)."""
    changes: dict[str, Any] = {}
    new_status = status.derive_status(_happened(past, shipment_id=shipment.id))
    actor = row.actor or row.source
    if new_status != shipment.status:
        audits.append(
            audit_row(
                now,
                actor,
                "shipment.status",
                "shipment",
                shipment.item_id,
                {
                    "from": shipment.status,
                    "to": new_status,
                    "event": row.event,
                    "source": row.source,
                },
            )
        )
        changes["shipment"] = (shipment.status, new_status)
        _change(updates, shipment, status=new_status, updated_at=now)

    dossier = shipment.dossier
    new_dossier_status = status.dossier_status(
        _happened(past, direction="inbound"), _happened(past, direction="outbound")
    )
    if row.event == "received_by_center" and not row.flagged:
        _fix_receipt(session, dossier, past, now, audits, updates)
    if new_dossier_status != dossier.status:
        audits.append(
            audit_row(
                now,
                actor,
                "dossier.status",
                "dossier",
                dossier.code,
                {"from": dossier.status, "to": new_dossier_status, "event": row.event},
            )
        )
        events.append(
            event_row(
                now,
                "dossier.status",
                dossier.code,
                {
                    "code": dossier.code,
                    "status": new_dossier_status,
                    "previous": dossier.status,
                    "due_at": iso(dossier.due_at, center_zone(session)),
                },
            )
        )
        changes["dossier"] = (dossier.status, new_dossier_status)
        _change(updates, dossier, status=new_dossier_status, updated_at=now)
    return changes


# One UPDATE of a shipment or dossier by its id ("row_id"); the columns are the values given.
UPDATE_BY_ID = {
    model: model.__table__.update().where(model.__table__.c.id == bindparam("row_id"))
    for model in (Shipment, Dossier)
}


def set_in_step(obj: Shipment | Dossier, values: dict[str, Any], **changed: Any) -> None:
    """New column values of a loaded row, for an UPDATE sent without the unit of work (the hot
    path of every checkpoint): the object takes them as committed values, ``values`` collects
    them."""
    for key, value in changed.items():
        set_committed_value(obj, key, value)
    values.update(changed)


def _change(
    updates: dict[type[Shipment | Dossier], dict[str, Any]],
    obj: Shipment | Dossier,
    **values: Any,
) -> None:
    """``set_in_step`` into the one UPDATE of this row that the caller sends."""
    set_in_step(obj, updates.setdefault(type(obj), {"row_id": obj.id}), **values)


def _insert_checkpoint(conn: Connection, values: dict[str, Any]) -> Callable[[], int]:
    """INSERT the checkpoint; a callable gives its id once the statement has been answered.

    In a PostgreSQL pipeline the id is read from the driver's cursor after the block (a
    RETURNING through SQLAlchemy there gives no rows); elsewhere it is read at once.
    """
    if conn.dialect.name != "postgresql":
        new_id = conn.execute(_INSERT, values).scalar_one()
        return lambda: new_id
    # The values are plain: every time is aware (UTCDateTime's rule, checked above).
    cursor = driver_execute(conn, _INSERT, [values])
    return lambda: cursor.fetchone()[0]


def _fix_receipt(
    session: Session,
    dossier: Dossier,
    past: list[Past],
    now: datetime,
    audits: list[dict[str, Any]],
    updates: dict[type[Shipment | Dossier], dict[str, Any]],
) -> None:
    """The legal clock starts when the center receives the dossier (Decision 45/2016, Art. 6):
    the earliest receipt fixes ``received_at`` and the appointment ``due_at``."""
    first = min(
        p.occurred_at
        for p in past
        if p.direction == "inbound" and p.event == "received_by_center" and not p.flagged
    )
    if dossier.received_at == first:
        return
    cal, tz = legal_calendar(session)
    due = appointment.due_at(first, dossier.processing_half_days / 2, cal, tz)
    _change(updates, dossier, received_at=first, due_at=due, updated_at=now)
    audits.append(
        audit_row(
            now,
            "system",
            "dossier.received",
            "dossier",
            dossier.code,
            {"received_at": first.isoformat(), "due_at": dossier.due_at.isoformat()},
        )
    )


def _learned(
    session: Session, shipment: Shipment, row: Fields, now: datetime, past: list[Past]
) -> Refresh | None:
    """What the estimates learn from the checkpoint (lane times, facts replacing expectations),
    for the caller to write with the checkpoint."""
    if row.flagged:
        return None
    from tracking import estimating  # it reads this module's history: imported when needed

    return estimating.refresh(session, shipment, row, now, past=past)


def checkpoint_payload(shipment: Shipment, c: Fields) -> dict[str, Any]:
    return {
        "item_id": shipment.item_id,
        "dossier_code": shipment.dossier.code,
        "direction": shipment.direction,
        "event": c.event,
        "occurred_at": c.occurred_at.isoformat(),
        "location": (
            {"name": c.location_name, "code": c.location_code, "lat": c.lat, "lon": c.lon}
            if (c.location_name or c.location_code or c.lat is not None)
            else None
        ),
        "source": c.source,
        "status": shipment.status,
        "flagged": c.flagged,
    }


def checkpoint_dict(c: Checkpoint, tz: Any) -> dict[str, Any]:
    sh = c.shipment
    return {
        "id": c.id,
        "item_id": sh.item_id,
        "dossier_code": sh.dossier.code,
        "direction": sh.direction,
        "event": c.event,
        "label": status.label(c.event),
        "occurred_at": iso(c.occurred_at, tz),
        "recorded_at": iso(c.recorded_at, tz),
        "source": c.source,
        "actor": c.actor,
        "location": c.location_name,
        "lat": c.lat,
        "lon": c.lon,
        "note": c.note,
        "flagged": c.flagged,
        "flag_reason": c.flag_reason,
        "shipment_status": sh.status,
        "dossier_status": sh.dossier.status,
    }


# ── the review list ──────────────────────────────────────────────────────────────────────────
# Written as the partial index's own predicate, so that both databases use ix_checkpoint_review
# (SQLite would compare ``flagged = 1`` with ``flagged`` and walk the table).
_FLAGGED = text("checkpoint.flagged")


def flagged_checkpoints(
    session: Session, *, limit: int = 100, before: int | None = None
) -> list[Checkpoint]:
    """Checkpoints held for review (rules broken, unknown courier codes), newest first; page on
    with ``before`` = the last id seen."""
    query = (
        select(Checkpoint)
        .where(_FLAGGED)
        .options(joinedload(Checkpoint.shipment).joinedload(Shipment.dossier))
        .order_by(Checkpoint.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(Checkpoint.id < before)
    return list(session.scalars(query))


# ── checkpoints for items not registered yet ────────────────────────────────────────────────
def hold(session: Session, courier_id: int, cp: CheckpointIn, now: datetime) -> PendingCheckpoint:
    row = PendingCheckpoint(
        item_id=s10.normalize(cp.item_id),
        courier_id=courier_id,
        receipt_id=cp.receipt_id,
        event=cp.event,
        raw_code=cp.raw_code,
        occurred_at=cp.occurred_at,
        location={
            "name": cp.location_name,
            "code": cp.location_code,
            "lat": cp.lat,
            "lon": cp.lon,
        },
        note=cp.note,
        flags=list(cp.flags),
        created_at=now,
    )
    session.add(row)
    return row


def apply_pending(session: Session, shipment: Shipment, now: datetime) -> int:
    """Apply the held checkpoints of a shipment that has just been registered, in order."""
    from courier.adapters import InboundCheckpoint, for_direction

    rows = session.scalars(
        select(PendingCheckpoint)
        .where(
            PendingCheckpoint.item_id == shipment.item_id, PendingCheckpoint.applied_at.is_(None)
        )
        .order_by(PendingCheckpoint.occurred_at, PendingCheckpoint.id)
    ).all()
    for p in rows:
        loc = p.location or {}
        event = p.event
        if event is not None:
            remapped = for_direction(
                InboundCheckpoint(
                    item_id=p.item_id,
                    event=event,
                    occurred_at=p.occurred_at,
                    raw_code=p.raw_code or "",
                    flags=tuple(p.flags or ()),
                ),
                shipment.direction,
            )
            event = remapped.event
        courier = session.get(Courier, p.courier_id)
        record_checkpoint(
            session,
            CheckpointIn(
                item_id=p.item_id,
                event=event,
                occurred_at=p.occurred_at,
                source="webhook",
                actor=f"courier:{courier.code if courier else p.courier_id}",
                location_name=loc.get("name"),
                location_code=loc.get("code"),
                lat=loc.get("lat"),
                lon=loc.get("lon"),
                note=p.note,
                raw_code=p.raw_code,
                flags=tuple(p.flags or ()),
                receipt_id=p.receipt_id,
            ),
            now=now,
            shipment=shipment,
        )
        p.applied_at = now
    return len(rows)
