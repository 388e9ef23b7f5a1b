"""What citizens see of a dossier, found by its code or by the item identifier on an envelope.

One builder serves the page ``/track/{code}`` and ``GET /api/v1/track/{code}`` so that both
show the same facts and neither can show more: the masked name (``tracking.privacy``), the
status in words, the appointment, the expected delivery and the checkpoints with their places
and times. Never the address, phone, identity number, commune, notes or who scanned.
Checkpoints held for review (``flagged``) are left out: they did not change the status either.

Places are shown as the post and the center record them (post offices, counters), except where
they would tell where the applicant lives: the place of a delivery or of a failed delivery is
never shown, nor any place written as part of the applicant's address.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from labels import s10
from tracking import services, status
from tracking.errors import NotFound
from tracking.models import Dossier, Shipment
from tracking.privacy import mask_name, same_place_words

AT_THE_DOOR = frozenset({"delivered", "delivery_failed"})  # their place is the citizen's home
MAX_CODE = 64  # longer than any dossier code or item id: not looked up at all
NOT_FOUND = "no dossier or item with this code"  # the same words whatever was asked


def find_public(session: Session, code: str) -> Dossier:
    """The dossier of a dossier code or of one of its item identifiers (any case, spaces)."""
    wanted = (code or "").strip()
    if not wanted or len(wanted) > MAX_CODE:
        raise NotFound(NOT_FOUND)
    item = s10.normalize(wanted)
    if s10.S10_RE.match(item):
        dossier_code = session.scalars(
            select(Dossier.code).join(Shipment).where(Shipment.item_id == item)
        ).first()
        if dossier_code is None:
            raise NotFound(NOT_FOUND)
        wanted = dossier_code
    for candidate in dict.fromkeys((wanted, wanted.upper())):  # codes are typed in any case
        try:
            return services.find_dossier(session, candidate)
        except NotFound:
            continue
    raise NotFound(NOT_FOUND)


def _current_direction(d: Dossier) -> str:
    for sh in d.shipments:
        if sh.direction == "outbound" and sh.checkpoints:
            return "outbound"
    return "inbound" if any(sh.direction == "inbound" for sh in d.shipments) else "outbound"


def public_place(event: str, place: str | None, address: str) -> str | None:
    if not place or event in AT_THE_DOOR or same_place_words(place, address):
        return None
    return place


def public_timeline(d: Dossier, tz: ZoneInfo, lang: str) -> list[dict[str, Any]]:
    rows = [
        (cp, sh)
        for sh in d.shipments
        for cp in sh.checkpoints
        if not cp.flagged and cp.event in status.LABELS
    ]
    rows.sort(key=lambda r: (r[0].occurred_at, r[0].id))
    out = []
    for cp, _sh in rows:
        entry: dict[str, Any] = {
            "event": cp.event,
            "label": status.label(cp.event, lang),
            "occurred_at": services.iso(cp.occurred_at, tz),
        }
        place = public_place(cp.event, cp.location_name, d.applicant.address or "")
        if place:
            entry["location"] = place
        out.append(entry)
    return out


def track_dict(d: Dossier, tz: ZoneInfo, lang: str) -> dict[str, Any]:
    """Exactly CONTRACT.md "Public tracking": code, status, status_label, applicant (masked),
    due_at and delivered_by when known, timeline."""
    estimate = d.estimate or {}
    body: dict[str, Any] = {
        "code": d.code,
        "status": d.status,
        "status_label": status.label(d.status, lang),
        "applicant": mask_name(d.applicant.name if d.applicant.erased_at is None else ""),
    }
    due = services.iso(d.due_at, tz) or estimate.get("due_at")
    if due:
        body["due_at"] = due
    delivered_by = services.iso(d.delivered_by, tz) or estimate.get("delivered_by")
    if delivered_by and d.service in ("receive_result", "both"):
        body["delivered_by"] = delivered_by
    body["timeline"] = public_timeline(d, tz, lang)
    return body


def track_page(d: Dossier, tz: ZoneInfo, lang: str) -> dict[str, Any]:
    """The contract's dict and what the page explains with it (no personal data added)."""
    body = track_dict(d, tz, lang)
    estimate = d.estimate or {}
    delivered = [e for e in body["timeline"] if e["event"] == "delivered"]
    body.update(
        {
            "service": d.service,
            "procedure": d.procedure.name if d.procedure else None,
            "direction": _current_direction(d),
            "due_is_estimate": d.due_at is None and "due_at" in body,
            "direct_due_at": estimate.get("direct_due_at"),
            "postal_adds_working_days": estimate.get("postal_adds_working_days"),
            "delivered_at": delivered[-1]["occurred_at"] if delivered else None,
            "items": [{"item_id": sh.item_id, "direction": sh.direction} for sh in d.shipments],
            "finished": d.status in ("delivered", "returned", "cancelled"),
        }
    )
    return body
