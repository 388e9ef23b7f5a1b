"""Handover records (biên bản giao nhận): a batch of items changing hands between the post and
the center, confirmed against what was actually scanned (Decision 45/2016, Art. 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from labels import s10
from tracking.checkpoints import CheckpointIn, record_checkpoint
from tracking.errors import Conflict, NotFound, Unprocessable
from tracking.models import Handover, HandoverItem, Shipment
from tracking.services import audit, get_center, get_courier, iso

# Which shipments a handover carries, and the checkpoint its confirmation records
# (CONTRACT.md "Handovers").
KINDS: dict[str, tuple[str, str]] = {
    "to_center": ("inbound", "received_by_center"),
    "to_courier": ("outbound", "handed_to_courier"),
}


@dataclass(frozen=True)
class Confirmation:
    handover: Handover
    matched: list[str]
    missing: list[str]
    unexpected: list[str]


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(s10.normalize(i) for i in ids))


def create(
    session: Session,
    kind: str,
    courier_code: str,
    item_ids: list[str],
    *,
    actor: str,
    now: datetime,
) -> Handover:
    direction, _event = KINDS[kind]
    courier = get_courier(session, courier_code)
    wanted = _unique(item_ids)
    found = {
        s.item_id: s for s in session.scalars(select(Shipment).where(Shipment.item_id.in_(wanted)))
    }
    for i, item in enumerate(wanted):
        sh = found.get(item)
        if sh is None:
            raise Unprocessable(f"unknown item {item}", field=f"item_ids.{i}", code="unknown_item")
        if sh.direction != direction:
            raise Unprocessable(
                f"{item} is an {sh.direction} shipment; a {kind} handover carries {direction} ones",
                field=f"item_ids.{i}",
                code="wrong_direction",
            )
        if sh.courier_id != courier.id:
            raise Unprocessable(
                f"{item} travels with {sh.courier.code}, not {courier.code}",
                field=f"item_ids.{i}",
                code="wrong_courier",
            )
    handover = Handover(
        kind=kind,
        courier=courier,
        center_id=get_center(session).id,
        created_by=actor,
        created_at=now,
    )
    session.add(handover)
    for item in wanted:
        handover.items.append(HandoverItem(item_id=item, shipment_id=found[item].id))
    session.flush()
    audit(
        session,
        now,
        actor,
        "handover.created",
        "handover",
        handover.id,
        {"kind": kind, "courier": courier.code, "items": len(wanted)},
    )
    return handover


def find(session: Session, handover_id: int) -> Handover:
    handover = session.scalars(
        select(Handover).where(Handover.id == handover_id).options(selectinload(Handover.items))
    ).first()
    if handover is None:
        raise NotFound(f"no handover {handover_id}")
    return handover


def confirm(
    session: Session,
    handover_id: int,
    scanned: list[str],
    received_by: str,
    *,
    actor: str,
    now: datetime,
) -> Confirmation:
    handover = find(session, handover_id)
    if handover.confirmed_at is not None:
        raise Conflict(f"handover {handover_id} was confirmed already", code="confirmed")
    _direction, event = KINDS[handover.kind]
    seen = _unique(scanned)
    expected = {it.item_id: it for it in handover.items}
    matched = [i for i in expected if i in seen]
    missing = [i for i in expected if i not in seen]
    unexpected = [i for i in seen if i not in expected]
    who = f"{actor} / {received_by}"
    for item in matched:
        expected[item].state = "matched"
        record_checkpoint(
            session,
            CheckpointIn(
                item_id=item,
                event=event,
                occurred_at=now,
                source="handover",
                actor=who,
                note=f"Biên bản giao nhận số {handover.id}",
            ),
            now=now,
        )
    for item in missing:
        expected[item].state = "missing"
    for item in unexpected:
        handover.items.append(HandoverItem(item_id=item, state="unexpected"))
    handover.confirmed_at = now
    handover.received_by = received_by
    session.flush()
    audit(
        session,
        now,
        actor,
        "handover.confirmed",
        "handover",
        handover.id,
        {
            "matched": len(matched),
            "missing": missing,
            "unexpected": unexpected,
            "received_by": received_by,
        },
    )
    return Confirmation(handover, matched, missing, unexpected)


def handover_dict(session: Session, h: Handover, tz: ZoneInfo, base_url: str) -> dict[str, Any]:
    ids = [it.shipment_id for it in h.items if it.shipment_id]
    shipments = (
        {
            s.id: s
            for s in session.scalars(
                select(Shipment).where(Shipment.id.in_(ids)).options(selectinload(Shipment.dossier))
            )
        }
        if ids
        else {}
    )
    items = []
    for it in h.items:
        sh = shipments.get(it.shipment_id or -1)
        items.append(
            {
                "item_id": it.item_id,
                "state": it.state,
                "dossier_code": sh.dossier.code if sh else None,
                "commune": sh.dossier.commune_name if sh else None,
                "status": sh.status if sh else None,
            }
        )
    return {
        "id": h.id,
        "kind": h.kind,
        "courier": h.courier.code,
        "created_by": h.created_by,
        "created_at": iso(h.created_at, tz),
        "confirmed_at": iso(h.confirmed_at, tz),
        "received_by": h.received_by,
        "items": items,
        "manifest_url": f"{base_url}/api/v1/handovers/{h.id}/manifest.pdf",
    }
