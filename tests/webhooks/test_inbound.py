"""POST /webhooks/{courier}: signatures, idempotency, storage before the answer, adapters."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import FIXED_NOW
from tests.support import generic_body, generic_courier, register, send, signed_headers
from tracking.models import Checkpoint, PendingCheckpoint, WebhookReceipt

Headers = Callable[[str], dict[str, str]]


def ghn_item(client: FlaskClient, token: Headers, service: str) -> str:
    """A dossier registered with the generic courier "ghn": its first shipment's item id."""
    d = register(client, token("center"), service=service, courier="ghn")
    return str(d["shipments"][0]["item_id"])


def count(session: Session, model: type) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_signed_webhook_moves_the_status_and_a_replay_is_a_duplicate(
    app: Flask, client: FlaskClient, token: Headers, session: Session
) -> None:
    secret = generic_courier(app)
    h = token("center")
    d = register(client, h, service="both", courier="ghn")
    item = d["shipments"][0]["item_id"]
    body = generic_body(
        (item, "picked_up", "2026-11-28T08:05:00+07:00"), location="Bưu cục Mường Xén"
    )
    for attempt in range(5):
        r = send(client, secret, "msg_pick_1", body, courier="ghn")
        assert r.status_code == 200, r.json
        assert r.json["status"] == ("accepted" if attempt == 0 else "duplicate")
    assert count(session, Checkpoint) == 1
    assert count(session, WebhookReceipt) == 1
    got = client.get(f"/api/v1/dossiers/{d['code']}", headers=h).json
    assert got["status"] == "picked_up"
    assert got["timeline"][0]["location"] == "Bưu cục Mường Xén"
    assert got["timeline"][0]["source"] == "webhook"


def test_bad_signatures_get_401_and_store_nothing(
    app: Flask, client: FlaskClient, token: Headers, session: Session
) -> None:
    secret = generic_courier(app)
    item = ghn_item(client, token, "both")
    body = generic_body((item, "picked_up", "2026-11-28T08:05:00+07:00"))
    wrong = generic_courier(app, "other", "EH")
    cases = [
        signed_headers(wrong, "m1", body, FIXED_NOW),  # another courier's secret
        signed_headers(secret, "m1", body, FIXED_NOW - timedelta(minutes=6)),  # stale
        signed_headers(secret, "m1", body, FIXED_NOW + timedelta(minutes=6)),  # future
        {**signed_headers(secret, "m1", body, FIXED_NOW), "webhook-id": "m2"},
        {"Content-Type": "application/json"},
    ]
    for headers in cases:
        r = client.post("/webhooks/ghn", data=body, headers=headers)
        assert r.status_code == 401, r.json
        assert r.json["error"]["code"] == "bad_signature"
    tampered = body.replace(b"picked_up", b"at_post_office")
    r = client.post(
        "/webhooks/ghn", data=tampered, headers=signed_headers(secret, "m1", body, FIXED_NOW)
    )
    assert r.status_code == 401
    assert count(session, Checkpoint) == 0 and count(session, WebhookReceipt) == 0


def test_rotated_secret_keeps_working_during_the_overlap(
    app: Flask, client: FlaskClient, token: Headers, now_holder: dict
) -> None:
    from tests.support import courier_secret

    old = generic_courier(app)
    new = courier_secret(app, "ghn")
    item = ghn_item(client, token, "both")
    b1 = generic_body((item, "picked_up", "2026-11-28T08:05:00+07:00"))
    assert send(client, old, "a", b1, courier="ghn").json["status"] == "accepted"
    later = FIXED_NOW + timedelta(hours=25)
    now_holder["now"] = later
    b2 = generic_body((item, "at_post_office", "2026-11-28T09:05:00+07:00"))
    assert send(client, old, "b", b2, at=later, courier="ghn").status_code == 401
    assert send(client, new, "b", b2, at=later, courier="ghn").status_code == 200


def test_unknown_courier_oversize_and_malformed(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    secret = generic_courier(app)
    assert client.post("/webhooks/nobody", data=b"{}").status_code == 404
    big = b'{"x": "' + b"a" * (256 * 1024) + b'"}'
    r = client.post(
        "/webhooks/ghn", data=big, headers=signed_headers(secret, "big", big, FIXED_NOW)
    )
    assert r.status_code == 413 and r.json["error"]["code"] == "too_large"
    for i, bad in enumerate(
        [
            b"not json",
            b"[]",
            b'{"type": "x"}',
            b'{"type":"shipment.checkpoint","data":{"item_id":"EC1"}}',
        ]
    ):
        r = client.post(
            "/webhooks/ghn", data=bad, headers=signed_headers(secret, f"bad{i}", bad, FIXED_NOW)
        )
        assert r.status_code == 400, (bad, r.json)
        assert "error" in r.json
    # every accepted (signed) body is kept, even a malformed one
    assert count(session, WebhookReceipt) == 4
    rows = session.scalars(select(WebhookReceipt)).all()
    assert {r.status for r in rows} == {"malformed"} and rows[0].body == b"not json"


def test_unknown_event_and_wrong_direction_are_stored_flagged_and_refused(
    app: Flask, client: FlaskClient, token: Headers, session: Session
) -> None:
    secret = generic_courier(app)
    item = ghn_item(client, token, "both")
    body = generic_body((item, "teleported", "2026-11-28T08:05:00+07:00"))
    r = send(client, secret, "u1", body, courier="ghn")
    assert r.status_code == 422 and r.json["error"]["field"] == "data.event"
    wrong = generic_body((item, "out_for_delivery", "2026-11-28T08:06:00+07:00"))
    r = send(client, secret, "u2", wrong, courier="ghn")
    assert r.status_code == 422
    rows = session.scalars(select(Checkpoint).order_by(Checkpoint.id)).all()
    assert [(c.event, c.flagged) for c in rows] == [
        ("unrecognized", True),
        ("out_for_delivery", True),
    ]
    d = client.get(f"/api/v1/shipments/{item}", headers=token("center")).json
    assert d["status"] == "label_created"  # flagged rows never move the status


def test_orphan_checkpoints_are_held_then_applied_in_order(
    app: Flask, client: FlaskClient, token: Headers, session: Session
) -> None:
    secret = generic_courier(app)
    h = token("center")
    code = register(client, h, service="receive_result", courier="ghn")["code"]
    # The courier reports on the result's envelope before the center registered it.
    item = "EG300000009VN"
    body = generic_body(
        (item, "in_transit", "2026-11-28T09:00:00+07:00"),
        (item, "handed_to_courier", "2026-11-28T08:00:00+07:00"),
    )
    r = send(client, secret, "early", body, courier="ghn")
    assert r.status_code == 200 and r.json["held"] == 2
    assert count(session, PendingCheckpoint) == 2 and count(session, Checkpoint) == 0
    r = client.post(
        f"/api/v1/dossiers/{code}/shipments",
        json={"direction": "outbound", "item_id": item},
        headers=h,
    )
    assert r.status_code == 201
    got = client.get(f"/api/v1/shipments/{item}", headers=h).json
    assert [(t["event"], t["flagged"]) for t in got["timeline"]] == [
        ("handed_to_courier", False),
        ("in_transit", False),
    ]
    assert got["status"] == "in_transit"
    session.rollback()
    assert all(p.applied_at for p in session.scalars(select(PendingCheckpoint)))


def test_viettel_post_native_payload(app: Flask, client: FlaskClient, token: Headers) -> None:
    from tests.support import courier_secret

    secret = courier_secret(app, "viettelpost")
    h = token("center")
    d = register(client, h, service="receive_result", courier="viettelpost")
    item = client.post(
        f"/api/v1/dossiers/{d['code']}/shipments", json={"direction": "outbound"}, headers=h
    ).json["item_id"]
    body = json.dumps(
        {
            "DATA": {
                "ORDER_NUMBER": "1234567890",
                "ORDER_REFERENCE": item,
                "ORDER_STATUSDATE": "28/11/2026 09:30:00",
                "ORDER_STATUS": 501,
                "STATUS_NAME": "Giao thành công",
                "LOCALION_CURRENTLY": "Bưu cục Mường Xén",
                "NOTE": "",
            }
        },
        ensure_ascii=False,
    ).encode()
    r = send(client, secret, "vtp-1", body, courier="viettelpost")
    assert r.status_code == 200, r.json
    got = client.get(f"/api/v1/dossiers/{d['code']}", headers=h).json
    assert got["status"] == "delivered"


def test_a_webhook_that_failed_while_applying_is_kept_and_reprocessed(
    app: Flask, client: FlaskClient, token: Headers, session: Session, monkeypatch
) -> None:
    from webhooks import inbound

    secret = generic_courier(app)
    item = ghn_item(client, token, "both")
    body = generic_body((item, "picked_up", "2026-11-28T08:05:00+07:00"))

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug while applying")

    monkeypatch.setattr(inbound, "process", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = send(client, secret, "fails", body, courier="ghn")
    assert r.status_code == 500
    monkeypatch.undo()
    kept = session.scalars(select(WebhookReceipt)).one()
    assert kept.status == "error" and kept.body == body
    assert count(session, Checkpoint) == 0
    res = app.test_cli_runner().invoke(args=["webhooks", "reprocess"])
    assert res.exit_code == 0 and "1 webhook(s) applied again" in res.output, res.output
    assert count(session, Checkpoint) == 1
    # the courier retrying with the same id now gets "duplicate"
    assert send(client, secret, "fails", body, courier="ghn").json["status"] == "duplicate"


def test_an_item_id_no_column_can_hold_is_malformed_not_a_server_error(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    """A courier's own number is kept as sent, but one longer than any stored item id, or with
    a control character in it, cannot be stored: 400 naming the field, the body kept."""
    secret = generic_courier(app)
    at = (FIXED_NOW - timedelta(hours=1)).isoformat()
    for n, item in enumerate(["X" * 40, "GHN\x00123", "GHN\n123"]):
        body = generic_body((item, "picked_up", at))
        r = send(client, secret, f"odd{n}", body, courier="ghn")
        assert r.status_code == 400, (item, r.json)
        assert r.json["error"]["field"] == "data.item_id"
    assert count(session, PendingCheckpoint) == 0
    rows = session.scalars(select(WebhookReceipt)).all()
    assert len(rows) == 3 and {r.status for r in rows} == {"malformed"}
    ok = send(
        client, secret, "own", generic_body(("GHN-" + "7" * 28, "picked_up", at)), courier="ghn"
    )
    assert ok.status_code == 200 and ok.json["held"] == 1


def test_a_couriers_long_texts_are_cut_to_their_columns_and_the_body_kept_whole(
    app: Flask, client: FlaskClient, token: Headers, session: Session
) -> None:
    secret = generic_courier(app)
    item = ghn_item(client, token, "send_dossier")
    at = (FIXED_NOW - timedelta(hours=1)).isoformat()
    long_name, note = "Bưu cục " + "Đ" * 300, "ghi chú\x00 " + "x" * 1500
    body = json.dumps(
        {
            "type": "shipment.checkpoint",
            "data": {
                "item_id": item,
                "event": "picked_up",
                "occurred_at": at,
                "location": {"name": long_name, "code": "9" * 100},
                "note": note,
            },
        }
    ).encode()
    r = send(client, secret, "long", body, courier="ghn")
    assert r.status_code == 200 and r.json["applied"] == 1, r.json
    session.rollback()
    cp = session.scalars(select(Checkpoint)).one()
    assert cp.location_name == long_name[:255] and cp.location_code == "9" * 64
    assert cp.note is not None and len(cp.note) == 1000 and "\x00" not in cp.note
    assert cp.note.startswith("ghi chú ")
    assert session.scalars(select(WebhookReceipt.body)).one() == body


def test_the_adapters_item_id_limit_is_the_held_checkpoints_column() -> None:
    from courier.adapters.base import ITEM_ID_MAX

    assert PendingCheckpoint.__table__.c.item_id.type.length == ITEM_ID_MAX


def test_a_couriers_wrong_year_neither_fails_the_webhook_nor_moves_the_estimate(
    app: Flask, client: FlaskClient, token: Headers
) -> None:
    """Before 2000: stored flagged for review (422, nothing fits). A year from the dossier's
    submission but after 2000: the checkpoint counts, the estimate keeps its expectation."""
    secret = generic_courier(app)
    center = token("center")
    d = register(client, center, service="send_dossier", courier="ghn")
    item = d["shipments"][0]["item_id"]

    def pickup(year: int) -> Any:
        body = generic_body((item, "picked_up", f"{year}-06-01T08:00:00+07:00"))
        return send(client, secret, f"y{year}", body, courier="ghn")

    r = pickup(1999)
    assert r.status_code == 422 and "before 2000" in r.json["error"]["message"]
    r = pickup(2005)
    assert r.status_code == 200 and r.json["applied"] == 1, r.json
    got = client.get(f"/api/v1/dossiers/{d['code']}", headers=center).json
    assert got["status"] == "picked_up"
    assert got["estimate"] == d["estimate"]
