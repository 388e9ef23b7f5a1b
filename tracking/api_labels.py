"""The printed documents of CONTRACT.md "Labels and documents", over HTTP.

A thin layer on purpose: the makers in ``labels`` are pure (STYLE.md), so this module only reads
the database, converts every time to the center's zone (the makers print times as given) and
hands frozen values over. Errors of the makers (``LabelError``) become the JSON error shape here,
once: a bad size or data that cannot be printed is a 400 naming its field.

Documents carry names, phone numbers and addresses, so they are answered ``no-store``.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Annotated, Any, cast
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, request
from pydantic import AfterValidator, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from labels import s10
from labels.errors import FontUnavailable, LabelError, SymbolTooLarge, UnknownSize
from labels.manifest import render_manifest
from labels.model import (
    Direction,
    HandoverKind,
    LabelData,
    ManifestData,
    ManifestItem,
    Party,
    ReceiptData,
    Service,
    parties_for,
)
from labels.receipt import render_receipt
from labels.render import SIZES, render_labels, size_for
from labels.zpl import ZPL_SIZES, render_zpl
from tracking import handovers, services
from tracking.errors import NotFound, ValidationFailed
from tracking.models import Center, Dossier, Handover, Shipment, User
from tracking.openapi import op
from tracking.schemas import Strict
from tracking.web import db, error_response, parse, roles

log = logging.getLogger(__name__)
bp = Blueprint("labels_api", __name__, url_prefix="/api/v1")

DEFAULT_SIZE = "100x150"
MAX_BATCH = 1000  # a busy day's labels in one print job (issue 3)
# Printed when a dossier was registered with processing days instead of a catalogue procedure.
GENERIC_PROCEDURE = "Thủ tục hành chính"
# Which side of a handover gives the items, as the role of its staff accounts (DOMAIN.md).
GIVING_ROLE: dict[str, str] = {"to_center": "postal", "to_courier": "center"}


# ── the request body of a batch ──────────────────────────────────────────────────────────────
def _item_id(value: str) -> str:
    item = s10.normalize(value)
    if not s10.S10_RE.match(item):
        raise ValueError("an item id looks like EC123456785VN")
    return item


ItemId = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_item_id)]


class LabelsIn(Strict):
    """Labels to print in one PDF, in the order given (an id listed twice prints twice)."""

    item_ids: Annotated[list[ItemId], Field(min_length=1, max_length=MAX_BATCH)]
    size: Annotated[
        str,
        StringConstraints(max_length=16),
        Field(description=f"one of {', '.join(SIZES)} (case-insensitive)"),
    ] = DEFAULT_SIZE


# ── OpenAPI ──────────────────────────────────────────────────────────────────────────────────
BINARY = {"type": "string", "format": "binary"}
DISPOSITION = {
    "Content-Disposition": {
        "description": 'inline; filename="…" (e.g. label-EC100000005VN-100x150.pdf)',
        "schema": {"type": "string"},
    }
}


def _size_param(sizes: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": "size",
        "in": "query",
        "required": False,
        "description": "label size, case-insensitive",
        "schema": {"enum": list(sizes), "default": DEFAULT_SIZE},
    }


def _document_op(
    summary: str,
    media: str,
    *,
    errors: tuple[int, ...] = (401, 403, 404),
    body: str | None = None,
    sizes: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    spec = op(summary, 200, None, body=body, errors=errors, roles="center, postal")
    spec["responses"]["200"] = {
        "description": "The document",
        "content": {media: {"schema": BINARY}},
        "headers": DISPOSITION,
    }
    if sizes:
        spec["description"] += f" Sizes: {', '.join(sizes)} (default {DEFAULT_SIZE})."
        spec["parameters"] = [_size_param(sizes)]
    return spec


OPENAPI_SCHEMAS = {"LabelsIn": LabelsIn}
OPENAPI = {
    "/api/v1/shipments/{item_id}/label.pdf": {
        "get": _document_op(
            "The shipment's label as a PDF (Code 128 of the item id, QR of its tracking URL)",
            "application/pdf",
            errors=(400, 401, 403, 404),
            sizes=tuple(SIZES),
        )
    },
    "/api/v1/shipments/{item_id}/label.zpl": {
        "get": _document_op(
            "The shipment's label as ZPL II for a 203-dpi thermal printer",
            "text/plain",
            errors=(400, 401, 403, 404),
            sizes=ZPL_SIZES,
        )
    },
    "/api/v1/labels": {
        "post": _document_op(
            "Many labels in one PDF (a page each; four a sheet on A4, with cut marks)",
            "application/pdf",
            errors=(400, 401, 403, 404, 413, 415),
            body="LabelsIn",
        )
    },
    "/api/v1/handovers/{handover_id}/manifest.pdf": {
        "get": _document_op("The handover record (biên bản giao nhận), A4", "application/pdf")
    },
    "/api/v1/dossiers/{code}/receipt.pdf": {
        "get": _document_op("The citizen's receipt (giấy biên nhận), A4", "application/pdf")
    },
}


# ── errors of the makers ─────────────────────────────────────────────────────────────────────
@bp.errorhandler(LabelError)
def _label_error(exc: LabelError) -> Response:
    if isinstance(exc, FontUnavailable):  # the installation's fault, not the client's
        log.error("labels cannot be drawn: %s", exc.message)
        return error_response(500, "font_unavailable", exc.message)
    if isinstance(exc, UnknownSize):
        code = "unknown_size"
    elif isinstance(exc, SymbolTooLarge):
        code = "symbol_too_large"
    else:
        code = "invalid_label_data"
    return error_response(400, code, exc.message, exc.field)


# ── from the database to the makers' values ──────────────────────────────────────────────────
def _base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return value.astimezone(tz) if value is not None else None


def _center(session: Session, center_id: int) -> Center:
    center = session.get(Center, center_id)
    if center is None:  # pragma: no cover - a foreign key keeps it
        raise NotFound(f"no center {center_id}")
    return center


def _center_party(center: Center) -> Party:
    return Party(center.name, (center.address,), center.phone)


def _shipments(session: Session, item_ids: list[str]) -> dict[str, Shipment]:
    """Shipments with everything a label prints, in a fixed number of queries."""
    stmt = (
        select(Shipment)
        .where(Shipment.item_id.in_(set(item_ids)))
        .options(
            selectinload(Shipment.courier),
            selectinload(Shipment.dossier).options(
                selectinload(Dossier.applicant), selectinload(Dossier.procedure)
            ),
        )
    )
    return {sh.item_id: sh for sh in session.scalars(stmt)}


def label_data(sh: Shipment, center: Party, tz: ZoneInfo, base_url: str) -> LabelData:
    dossier = sh.dossier
    applicant = dossier.applicant
    citizen = Party(applicant.name, (applicant.address,), applicant.phone)
    direction = cast(Direction, sh.direction)
    sender, recipient = parties_for(direction, citizen, center)
    return LabelData(
        item_id=sh.item_id,
        direction=direction,
        tracking_url=f"{base_url}/track/{sh.item_id}",
        sender=sender,
        recipient=recipient,
        dossier_code=dossier.code,
        procedure_name=dossier.procedure.name if dossier.procedure else GENERIC_PROCEDURE,
        courier_name=sh.courier.name,
        created_at=sh.created_at.astimezone(tz),
        # Only results carry a due date: on the way in the legal clock has not started.
        due_at=_local(dossier.due_at, tz) if direction == "outbound" else None,
    )


def _staff_name(session: Session, actor: str | None, role: str) -> str | None:
    """A person's name for a signature block, when the actor logged in as staff of that side.

    Tokens name a device or an integration, not a person: the line is left to write on.
    """
    if not actor or not actor.startswith("user:"):
        return None
    user = session.scalars(select(User).where(User.username == actor.removeprefix("user:"))).first()
    if user is None or user.role != role:
        return None
    return user.full_name or user.username


def manifest_data(session: Session, h: Handover, center: Center, tz: ZoneInfo) -> ManifestData:
    # Items found at confirmation that were never on the list are not part of the signed record.
    listed = [it for it in h.items if it.state != "unexpected"]
    ids = [it.shipment_id for it in listed if it.shipment_id is not None]
    shipments = {
        sh.id: sh
        for sh in session.scalars(
            select(Shipment).where(Shipment.id.in_(ids)).options(selectinload(Shipment.dossier))
        )
    }
    items = []
    for it in listed:
        sh = shipments.get(it.shipment_id) if it.shipment_id is not None else None
        dossier = sh.dossier if sh is not None else None
        items.append(
            ManifestItem(
                item_id=it.item_id,
                dossier_code=dossier.code if dossier else "",
                commune=(dossier.commune_name or "") if dossier else "",
            )
        )
    giver = _staff_name(session, h.created_by, GIVING_ROLE[h.kind])
    # ``received_by`` is the person the confirmation named on the receiving side.
    if h.kind == "to_center":
        courier_staff, center_staff = giver, h.received_by
    else:
        center_staff, courier_staff = giver, h.received_by
    return ManifestData(
        handover_id=str(h.id),
        kind=cast(HandoverKind, h.kind),
        center_name=center.name,
        courier_name=h.courier.name,
        created_at=h.created_at.astimezone(tz),
        items=tuple(items),
        center_staff=center_staff,
        courier_staff=courier_staff,
        center_address=center.address,
    )


def receipt_data(dossier: Dossier, center: Center, tz: ZoneInfo, base_url: str) -> ReceiptData:
    received_at = dossier.received_at or dossier.submitted_at
    return ReceiptData(
        dossier_code=dossier.code,
        procedure_name=dossier.procedure.name if dossier.procedure else GENERIC_PROCEDURE,
        applicant_name=dossier.applicant.name,
        received_at=received_at.astimezone(tz),
        service=cast(Service, dossier.service),
        tracking_url=f"{base_url}/track/{dossier.code}",
        center_name=center.name,
        center_address=center.address,
        due_at=_local(dossier.due_at, tz),
    )


# ── answers ──────────────────────────────────────────────────────────────────────────────────
def _filename(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9._-]+", "_", part) for part in parts)


def _document(body: bytes | str, mimetype: str, filename: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _zpl_size(raw: str) -> str:
    size = raw.lower()
    if size in ZPL_SIZES:
        return size
    if size in SIZES:
        allowed = ", ".join(ZPL_SIZES)
        raise ValidationFailed(
            f"ZPL is made in sizes {allowed} only: the {size} size does not fit a 4-inch "
            "thermal print head (ask for label.pdf instead)",
            field="size",
            code="unknown_size",
        )
    raise UnknownSize(raw, ZPL_SIZES)


def _one_label(item_id: str) -> LabelData:
    session = db()
    item = s10.normalize(item_id)
    sh = _shipments(session, [item]).get(item)
    if sh is None:
        raise NotFound(f"no shipment with item id {item_id!r}")
    center = services.get_center(session)
    return label_data(sh, _center_party(center), services.center_tz(center), _base_url())


@bp.get("/shipments/<item_id>/label.pdf")
@roles("center", "postal")
def label_pdf(item_id: str) -> Response:
    size = size_for(request.args.get("size", DEFAULT_SIZE)).name
    data = _one_label(item_id)
    pdf = render_labels([data], size)
    return _document(pdf, "application/pdf", _filename("label", data.item_id, size) + ".pdf")


@bp.get("/shipments/<item_id>/label.zpl")
@roles("center", "postal")
def label_zpl(item_id: str) -> Response:
    size = _zpl_size(request.args.get("size", DEFAULT_SIZE))
    data = _one_label(item_id)
    zpl = render_zpl(data, size)
    return _document(zpl, "text/plain", _filename("label", data.item_id, size) + ".zpl")


@bp.post("/labels")
@roles("center", "postal")
def labels_batch() -> Response:
    body = parse(LabelsIn)
    size = size_for(body.size).name
    session = db()
    found = _shipments(session, body.item_ids)
    for index, item in enumerate(body.item_ids):
        if item not in found:
            raise NotFound(f"no shipment with item id {item!r}", field=f"item_ids.{index}")
    center = services.get_center(session)
    party, tz, base = _center_party(center), services.center_tz(center), _base_url()
    items = []
    for index, item in enumerate(body.item_ids):
        try:
            items.append(label_data(found[item], party, tz, base))
        except LabelError as exc:
            raise ValidationFailed(
                f"{item}: {exc.message}", field=f"item_ids.{index}", code="invalid_label_data"
            ) from exc
    # A thousand labels take seconds to draw: end the transaction first, so that on SQLite the
    # write lock this POST began with is not held while drawing.
    session.rollback()
    pdf = render_labels(items, size)
    return _document(pdf, "application/pdf", _filename("labels", str(len(items)), size) + ".pdf")


@bp.get("/handovers/<int:handover_id>/manifest.pdf")
@roles("center", "postal")
def manifest_pdf(handover_id: int) -> Response:
    session = db()
    handover = handovers.find(session, handover_id)
    center = _center(session, handover.center_id)
    data = manifest_data(session, handover, center, services.center_tz(center))
    pdf = render_manifest(data)
    return _document(pdf, "application/pdf", _filename("handover", data.handover_id) + ".pdf")


@bp.get("/dossiers/<code>/receipt.pdf")
@roles("center", "postal")
def receipt_pdf(code: str) -> Response:
    session = db()
    dossier = services.find_dossier(session, code)
    center = _center(session, dossier.center_id)
    data = receipt_data(dossier, center, services.center_tz(center), _base_url())
    pdf = render_receipt(data)
    return _document(pdf, "application/pdf", _filename("receipt", dossier.code) + ".pdf")
