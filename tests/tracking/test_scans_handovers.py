"""Scans and handovers through HTTP: roles, duplicates, wrong directions, matched/missing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import FIXED_NOW
from tests.support import outbound, register
from tracking.models import AuditLog, OutboxEvent

Headers = Callable[[str], dict[str, str]]


def scan(client: FlaskClient, h: dict[str, str], item: str, event: str, **more: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/scans", json={"item_id": item, "event": event, **more}, headers=h)


def test_a_scan_records_a_checkpoint_and_a_repeat_within_a_minute_returns_it(
    client: FlaskClient, token: Headers, now_holder: dict
) -> None:
    postal = token("postal")
    d = register(client, token("center"), service="both")
    item = d["shipments"][0]["item_id"]
    r = scan(
        client,
        postal,
        item.lower(),
        "picked_up",
        location="Bưu cục Mường Xén",
        lat=19.41,
        lon=104.13,
    )
    assert r.status_code == 201, r.json
    first = r.json
    assert first["event"] == "picked_up" and first["duplicate"] is False
    assert first["dossier"]["code"] == d["code"] and first["shipment_status"] == "picked_up"
    now_holder["now"] = FIXED_NOW + timedelta(seconds=40)
    again = scan(client, postal, item, "picked_up")
    assert again.status_code == 200 and again.json["id"] == first["id"]
    assert again.json["duplicate"] is True
    now_holder["now"] = FIXED_NOW + timedelta(minutes=5)
    later = scan(client, postal, item, "at_post_office")
    assert later.status_code == 201 and later.json["dossier_status"] == "at_post_office"


def test_roles_decide_which_events_a_scan_may_record(client: FlaskClient, token: Headers) -> None:
    d = register(client, token("center"), service="both")
    item = d["shipments"][0]["item_id"]
    r = scan(client, token("postal"), item, "received_by_center")
    assert r.status_code == 403 and r.json["error"]["field"] == "event"
    r = scan(client, token("center"), item, "picked_up")
    assert r.status_code == 403
    assert scan(client, token("center"), item, "received_by_center").status_code == 201
    assert scan(client, token("admin"), item, "at_post_office").status_code == 201


def test_bad_scans_are_refused_and_change_nothing(
    client: FlaskClient, token: Headers, session: Session
) -> None:
    postal = token("postal")
    d = register(client, token("center"), service="both")
    item = d["shipments"][0]["item_id"]
    r = scan(client, postal, item, "out_for_delivery")  # an outbound event on a dossier
    assert r.status_code == 422 and r.json["error"]["field"] == "event"
    assert scan(client, postal, "EC136431858VN", "picked_up").status_code == 404
    for body in (
        {"item_id": item, "event": "flying"},
        {"item_id": "123", "event": "picked_up"},
        {"item_id": item, "event": "picked_up", "occurred_at": "2031-01-01T00:00"},
        {"item_id": item, "event": "picked_up", "lat": 200},
        {"item_id": item},
        {"event": "picked_up"},
    ):
        r = client.post("/api/v1/scans", json=body, headers=postal)
        assert r.status_code == 400, (body, r.json)
    got = client.get(f"/api/v1/dossiers/{d['code']}", headers=postal).json
    assert got["status"] == "registered" and got["timeline"] == []


def test_handover_to_the_center_with_a_missing_and_an_unexpected_item(
    client: FlaskClient, token: Headers, session: Session
) -> None:
    center, postal = token("center"), token("postal")
    items = [
        register(client, center, service="both", submitted_at=f"2026-11-27T0{i}:00:00")[
            "shipments"
        ][0]["item_id"]
        for i in range(1, 4)
    ]
    r = client.post(
        "/api/v1/handovers",
        json={"kind": "to_center", "courier": "vnpost", "item_ids": items},
        headers=postal,
    )
    assert r.status_code == 201, r.json
    hid = r.json["id"]
    assert [i["state"] for i in r.json["items"]] == ["expected"] * 3
    assert r.json["manifest_url"].endswith(f"/api/v1/handovers/{hid}/manifest.pdf")
    c = client.post(
        f"/api/v1/handovers/{hid}/confirm",
        json={
            "scanned": [items[0], items[2].lower(), "EC136431858VN"],
            "received_by": "Trần Thị Lan",
        },
        headers=center,
    )
    assert c.status_code == 200, c.json
    assert c.json["matched"] == [items[0], items[2]]
    assert c.json["missing"] == [items[1]]
    assert c.json["unexpected"] == ["EC136431858VN"]
    for item, want in zip(
        items, ["received_by_center", "label_created", "received_by_center"], strict=True
    ):
        sh = client.get(f"/api/v1/shipments/{item}", headers=center).json
        assert sh["status"] == want
    d = client.get(f"/api/v1/dossiers/{sh['dossier_code']}", headers=center).json
    # the legal clock starts at the handover: received_at and due_at are fixed now
    assert d["received_at"] == "2026-11-28T10:00:00+07:00"
    assert d["due_at"] == "2026-12-03T11:30:00+07:00"  # Saturday → Monday morning + 3 days
    again = client.post(
        f"/api/v1/handovers/{hid}/confirm",
        json={"scanned": items, "received_by": "x"},
        headers=center,
    )
    assert again.status_code == 409
    got = client.get(f"/api/v1/handovers/{hid}", headers=center).json
    assert [i["state"] for i in got["items"]] == ["matched", "missing", "matched", "unexpected"]
    actions = {a.action for a in session.scalars(select(AuditLog))}
    assert {
        "handover.created",
        "handover.confirmed",
        "shipment.status",
        "dossier.status",
        "dossier.received",
    } <= actions


def test_handover_refuses_items_that_do_not_fit(client: FlaskClient, token: Headers) -> None:
    center = token("center")
    d = register(client, center, service="both")
    inbound = d["shipments"][0]["item_id"]
    out = outbound(client, center, d["code"])
    cases = [
        ({"kind": "to_courier", "courier": "vnpost", "item_ids": [inbound]}, 422, "item_ids.0"),
        ({"kind": "to_center", "courier": "vnpost", "item_ids": [inbound, out]}, 422, "item_ids.1"),
        ({"kind": "to_center", "courier": "viettelpost", "item_ids": [inbound]}, 422, "item_ids.0"),
        (
            {"kind": "to_center", "courier": "vnpost", "item_ids": ["EC136431858VN"]},
            422,
            "item_ids.0",
        ),
        ({"kind": "to_center", "courier": "vnpost", "item_ids": []}, 400, "item_ids"),
        ({"kind": "sideways", "courier": "vnpost", "item_ids": [inbound]}, 400, "kind"),
        ({"kind": "to_center", "courier": "nobody", "item_ids": [inbound]}, 422, "courier"),
    ]
    for body, status_code, field in cases:
        r = client.post("/api/v1/handovers", json=body, headers=center)
        assert r.status_code == status_code, (body, r.json)
        assert r.json["error"]["field"] == field
    assert client.get("/api/v1/handovers/999", headers=center).status_code == 404
    r = client.post(
        "/api/v1/handovers/999/confirm", json={"scanned": [], "received_by": "x"}, headers=center
    )
    assert r.status_code == 404


def test_outbox_events_are_written_with_each_checkpoint(
    client: FlaskClient, token: Headers, session: Session
) -> None:
    d = register(client, token("center"), service="both")
    item = d["shipments"][0]["item_id"]
    scan(client, token("postal"), item, "picked_up")
    events = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [e.type for e in events] == ["dossier.status", "dossier.status", "shipment.checkpoint"]
    assert events[-1].payload["item_id"] == item and events[-1].payload["event"] == "picked_up"
    assert events[1].payload == {
        "code": d["code"],
        "status": "picked_up",
        "previous": "registered",
        "due_at": None,
    }
