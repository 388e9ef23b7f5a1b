"""Helpers shared by the tests of checkpoints, scans, handovers and webhooks."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from standardwebhooks import Webhook

from tests.conftest import FIXED_NOW, dossier_body
from tracking import couriers


def courier_secret(app: Flask, code: str = "vnpost") -> str:
    """A fresh webhook secret for a seeded courier (what `courier rotate-secret` prints)."""
    with app.extensions["tracking.sessionmaker"]() as s:
        secret = couriers.rotate_secret(s, code, now=FIXED_NOW)
        s.commit()
    return secret


def generic_courier(app: Flask, code: str = "ghn", indicator: str = "EG") -> str:
    """A courier speaking the contract's generic format, with its own S10 range; its secret."""
    with app.extensions["tracking.sessionmaker"]() as s:
        _c, secret = couriers.add(
            s, code, "Giao Hàng Nhanh", now=FIXED_NOW, adapter="generic", adapters=("generic",)
        )
        couriers.add_range(s, code, indicator, 30_000_000, 30_999_999, now=FIXED_NOW)
        s.commit()
    return secret


def register(client: FlaskClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    r = client.post("/api/v1/dossiers", json=dossier_body(**over), headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def outbound(client: FlaskClient, headers: dict[str, str], code: str) -> str:
    r = client.post(
        f"/api/v1/dossiers/{code}/shipments", json={"direction": "outbound"}, headers=headers
    )
    assert r.status_code in (200, 201), r.json
    return r.json["item_id"]


def generic_body(*events: tuple[str, str, str], location: str | None = None) -> bytes:
    """A generic-format body: (item_id, event, occurred_at) triples; several make a batch."""
    data = [
        {
            "item_id": i,
            "event": e,
            "occurred_at": t,
            **({"location": {"name": location}} if location else {}),
        }
        for i, e, t in events
    ]
    return json.dumps(
        {
            "type": "shipment.checkpoint",
            "timestamp": "2026-11-28T10:00:00+07:00",
            "data": data[0] if len(data) == 1 else data,
        },
        ensure_ascii=False,
    ).encode()


def signed_headers(secret: str, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
        "Content-Type": "application/json",
    }


def send(
    client: FlaskClient,
    secret: str,
    msg_id: str,
    body: bytes,
    at: datetime = FIXED_NOW,
    courier: str = "vnpost",
) -> Any:
    return client.post(
        f"/webhooks/{courier}", data=body, headers=signed_headers(secret, msg_id, body, at)
    )


def stored_dossier(
    app: Flask, *, service: str, submitted_at: datetime, outbound: bool = False
) -> tuple[str, dict[str, str]]:
    """A dossier registered through the service (no HTTP): its code and item id by direction;
    ``outbound`` adds the result's shipment now."""
    from tracking.schemas import DossierIn, ShipmentIn
    from tracking.services import ensure_shipment, register_dossier

    with app.extensions["tracking.sessionmaker"]() as s:
        body = {
            "processing_days": 1,
            "service": service,
            "applicant": {
                "name": "Vi Thị Mai",
                "phone": "0912345678",
                "address": "Xã Mường Xén, Nghệ An",
            },
            "submitted_at": submitted_at.isoformat(),
        }
        d = register_dossier(s, DossierIn.model_validate(body), actor="test", now=FIXED_NOW)
        if outbound:
            ensure_shipment(s, d, ShipmentIn(direction="outbound"), actor="test", now=FIXED_NOW)
        s.commit()
        return d.code, {sh.direction: sh.item_id for sh in d.shipments}
