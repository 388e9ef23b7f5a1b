"""The JSON API of CONTRACT.md under /api/v1 (dossiers, shipments, health)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from tracking import services
from tracking.estimating import EstimateSettings
from tracking.openapi import json_ref, op
from tracking.schemas import DossierIn, ShipmentIn
from tracking.web import db, now, parse, principal, roles

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI = {
    "/api/v1/dossiers": {
        "post": op(
            "Register a dossier",
            201,
            "Dossier",
            body="DossierIn",
            errors=(400, 401, 403, 409, 413, 415, 422),
            roles="center, postal",
        )
    },
    "/api/v1/dossiers/{code}": {
        "get": op(
            "A dossier with its shipments and timeline", 200, "Dossier", roles="center, postal"
        )
    },
    "/api/v1/dossiers/{code}/shipments": {
        "post": op(
            "Create (or get) the dossier's shipment in a direction",
            201,
            "Shipment",
            body="ShipmentIn",
            errors=(400, 401, 403, 404, 409, 415, 422),
            roles="center, postal",
            extra={
                "200": {"description": "The existing shipment", "content": json_ref("Shipment")}
            },
        )
    },
    "/api/v1/shipments/{item_id}": {
        "get": op("A shipment with its timeline", 200, "Shipment", roles="center, postal")
    },
}
health_bp = Blueprint("health", __name__)


def _base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])


@health_bp.get("/healthz")
def healthz() -> Any:
    db().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.post("/dossiers")
@roles("center", "postal")
def register_dossier() -> Any:
    data = parse(DossierIn)
    session = db()
    dossier = services.register_dossier(
        session,
        data,
        actor=principal().name,
        now=now(),
        default_courier=current_app.config["DEFAULT_COURIER"],
        session_hours=current_app.config.get("SESSION_HOURS"),
        estimates=EstimateSettings.from_config(current_app.config),
    )
    session.commit()
    dossier = services.find_dossier(session, dossier.code)
    tz = services.center_tz(services.get_center(session))
    return jsonify(services.dossier_dict(dossier, tz, _base_url())), 201


@bp.get("/dossiers/<code>")
@roles("center", "postal")
def get_dossier(code: str) -> Any:
    session = db()
    dossier = services.find_dossier(session, code)
    tz = services.center_tz(services.get_center(session))
    return jsonify(services.dossier_dict(dossier, tz, _base_url()))


@bp.post("/dossiers/<code>/shipments")
@roles("center", "postal")
def create_shipment(code: str) -> Any:
    data = parse(ShipmentIn)
    session = db()
    dossier = services.find_dossier(session, code)
    shipment, created = services.ensure_shipment(
        session, dossier, data, actor=principal().name, now=now()
    )
    session.commit()
    tz = services.center_tz(services.get_center(session))
    return jsonify(services.shipment_dict(shipment, tz, _base_url())), 201 if created else 200


@bp.get("/shipments/<item_id>")
@roles("center", "postal")
def get_shipment(item_id: str) -> Any:
    session = db()
    shipment = services.find_shipment(session, item_id)
    tz = services.center_tz(services.get_center(session))
    body = services.shipment_dict(shipment, tz, _base_url())
    body["timeline"] = services.timeline([shipment], tz)
    return jsonify(body)
