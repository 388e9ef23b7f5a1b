"""Scans and handovers: the staff's ways into the one checkpoint write path."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask import Blueprint, current_app, jsonify
from pydantic import Field, StringConstraints, field_validator

from labels import s10
from tracking import handovers, services, status
from tracking.checkpoints import (
    CheckpointIn,
    checkpoint_dict,
    flagged_checkpoints,
    record_checkpoint,
)
from tracking.errors import Forbidden
from tracking.openapi import op
from tracking.schemas import CourierCode, Strict
from tracking.web import db, int_arg, now, parse, principal, roles

bp = Blueprint("checkpoints_api", __name__, url_prefix="/api/v1")

ScanEvent = Literal[tuple(e for e in status.EVENTS if e != "label_created")]  # type: ignore[valid-type]
ItemId = Annotated[str, StringConstraints(min_length=13, max_length=40)]


def _item_id(v: str) -> str:
    item = s10.normalize(v)
    if not s10.S10_RE.match(item):
        raise ValueError("an item id looks like EC123456785VN")
    return item


class ScanIn(Strict):
    item_id: ItemId
    event: ScanEvent
    occurred_at: datetime | None = None
    location: Annotated[str, StringConstraints(max_length=255)] | None = None
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None

    _norm = field_validator("item_id")(_item_id)


class HandoverIn(Strict):
    kind: Literal["to_center", "to_courier"]
    courier: CourierCode
    item_ids: Annotated[list[ItemId], Field(min_length=1, max_length=2000)]

    @field_validator("item_ids")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        return [_item_id(i) for i in v]


class ConfirmIn(Strict):
    scanned: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=2000)
    ]
    received_by: Annotated[str, StringConstraints(min_length=1, max_length=200)]


OPENAPI_SCHEMAS = {
    "ScanIn": ScanIn,
    "HandoverIn": HandoverIn,
    "ConfirmIn": ConfirmIn,
    "Checkpoint": {"type": "object"},
    "FlaggedList": {
        "type": "object",
        "properties": {
            "checkpoints": {"type": "array", "items": {"$ref": "#/components/schemas/Checkpoint"}},
            "next_before": {"type": ["integer", "null"]},
        },
    },
    "Handover": {"type": "object"},
    "Confirmation": {
        "type": "object",
        "properties": {
            k: {"type": "array", "items": {"type": "string"}}
            for k in ("matched", "missing", "unexpected")
        },
    },
}
OPENAPI = {
    "/api/v1/scans": {
        "post": op(
            "Record a scan (201; the same scan within a minute: 200 with the first)",
            201,
            "Checkpoint",
            body="ScanIn",
            errors=(400, 401, 403, 404, 415, 422),
            roles="postal (post events), center (received_by_center, result_ready, "
            "handed_to_courier, cancelled)",
        )
    },
    "/api/v1/checkpoints/flagged": {
        "get": op(
            "Checkpoints held for review, newest first (extension); ?limit=1..1000&before=<id>",
            200,
            "FlaggedList",
            errors=(400, 401, 403),
            roles="center, postal",
        )
    },
    "/api/v1/handovers": {
        "post": op(
            "Create a handover batch",
            201,
            "Handover",
            body="HandoverIn",
            errors=(400, 401, 403, 415, 422),
            roles="center, postal",
        ),
    },
    "/api/v1/handovers/{handover_id}": {
        "get": op("A handover with its items", 200, "Handover", roles="center, postal"),
    },
    "/api/v1/handovers/{handover_id}/confirm": {
        "post": op(
            "Confirm with the scanned list",
            200,
            "Confirmation",
            body="ConfirmIn",
            errors=(400, 401, 403, 404, 409, 415),
            roles="center, postal",
        ),
    },
}


def _tz() -> Any:
    return services.center_tz(services.get_center(db()))


@bp.post("/scans")
@roles("center", "postal")
def scan() -> Any:
    data = parse(ScanIn)
    who = principal()
    if not status.allowed_for_role(who.role, data.event):
        raise Forbidden(f"the {who.role} role does not record {data.event}", field="event")
    session = db()
    at = now()
    tz = _tz()
    occurred = services.as_aware(data.occurred_at, tz, at, "occurred_at")
    rec = record_checkpoint(
        session,
        CheckpointIn(
            item_id=data.item_id,
            event=data.event,
            occurred_at=occurred,
            source="scan",
            actor=who.name,
            location_name=data.location,
            lat=data.lat,
            lon=data.lon,
            note=data.note,
        ),
        now=at,
        strict=True,
    )
    session.commit()
    body = checkpoint_dict(rec.checkpoint, tz)
    dossier = rec.checkpoint.shipment.dossier
    body["duplicate"] = not rec.created
    body["dossier"] = {
        "code": dossier.code,
        "status": dossier.status,
        "commune": dossier.commune_name,
        "procedure": dossier.procedure.name if dossier.procedure else None,
    }
    return jsonify(body), 201 if rec.created else 200


@bp.get("/checkpoints/flagged")
@roles("center", "postal")
def flagged() -> Any:
    """The review list: what broke the rules or came with a code no map knows."""
    limit = int_arg("limit", 100, 1, 1000) or 100
    before = int_arg("before", None, 1, 2**62)
    rows = flagged_checkpoints(db(), limit=limit, before=before)
    tz = _tz()
    return jsonify(
        {
            "checkpoints": [checkpoint_dict(c, tz) for c in rows],
            "next_before": rows[-1].id if len(rows) == limit else None,
        }
    )


@bp.post("/handovers")
@roles("center", "postal")
def create_handover() -> Any:
    data = parse(HandoverIn)
    session = db()
    h = handovers.create(
        session, data.kind, data.courier, data.item_ids, actor=principal().name, now=now()
    )
    session.commit()
    return jsonify(handovers.handover_dict(session, h, _tz(), _base())), 201


@bp.get("/handovers/<int:handover_id>")
@roles("center", "postal")
def get_handover(handover_id: int) -> Any:
    session = db()
    h = handovers.find(session, handover_id)
    return jsonify(handovers.handover_dict(session, h, _tz(), _base()))


@bp.post("/handovers/<int:handover_id>/confirm")
@roles("center", "postal")
def confirm_handover(handover_id: int) -> Any:
    data = parse(ConfirmIn)
    session = db()
    c = handovers.confirm(
        session, handover_id, data.scanned, data.received_by, actor=principal().name, now=now()
    )
    session.commit()
    body = {
        "id": c.handover.id,
        "matched": c.matched,
        "missing": c.missing,
        "unexpected": c.unexpected,
    }
    return jsonify(body)


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])
