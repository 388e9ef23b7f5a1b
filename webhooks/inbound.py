"""Courier webhooks in: idempotency by ``webhook-id``, the raw body stored, the courier's
adapter, and the hand-off to the one checkpoint write path.

Errors (mapped once by the web layer)::

    WebhookError (400)
    ├── MalformedWebhook (400)   the body cannot be read (stored, status "malformed")
    └── AllFlagged (422)          nothing in the body fits (stored, checkpoints flagged)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from courier.adapters import (
    AdapterError,
    InboundCheckpoint,
    MalformedPayload,
    for_direction,
    get_adapter,
)
from tracking.checkpoints import (
    CheckpointIn,
    Locked,
    hold,
    lock_queries,
    lock_shipment,
    locked_from,
    record_checkpoint,
)
from tracking.db import driver_reads
from tracking.errors import TrackingError, Unprocessable
from tracking.models import Checkpoint, Courier, WebhookReceipt

KEPT_HEADERS = ("webhook-id", "webhook-timestamp", "content-type", "user-agent", "content-length")


class WebhookError(TrackingError):
    status = 400
    code = "malformed"


class MalformedWebhook(WebhookError):
    """The body cannot be read by the courier's adapter."""


class AllFlagged(Unprocessable):
    """Every checkpoint of the body broke a rule (unknown event, wrong direction)."""


@dataclass
class Outcome:
    status: str  # accepted | duplicate
    receipt_id: int | None = None
    applied: int = 0
    duplicates: int = 0
    held: int = 0
    flagged: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if self.status == "accepted":
            out |= {"applied": self.applied, "held": self.held, "duplicates": self.duplicates}
            if self.flagged:
                out["flagged"] = self.flagged
        return out


def receipt_row(
    courier: Courier,
    msg_id: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime,
    status: str = "applied",
    error: str | None = None,
) -> dict[str, Any]:
    """A ``webhook_receipt`` row of a request: its raw body and the headers worth keeping."""
    kept = {k: v for k, v in ((k.lower(), v) for k, v in headers.items()) if k in KEPT_HEADERS}
    return {
        "courier_id": courier.id,
        "webhook_id": msg_id,
        "received_at": now,
        "headers": kept,
        "body": body,
        "status": status,
        "error": error,
    }


def store_receipt(session: Session, row: dict[str, Any]) -> int | None:
    """Store the raw request (a ``receipt_row``); its id, or None when this ``webhook-id`` was
    received before.

    One ``INSERT … ON CONFLICT DO NOTHING``: the unique key (courier, webhook-id) is the
    idempotency gate, also between concurrent deliveries of the same webhook (the second waits
    for the first to commit, then finds the conflict).
    """
    return session.execute(_store(session), row).scalar_one_or_none()


def _store(session: Session) -> Insert:
    return _STORE[session.get_bind().dialect.name == "postgresql"]


_RECEIPTS = WebhookReceipt.__table__
_STORE = {  # built once: True for PostgreSQL, False for SQLite
    pg: (pg_insert if pg else sqlite_insert)(_RECEIPTS)
    .on_conflict_do_nothing(index_elements=["courier_id", "webhook_id"])
    .returning(_RECEIPTS.c.id)
    for pg in (True, False)
}


def accept(
    session: Session, courier: Courier, row: dict[str, Any], parsed: list[InboundCheckpoint]
) -> Outcome:
    """Store a parsed body (a ``receipt_row``) and record its checkpoints:
    ``Outcome("duplicate")`` when this ``webhook-id`` was received before (the caller rolls
    back), else what ``process`` did.

    The receipt's INSERT travels with the lock of the first checkpoint's shipment and its
    dossier's history, in one round trip (``tracking.db.driver_reads``): the lock is taken
    after the idempotency gate, as when they are sent one by one."""
    session.flush()
    first = min(parsed, key=lambda c: c.occurred_at)
    stored, *lock_rows = driver_reads(
        session.connection(), [(_store(session), row), *lock_queries(first.item_id)]
    )
    if not stored:
        return Outcome("duplicate")
    locks = {first.item_id: locked_from(session, *lock_rows)}
    return process(session, courier, stored[0][0], parsed, row["received_at"], locks=locks)


def parse(courier: Courier, body: bytes) -> list[InboundCheckpoint]:
    """The courier's adapter on the body (pure); MalformedWebhook names what is wrong."""
    try:
        parsed = get_adapter(courier.adapter)(body)
    except MalformedPayload as exc:
        raise MalformedWebhook(exc.message, field=exc.field) from exc
    except AdapterError as exc:
        raise MalformedWebhook(str(exc)) from exc
    if not parsed:
        raise MalformedWebhook("the body holds no checkpoint", field="data")
    return parsed


def _to_in(cp: InboundCheckpoint, courier: Courier, receipt_id: int) -> CheckpointIn:
    loc = cp.location or {}
    lat, lon = loc.get("lat"), loc.get("lon")
    return CheckpointIn(
        item_id=cp.item_id,
        event=cp.event,
        occurred_at=cp.occurred_at,
        source="webhook",
        actor=f"courier:{courier.code}",
        location_name=_kept(loc.get("name"), "location_name"),
        location_code=_kept(loc.get("code"), "location_code"),
        lat=float(lat) if isinstance(lat, int | float) else None,
        lon=float(lon) if isinstance(lon, int | float) else None,
        note=_kept(cp.note, "note"),
        raw_code=_kept(cp.raw_code, "raw_code"),
        flags=cp.flags,
        receipt_id=receipt_id,
    )


def _kept(text: str | None, column: str) -> str | None:
    """A courier's free text as its checkpoint column can keep it: cut to the column's length,
    without NUL characters (which PostgreSQL's text refuses). The raw body keeps it whole."""
    if not text:
        return None
    return text.replace("\x00", "")[: _CHECKPOINT.c[column].type.length] or None


_CHECKPOINT = Checkpoint.__table__


def process(
    session: Session,
    courier: Courier,
    receipt_id: int,
    parsed: list[InboundCheckpoint],
    now: datetime,
    *,
    locks: dict[str, Locked | None] | None = None,
) -> Outcome:
    """Record each checkpoint of a stored body, oldest first; hold those of unknown items.
    ``locks``: what ``lock_shipment`` gave the caller just before, by item id as parsed (None:
    no such shipment), used once each; the other items are locked here."""
    out = Outcome("accepted", receipt_id=receipt_id)
    locks = dict(locks or {})
    for cp in sorted(parsed, key=lambda c: c.occurred_at):
        lock = locks.pop(cp.item_id) if cp.item_id in locks else lock_shipment(session, cp.item_id)
        if lock is None:
            hold(session, courier.id, _to_in(cp, courier, receipt_id), now)
            out.held += 1
            continue
        cp = for_direction(cp, lock.shipment.direction)
        rec = record_checkpoint(
            session,
            _to_in(cp, courier, receipt_id),
            now=now,
            shipment=lock.shipment,
            past=lock.past,
        )
        if not rec.created:
            out.duplicates += 1
        elif rec.flagged:
            out.flagged.append(f"{cp.item_id}: {rec.flag_reason}")
        else:
            out.applied += 1
    if out.flagged:
        session.execute(
            update(WebhookReceipt).where(WebhookReceipt.id == receipt_id).values(status="flagged")
        )
    return out


def refuse_if_all_flagged(out: Outcome) -> None:
    """After the commit: a body of which nothing fits is answered 422 (it is kept all the same,
    with its checkpoints flagged for review)."""
    if out.flagged and not (out.applied or out.held or out.duplicates):
        raise AllFlagged(
            "nothing in the body fits: " + "; ".join(out.flagged)[:500],
            field="data.event",
            code="rule_broken",
        )
