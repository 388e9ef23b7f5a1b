"""``POST /webhooks/{courier_code}``: verify, store, apply, answer (CONTRACT.md)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracking.couriers import valid_secrets
from tracking.errors import NotFound, Unauthorized
from tracking.models import Courier
from tracking.openapi import op
from tracking.web import db, now
from webhooks import inbound, signature

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)

OPENAPI = {
    "/webhooks/{courier_code}": {
        "post": {
            **op(
                "A courier's checkpoints (Standard Webhooks signed)",
                200,
                "WebhookAnswer",
                errors=(400, 401, 404, 413, 422),
            ),
            "description": "Headers webhook-id, webhook-timestamp, webhook-signature "
            "(v1,<base64 HMAC-SHA256 of id.timestamp.body>). Body: the courier's adapter "
            "format (generic: {type, timestamp, data: {item_id, event, occurred_at, "
            "location?, note?} | [...]}). 200 accepted or duplicate; 422 when nothing in the "
            "body fits (stored and flagged for review).",
        }
    },
}
OPENAPI_SCHEMAS = {
    "WebhookAnswer": {
        "type": "object",
        "properties": {
            "status": {"enum": ["accepted", "duplicate"]},
            "applied": {"type": "integer"},
            "held": {"type": "integer"},
            "duplicates": {"type": "integer"},
            "flagged": {"type": "array", "items": {"type": "string"}},
        },
    }
}


@bp.post("/<courier_code>")
def receive(courier_code: str) -> Any:
    session = db()
    courier = (
        session.scalars(
            select(Courier)
            .where(Courier.code == courier_code, Courier.active.is_(True))
            .options(joinedload(Courier.secrets))
        )
        .unique()
        .first()
    )
    if courier is None:
        raise NotFound(f"no courier {courier_code!r}")
    request.max_content_length = current_app.config["WEBHOOK_MAX_BYTES"]
    body = request.get_data(cache=False)
    at = now()
    tolerance = timedelta(seconds=current_app.config["WEBHOOK_TOLERANCE_SECONDS"])
    try:
        msg_id = signature.verify(valid_secrets(courier, at), request.headers, body, at, tolerance)
    except signature.SignatureError as exc:
        raise Unauthorized(str(exc), code="bad_signature") from exc

    headers = dict(request.headers)
    try:
        parsed = inbound.parse(courier, body)
    except inbound.MalformedWebhook as exc:
        # A signed body is kept before the answer, even one that cannot be read.
        row = inbound.receipt_row(courier, msg_id, headers, body, at, "malformed", str(exc)[:2000])
        inbound.store_receipt(session, row)
        session.commit()
        raise
    courier_id = courier.id  # a rollback expires the ORM objects
    try:
        row = inbound.receipt_row(courier, msg_id, headers, body, at)
        outcome = inbound.accept(session, courier, row, parsed)
        if outcome.status == "duplicate":
            session.rollback()
            return jsonify(outcome.to_dict())
        session.commit()
    except Exception:
        session.rollback()
        session.close()  # and nothing may begin again on this session's connection
        _keep_failed(courier_id, msg_id, headers, body)
        raise
    inbound.refuse_if_all_flagged(outcome)
    return jsonify(outcome.to_dict())


def _keep_failed(courier_id: int, msg_id: str, headers: dict[str, str], body: bytes) -> None:
    """A bug while applying must not lose the body: it is stored with status "error", to be
    applied again with `python run.py webhooks reprocess`."""
    maker = current_app.extensions["tracking.sessionmaker"]
    with maker() as s:
        courier = s.get(Courier, courier_id)
        if courier is not None:
            inbound.store_receipt(
                s, inbound.receipt_row(courier, msg_id, headers, body, now(), "error")
            )
            s.commit()
    log.exception("webhook %s failed while applying; body kept", msg_id)
