"""Dossier registration and lookup through HTTP and the real database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labels import s10
from tests.conftest import dossier_body
from tracking.models import AuditLog, Dossier, OutboxEvent, Shipment

Headers = Callable[[str], dict[str, str]]


def post(client: FlaskClient, headers: dict[str, str], body: Any) -> Any:
    return client.post("/api/v1/dossiers", json=body, headers=headers)


def test_register_receive_result_gets_due_at_from_the_rule(client: FlaskClient, token: Headers):
    h = token("center")
    r = post(client, h, dossier_body(processing_days=1, submitted_at="2026-01-09T16:00:00"))
    assert r.status_code == 201, r.json
    d = r.json
    assert d["code"] == "000.00.00.H41-260109-0001"
    assert d["status"] == "registered"
    assert d["received_at"] == "2026-01-09T16:00:00+07:00"
    assert d["due_at"] == "2026-01-10T17:00:00+07:00"  # the make-up Saturday
    assert d["shipments"] == []
    assert d["applicant"]["name"] == "Nguyễn Thị Ánh Tuyết"
    assert d["applicant"]["phone"] == "0912345678"

    again = client.get(f"/api/v1/dossiers/{d['code']}", headers=h)
    assert again.status_code == 200
    assert again.json == d


@pytest.mark.parametrize(
    ("submitted", "days", "due"),
    [
        ("2026-02-13T10:00:00+07:00", 1, "2026-02-23T11:30:00+07:00"),  # eve of Tết 2026
        ("2026-08-28T09:00:00+07:00", 1, "2026-09-03T11:30:00+07:00"),  # 31/8 off, 1–2/9
        ("2025-04-25T09:00:00+07:00", 1, "2025-04-26T11:30:00+07:00"),  # worked Saturday
        ("2026-11-23T03:00:00+00:00", 1, "2026-11-25T11:30:00+07:00"),  # UTC in, Culture Day
    ],
)
def test_due_at_across_holidays_and_swaps(
    client: FlaskClient, token: Headers, submitted: str, days: float, due: str
) -> None:
    r = post(client, token("center"), dossier_body(processing_days=days, submitted_at=submitted))
    assert r.status_code == 201, r.json
    assert r.json["due_at"] == due


def test_procedure_gives_processing_days(client: FlaskClient, token: Headers) -> None:
    body = dossier_body(procedure_code="1.002767", submitted_at="2026-11-27T16:30:00+07:00")
    del body["processing_days"]
    r = post(client, token("postal"), body)
    assert r.status_code == 201, r.json
    assert r.json["processing_days"] == 10
    assert r.json["procedure"]["department"] == "Sở Tư pháp"
    assert r.json["due_at"] == "2026-12-11T17:00:00+07:00"


def test_send_dossier_creates_the_inbound_shipment(
    client: FlaskClient, token: Headers, session: Session
) -> None:
    h = token("postal")
    r = post(client, h, dossier_body(service="both"))
    assert r.status_code == 201
    d = r.json
    assert d["due_at"] is None and d["received_at"] is None  # the clock starts at the center
    [sh] = d["shipments"]
    assert sh["direction"] == "inbound" and sh["courier"] == "vnpost"
    assert s10.is_valid(sh["item_id"]) and sh["item_id"].startswith("EC")
    assert sh["tracking_url"] == f"https://track.example.vn/track/{sh['item_id']}"
    got = client.get(f"/api/v1/shipments/{sh['item_id']}", headers=h)
    assert got.status_code == 200 and got.json["dossier_code"] == d["code"]
    assert got.json["timeline"] == []
    # lower case and spaces from a person typing still find it
    spaced = sh["item_id"][:2].lower() + " " + sh["item_id"][2:]
    assert client.get(f"/api/v1/shipments/{spaced}", headers=h).status_code == 200

    assert session.scalar(select(func.count()).select_from(AuditLog)) >= 2
    [ev] = session.scalars(select(OutboxEvent)).all()
    assert ev.type == "dossier.status" and ev.dossier_code == d["code"]


def test_outbound_shipment_is_created_once(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    code = post(client, h, dossier_body()).json["code"]
    url = f"/api/v1/dossiers/{code}/shipments"
    first = client.post(url, json={"direction": "outbound"}, headers=h)
    assert first.status_code == 201
    again = client.post(url, json={"direction": "outbound", "courier": "viettelpost"}, headers=h)
    assert again.status_code == 200
    assert again.json["item_id"] == first.json["item_id"]
    other = post(client, h, dossier_body())
    vt = client.post(
        f"/api/v1/dossiers/{other.json['code']}/shipments",
        json={"direction": "outbound", "courier": "viettelpost"},
        headers=h,
    )
    assert vt.status_code == 201 and vt.json["item_id"].startswith("EP")


def test_courier_issued_item_id_is_accepted_once(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    a = post(client, h, dossier_body()).json["code"]
    b = post(client, h, dossier_body()).json["code"]
    ok = client.post(
        f"/api/v1/dossiers/{a}/shipments",
        json={"direction": "outbound", "item_id": "EC136431858VN"},
        headers=h,
    )
    assert ok.status_code == 201 and ok.json["item_id"] == "EC136431858VN"
    dup = client.post(
        f"/api/v1/dossiers/{b}/shipments",
        json={"direction": "outbound", "item_id": "EC136431858VN"},
        headers=h,
    )
    assert dup.status_code == 409 and dup.json["error"]["field"] == "item_id"
    bad = client.post(
        f"/api/v1/dossiers/{b}/shipments",
        json={"direction": "outbound", "item_id": "EB123456789VN"},
        headers=h,
    )
    assert bad.status_code == 400 and bad.json["error"]["field"] == "item_id"


def test_given_code_and_duplicates(client: FlaskClient, token: Headers, session: Session) -> None:
    h = token("center")
    r = post(client, h, dossier_body(code="000.00.04.H41-230414-0002"))
    assert r.status_code == 201 and r.json["code"] == "000.00.04.H41-230414-0002"
    dup = post(client, h, dossier_body(code="000.00.04.H41-230414-0002"))
    assert dup.status_code == 409
    assert dup.json["error"] == {
        "code": "duplicate",
        "field": "code",
        "message": "dossier 000.00.04.H41-230414-0002 already exists",
    }
    assert session.scalar(select(func.count()).select_from(Dossier)) == 1


def test_generated_codes_count_per_day(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    codes = [
        post(client, h, dossier_body(submitted_at=t)).json["code"]
        for t in (
            "2026-11-26T09:00:00+07:00",
            "2026-11-26T23:30:00+07:00",
            "2026-11-26T17:30:00+00:00",
        )
    ]
    assert codes == [
        "000.00.00.H41-261126-0001",
        "000.00.00.H41-261126-0002",
        "000.00.00.H41-261127-0001",
    ]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"processing_days": 0.25}, 400, "processing_days"),
        ({"processing_days": -1}, 400, "processing_days"),
        ({"processing_days": "3"}, 400, "processing_days"),
        ({"processing_days": True}, 400, "processing_days"),
        ({"processing_days": None}, 400, None),  # neither days nor procedure
        ({"service": "teleport"}, 400, "service"),
        ({"applicant": {"name": "A", "phone": "12", "address": "Vinh"}}, 400, "applicant.phone"),
        (
            {"applicant": {"name": "", "phone": "0912345678", "address": "Vinh"}},
            400,
            "applicant.name",
        ),
        ({"applicant": "x"}, 400, "applicant"),
        ({"unknown": 1}, 400, "unknown"),
        ({"submitted_at": "yesterday"}, 400, "submitted_at"),
        ({"submitted_at": "2030-01-01T00:00:00+07:00"}, 400, "submitted_at"),
        ({"submitted_at": "1999-12-31T00:00:00+07:00"}, 400, "submitted_at"),
        ({"procedure_code": "9.999999"}, 422, "procedure_code"),
        ({"procedure_code": "1.002952"}, 422, "procedure_code"),  # postal service not allowed
        ({"courier": "dhl"}, 422, "courier"),
        ({"courier": "NOT A CODE"}, 400, "courier"),
        ({"code": "a b"}, 400, "code"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client: FlaskClient,
    token: Headers,
    session: Session,
    change: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    body = dossier_body(**change)
    if change.get("processing_days", 0) is None:
        del body["processing_days"]
    r = post(client, token("center"), body)
    assert r.status_code == status, r.json
    assert set(r.json["error"]) <= {"code", "message", "field"}
    assert r.json["error"].get("field") == field
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0
    assert session.scalar(select(func.count()).select_from(Shipment)) == 0


def test_unknown_dossier_and_shipment_are_404(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    assert client.get("/api/v1/dossiers/nope", headers=h).status_code == 404
    r = client.get("/api/v1/shipments/EC136431858VN", headers=h)
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.post("/api/v1/dossiers/nope/shipments", json={"direction": "outbound"}, headers=h)
    assert r.status_code == 404


def test_exhausted_serial_range_is_refused_clearly(
    client: FlaskClient, token: Headers, session: Session
) -> None:
    from tracking.models import SerialRange

    for rng in session.scalars(select(SerialRange)):
        rng.next_serial = rng.last_serial + 1
    session.commit()
    r = post(client, token("center"), dossier_body(service="send_dossier"))
    assert r.status_code == 409 and r.json["error"]["code"] == "serial_range_exhausted"
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0
