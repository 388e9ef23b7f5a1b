"""``POST /api/v1/estimate`` (CONTRACT.md, "Estimates: what postal transit adds").

Staff ask what the post adds to an appointment before a dossier exists: for an address as the
citizen writes it (or a commune code from a form's list), a processing time (or a procedure of
the catalogue), a service and a courier. The answer is the contract's dict, nothing more.
An estimate never writes: after the caller's token is checked, the work is done in a reading
session, so on SQLite it does not hold the write lock that registrations and scans need.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint, current_app, jsonify
from pydantic import Field, StringConstraints

from tracking import estimating
from tracking.openapi import op
from tracking.schemas import CourierCode, Service, Strict
from tracking.web import db, now, parse, roles

bp = Blueprint("api_estimate", __name__, url_prefix="/api/v1")


class EstimateIn(Strict):
    """One of ``address`` | ``commune_code``, one of ``processing_days`` | ``procedure_code``."""

    address: Annotated[str, StringConstraints(min_length=3, max_length=500)] | None = None
    commune_code: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = None
    processing_days: Annotated[float, Field(strict=True, ge=0, le=365, multiple_of=0.5)] | None = (
        None
    )
    procedure_code: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    service: Service
    courier: CourierCode | None = None
    submitted_at: datetime | None = None


TIME = {"type": "string", "format": "date-time"}
ESTIMATE: dict[str, Any] = {
    "type": "object",
    "required": [
        "commune",
        "distance_km",
        "direct_due_at",
        "inbound",
        "due_at",
        "outbound",
        "delivered_by",
        "postal_adds_working_days",
    ],
    "properties": {
        "commune": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "lat": {"type": "number"},
                "lon": {"type": "number"},
            },
        },
        "distance_km": {"type": "number", "description": "road km from the center"},
        "direct_due_at": TIME,
        "inbound": {
            "type": ["object", "null"],
            "description": "null for receive_result",
            "properties": {
                k: TIME for k in ("picked_up_at", "expected_at_center", "p50_at", "p90_at")
            },
        },
        "due_at": TIME,
        "outbound": {
            "type": ["object", "null"],
            "description": "null for send_dossier",
            "properties": {
                k: TIME for k in ("handed_to_courier_at", "delivered_by", "p50_at", "p90_at")
            },
        },
        "delivered_by": {**TIME, "type": ["string", "null"]},
        "postal_adds_working_days": {"type": "number", "multipleOf": 0.5},
    },
}

OPENAPI = {
    "/api/v1/estimate": {
        "post": op(
            "What postal transit adds to the appointment (docs/estimates.md)",
            200,
            "Estimate",
            body="EstimateIn",
            errors=(400, 401, 403, 413, 415, 422),
            roles="center, postal",
        )
    }
}
OPENAPI_SCHEMAS: dict[str, Any] = {"EstimateIn": EstimateIn, "Estimate": ESTIMATE}


@bp.post("/estimate")
@roles("center", "postal")
def post_estimate() -> Any:
    data = parse(EstimateIn)
    db().rollback()  # the token is checked; release the write transaction it began
    session = current_app.extensions["tracking.read_sessionmaker"]()
    try:
        result = estimating.estimate_request(
            session,
            estimating.EstimateQuery(**data.model_dump()),
            now(),
            default_courier=current_app.config["DEFAULT_COURIER"],
            settings=estimating.EstimateSettings.from_config(current_app.config),
        )
    finally:
        session.close()
    return jsonify(result.to_dict())
