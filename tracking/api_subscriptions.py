"""Outbound subscriptions under /api/v1/subscriptions (admin): who receives the product's events,
and what became of each delivery (CONTRACT.md "Outbound events"; docs/integration.md).

Extensions to the contract: ``POST …/{id}/enable`` and ``…/disable`` (a disabled subscription's
events wait and go out in order once it is enabled), and the delivery log
``GET …/{id}/deliveries[?state=&limit=&before=]`` and ``GET …/{id}/deliveries/{delivery_id}``.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import Field, StringConstraints

from tracking import services
from tracking.openapi import op
from tracking.schemas import Strict
from tracking.web import db, int_arg, now, parse, principal, roles
from webhooks import outbound

bp = Blueprint("subscriptions", __name__, url_prefix="/api/v1/subscriptions")

EventName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class SubscriptionIn(Strict):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    events: Annotated[list[EventName], Field(min_length=1, max_length=10)]
    description: Annotated[str, StringConstraints(max_length=255)] | None = None


class DisableIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class ReplayIn(Strict):
    delivery_ids: Annotated[list[int], Field(max_length=10_000)] | None = None


TIME = {"type": ["string", "null"], "format": "date-time"}
SUBSCRIPTION = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
        "events": {"type": "array", "items": {"type": "string"}},
        "active": {"type": "boolean"},
        "disabled_reason": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"]},
        "created_by": {"type": ["string", "null"]},
        "created_at": TIME,
        "deliveries": {
            "type": "object",
            "properties": {"pending": {"type": "integer"}, "dead": {"type": "integer"}},
        },
        "secret": {"type": "string", "description": "whsec_…; in the creation answer only"},
    },
}
DELIVERY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "event_id": {"type": "integer"},
        "type": {"enum": ["shipment.checkpoint", "dossier.status"]},
        "dossier_code": {"type": ["string", "null"]},
        "webhook_id": {"type": "string"},
        "state": {"enum": list(outbound.STATES)},
        "attempts": {"type": "integer"},
        "next_attempt_at": TIME,
        "waits_for_earlier": {
            "type": "boolean",
            "description": "pending behind an earlier event of the same dossier",
        },
        "last_status": {"type": ["integer", "null"]},
        "last_error": {"type": ["string", "null"]},
        "created_at": TIME,
        "updated_at": TIME,
        "event": {"type": "object", "description": "in the single-delivery answer"},
        "attempt_log": {
            "type": "array",
            "description": "in the single-delivery answer: every attempt, oldest first",
            "items": {
                "type": "object",
                "properties": {
                    "at": TIME,
                    "status_code": {"type": ["integer", "null"]},
                    "latency_ms": {"type": ["number", "null"]},
                    "error": {"type": ["string", "null"]},
                    "worker": {"type": ["string", "null"]},
                },
            },
        },
    },
}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "SubscriptionIn": SubscriptionIn,
    "DisableIn": DisableIn,
    "ReplayIn": ReplayIn,
    "Subscription": SUBSCRIPTION,
    "SubscriptionList": {
        "type": "object",
        "properties": {
            "subscriptions": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Subscription"},
            }
        },
    },
    "Delivery": DELIVERY,
    "DeliveryList": {
        "type": "object",
        "properties": {
            "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
            "next_before": {"type": ["integer", "null"]},
        },
    },
    "ReplayResult": {"type": "object", "properties": {"replayed": {"type": "integer"}}},
}
ADMIN = "admin"
BASE = "/api/v1/subscriptions"
OPENAPI = {
    BASE: {
        "post": op(
            "Subscribe a receiver to events; the answer shows its signing secret, once",
            201,
            "Subscription",
            body="SubscriptionIn",
            errors=(400, 401, 403, 413, 415),
            roles=ADMIN,
        ),
        "get": op("All subscriptions", 200, "SubscriptionList", errors=(401, 403), roles=ADMIN),
    },
    BASE + "/{id}": {
        "get": op("A subscription", 200, "Subscription", roles=ADMIN),
        "delete": op("Remove it with its deliveries", 204, None, roles=ADMIN),
    },
    BASE + "/{id}/enable": {
        "post": op("Enable (extension): waiting events go out", 200, "Subscription", roles=ADMIN)
    },
    BASE + "/{id}/disable": {
        "post": op(
            "Disable (extension): events wait",
            200,
            "Subscription",
            body="DisableIn",
            errors=(400, 401, 403, 404, 415),
            roles=ADMIN,
        )
    },
    BASE + "/{id}/replay": {
        "post": op(
            "Send parked (dead) deliveries again",
            200,
            "ReplayResult",
            body="ReplayIn",
            errors=(400, 401, 403, 404, 415),
            roles=ADMIN,
        )
    },
    BASE + "/{id}/deliveries": {
        "get": op(
            "Deliveries, newest first (extension); ?state=pending|succeeded|dead&limit=&before=",
            200,
            "DeliveryList",
            errors=(400, 401, 403, 404),
            roles=ADMIN,
        )
    },
    BASE + "/{id}/deliveries/{delivery_id}": {
        "get": op(
            "A delivery with its event and attempts (extension)", 200, "Delivery", roles=ADMIN
        )
    },
}


def _tz() -> ZoneInfo:
    return services.center_tz(services.get_center(db()))


def _optional_body(model: type[Strict]) -> Any:
    """An optional JSON body: none at all reads as ``{}``."""
    return parse(model, {} if not request.get_data() else None)


def _one(sub_id: int) -> Any:
    session = db()
    sub = outbound.get_subscription(session, sub_id)
    counts = outbound.state_counts(session, [sub.id])[sub.id]
    return jsonify(outbound.subscription_dict(sub, _tz(), counts))


@bp.post("")
@roles()
def create() -> Any:
    data = parse(SubscriptionIn)
    session = db()
    sub = outbound.create_subscription(
        session,
        url=data.url,
        events=data.events,
        description=data.description,
        now=now(),
        actor=principal().name,
        allow_private=bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE")),
    )
    session.commit()
    body = outbound.subscription_dict(sub, _tz(), {"pending": 0, "dead": 0})
    body["secret"] = sub.secret  # shown this once
    return jsonify(body), 201


@bp.get("")
@roles()
def list_all() -> Any:
    session = db()
    subs = outbound.list_subscriptions(session)
    counts = outbound.state_counts(session, [s.id for s in subs])
    tz = _tz()
    return jsonify(
        {"subscriptions": [outbound.subscription_dict(s, tz, counts[s.id]) for s in subs]}
    )


@bp.get("/<int:id>")
@roles()
def get_one(id: int) -> Any:
    return _one(id)


@bp.delete("/<int:id>")
@roles()
def remove(id: int) -> Any:
    session = db()
    outbound.delete_subscription(session, id, now=now(), actor=principal().name)
    session.commit()
    return Response(status=204)


@bp.post("/<int:id>/enable")
@roles()
def enable(id: int) -> Any:
    session = db()
    outbound.set_active(session, id, True, now=now(), actor=principal().name)
    session.commit()
    return _one(id)


@bp.post("/<int:id>/disable")
@roles()
def disable(id: int) -> Any:
    data = _optional_body(DisableIn)
    session = db()
    outbound.set_active(session, id, False, now=now(), actor=principal().name, reason=data.reason)
    session.commit()
    return _one(id)


@bp.post("/<int:id>/replay")
@roles()
def replay(id: int) -> Any:
    data = _optional_body(ReplayIn)
    session = db()
    count = outbound.replay(
        session, id, now=now(), actor=principal().name, delivery_ids=data.delivery_ids
    )
    session.commit()
    return jsonify({"replayed": count})


@bp.get("/<int:id>/deliveries")
@roles()
def deliveries(id: int) -> Any:
    limit = int_arg("limit", 100, 1, 1000) or 100
    before = int_arg("before", None, 1, 2**62)
    state = request.args.get("state") or None
    rows = outbound.list_deliveries(db(), id, _tz(), state=state, limit=limit, before=before)
    next_before = rows[-1]["id"] if len(rows) == limit else None
    return jsonify({"deliveries": rows, "next_before": next_before})


@bp.get("/<int:id>/deliveries/<int:delivery_id>")
@roles()
def delivery(id: int, delivery_id: int) -> Any:
    return jsonify(outbound.get_delivery(db(), id, delivery_id, _tz()))
