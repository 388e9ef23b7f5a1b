"""``GET /api/v1/track/{dossier_code_or_item_id}``: public tracking as JSON (CONTRACT.md
"Public tracking"). No login; rate-limited per client address (``tracking.ratelimit``); labels
in Vietnamese unless ``?lang=en`` or ``Accept-Language`` asks for English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, jsonify

from tracking import public, services
from tracking.i18n import lang
from tracking.openapi import op
from tracking.ratelimit import track_limit, track_miss_limit
from tracking.web import db

bp = Blueprint("track_api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])


def public_endpoint(fn: F) -> F:
    """Marks an endpoint open to anyone (the role check of every /api/v1 view, made explicit)."""
    fn.roles = ("anyone",)  # type: ignore[attr-defined]
    return fn


TIME = {"type": "string", "format": "date-time"}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "Tracking": {
        "type": "object",
        "required": ["code", "status", "status_label", "applicant", "timeline"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "description": "the dossier's code"},
            "status": {"type": "string"},
            "status_label": {"type": "string", "description": "in the asked language"},
            "applicant": {
                "type": "string",
                "description": "masked name, e.g. 'Nguyễn T. Á. T***' (docs/user-guide.md)",
            },
            "due_at": {**TIME, "description": "appointment (expected until the center has it)"},
            "delivered_by": {**TIME, "description": "result expected at the address by"},
            "timeline": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["event", "label", "occurred_at"],
                    "properties": {
                        "event": {"type": "string"},
                        "label": {"type": "string"},
                        "occurred_at": TIME,
                        "location": {"type": "string"},
                    },
                },
            },
        },
    }
}
_spec = op(
    "Public tracking by dossier code or item identifier (no login; no personal data but a "
    "masked name)",
    200,
    "Tracking",
    errors=(404, 429),
)
_spec["description"] = (
    "Public. Vietnamese labels by default; English with ?lang=en or Accept-Language: en. "
    "Rate-limited per client address; lookups that find nothing count double."
)
_spec["parameters"] = [
    {"name": "lang", "in": "query", "required": False, "schema": {"enum": ["vi", "en"]}}
]
OPENAPI = {"/api/v1/track/{code}": {"get": _spec}}


@bp.get("/track/<path:code>")
@track_limit
@track_miss_limit
@public_endpoint
def track(code: str) -> Any:
    session = db()
    dossier = public.find_public(session, code)
    tz = services.center_tz(services.get_center(session))
    response = jsonify(public.track_dict(dossier, tz, lang()))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept-Language"
    return response
