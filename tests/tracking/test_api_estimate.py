"""POST /api/v1/estimate through HTTP and the real database (CONTRACT.md, "Estimates")."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from courier.transit import default_table, table_to_dict
from tracking import services, transit_data
from tracking.models import AuditLog, Dossier

Headers = Callable[[str], dict[str, str]]
KY_SON = "X. Mường Xén, H. Kỳ Sơn, T. Nghệ An"
VINH_WARD = "Phường Trường Vinh, Nghệ An"


def ask(client: FlaskClient, headers: dict[str, str], **over: Any) -> Any:
    body = {"address": KY_SON, "processing_days": 3, "service": "both"}
    body.update(over)
    return client.post(
        "/api/v1/estimate", json={k: v for k, v in body.items() if v is not None}, headers=headers
    )


def test_kyson_old_form_is_muong_xen_far_away_and_adds_more_than_vinh(
    client: FlaskClient, token: Headers
) -> None:
    h = token("center")
    far = ask(client, h, submitted_at="2026-06-05T09:00:00")
    near = ask(client, h, address=VINH_WARD, submitted_at="2026-06-05T09:00:00")
    assert far.status_code == 200 and near.status_code == 200, (far.json, near.json)
    assert far.json["commune"]["name"] == "Xã Mường Xén" and far.json["commune"]["code"] == "16813"
    assert far.json["distance_km"] > 150
    assert near.json["commune"]["name"] == "Phường Trường Vinh"
    assert far.json["postal_adds_working_days"] > near.json["postal_adds_working_days"]
    # the worked examples of docs/estimates.md (default tables, a weekend)
    assert (far.json["postal_adds_working_days"], near.json["postal_adds_working_days"]) == (3, 2)
    assert far.json["delivered_by"] == "2026-06-15T12:00:00+07:00"
    assert near.json["inbound"]["expected_at_center"] == "2026-06-08T07:30:00+07:00"


def test_the_answer_is_the_documented_example_across_tet_2027(
    client: FlaskClient, token: Headers
) -> None:
    r = ask(client, token("postal"), submitted_at="2027-02-02T15:00:00+07:00")
    assert r.status_code == 200, r.json
    assert r.json == {
        "commune": {"code": "16813", "name": "Xã Mường Xén", "lat": 19.3627, "lon": 104.095},
        "distance_km": 234.4,
        "direct_due_at": "2027-02-12T17:00:00+07:00",
        "inbound": {
            "picked_up_at": "2027-02-02T15:00:00+07:00",
            "expected_at_center": "2027-02-12T12:00:00+07:00",
            "p50_at": "2027-02-12T12:00:00+07:00",
            "p90_at": "2027-02-12T12:00:00+07:00",
        },
        "due_at": "2027-02-17T17:00:00+07:00",
        "outbound": {
            "handed_to_courier_at": "2027-02-17T17:00:00+07:00",
            "delivered_by": "2027-02-20T12:00:00+07:00",
            "p50_at": "2027-02-20T12:00:00+07:00",
            "p90_at": "2027-02-20T12:00:00+07:00",
        },
        "delivered_by": "2027-02-20T12:00:00+07:00",
        "postal_adds_working_days": 5.5,
    }


def test_commune_code_procedure_and_services(client: FlaskClient, token: Headers) -> None:
    h = token("admin")
    by_code = ask(client, h, address=None, commune_code="16813", submitted_at="2026-06-05T09:00")
    assert by_code.status_code == 200 and by_code.json["commune"]["code"] == "16813"
    assert by_code.json["distance_km"] > 150  # measured from the commune's centroid
    proc = ask(client, h, processing_days=None, procedure_code="1.002767")
    days10 = ask(client, h, processing_days=10)
    assert proc.status_code == 200 and proc.json == days10.json
    only_result = ask(client, h, service="receive_result").json
    assert only_result["inbound"] is None and only_result["outbound"] is not None
    only_send = ask(client, h, service="send_dossier").json
    assert only_send["outbound"] is None and only_send["delivered_by"] is None
    assert only_send["due_at"] > only_send["direct_due_at"]


def test_the_numbers_follow_the_stored_table(
    app: Flask, client: FlaskClient, token: Headers
) -> None:
    h = token("center")
    before = ask(client, h, submitted_at="2026-06-05T09:00:00").json
    data = table_to_dict(default_table())
    data["outbound"]["surcharges"][0]["add_days"] = 3  # remote communes: +3 days, not +1
    with app.extensions["tracking.sessionmaker"]() as s:
        transit_data.save_table(
            s, services.get_courier(s, "vnpost"), data, now=services.EARLIEST, actor="t"
        )
        s.commit()
    after = ask(client, h, submitted_at="2026-06-05T09:00:00").json
    assert after["due_at"] == before["due_at"]
    assert after["delivered_by"] == "2026-06-17T12:00:00+07:00"  # 4.5 post days, not 2.5
    assert after["postal_adds_working_days"] == before["postal_adds_working_days"] + 2


@pytest.mark.parametrize(
    ("change", "status", "field", "part"),
    [
        ({"address": "Xóm 5, Kỳ Sơn, Nghệ An"}, 422, "address", "commune"),
        ({"address": "Phường Thành Sen, Hà Tĩnh"}, 422, "address", "Hà Tĩnh"),
        ({"address": "hello world"}, 422, "address", "province"),
        ({"address": "Diễn Châu, Nghệ An"}, 422, "address", "former district"),
        ({"address": None, "commune_code": "00004"}, 422, "commune_code", "Hà Nội"),
        ({"address": None, "commune_code": "99999"}, 422, "commune_code", "99999"),
        ({"address": None, "commune_code": "1681"}, 400, "commune_code", None),
        ({"address": None}, 400, "address", "address or commune_code"),
        ({"commune_code": "16813"}, 400, "address", "address or commune_code"),
        ({"processing_days": -1}, 400, "processing_days", None),
        ({"processing_days": 0.25}, 400, "processing_days", None),
        ({"processing_days": 1.3}, 400, "processing_days", None),
        ({"processing_days": "3"}, 400, "processing_days", None),
        ({"processing_days": 366}, 400, "processing_days", None),
        ({"processing_days": None}, 400, "processing_days", "procedure_code"),
        ({"procedure_code": "1.002767"}, 400, "processing_days", "procedure_code"),
        ({"processing_days": None, "procedure_code": "9.9"}, 422, "procedure_code", None),
        ({"processing_days": None, "procedure_code": "1.002952"}, 422, "procedure_code", None),
        ({"courier": "dhl"}, 422, "courier", "dhl"),
        ({"courier": "NOT A CODE"}, 400, "courier", None),
        ({"service": "teleport"}, 400, "service", None),
        ({"service": None}, 400, "service", None),
        ({"distance_km": 5}, 400, "distance_km", "unknown field"),
        ({"submitted_at": "yesterday"}, 400, "submitted_at", None),
        ({"submitted_at": "1999-12-31T00:00:00+07:00"}, 400, "submitted_at", "2000"),
        ({"submitted_at": "2030-01-01T00:00:00+07:00"}, 400, "submitted_at", "year"),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_field(
    client: FlaskClient,
    token: Headers,
    change: dict[str, Any],
    status: int,
    field: str,
    part: str | None,
) -> None:
    r = ask(client, token("center"), **change)
    assert r.status_code == status, r.json
    assert set(r.json["error"]) == {"code", "message", "field"}
    assert r.json["error"]["field"] == field
    if part:
        assert part in r.json["error"]["message"]


def test_roles_and_no_writes(client: FlaskClient, token: Headers, session: Session) -> None:
    assert ask(client, {}).status_code == 401
    for role in ("admin", "center", "postal"):
        assert ask(client, token(role)).status_code == 200
    h = token("center")
    audit = session.scalar(select(func.count()).select_from(AuditLog))
    assert ask(client, h).status_code == 200
    assert session.scalar(select(func.count()).select_from(AuditLog)) == audit
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0


def test_no_input_produces_a_5xx(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    rng = random.Random(4)
    junk: list[Any] = [
        None,
        True,
        0,
        -1,
        1e308,
        "",
        "x" * 600,
        [],
        {},
        "\u0000",
        "😀",
        0.5,
        "2026-02-30T10:00",
        "16813",
        "Nghệ An",
        "Kỳ Sơn",
    ]
    base = {
        "address": KY_SON,
        "processing_days": 3,
        "service": "both",
        "courier": "vnpost",
        "submitted_at": "2026-11-26T09:00:00",
    }
    bodies: list[Any] = [
        {**base, k: v} for k in [*base, "commune_code", "procedure_code"] for v in junk
    ]
    bodies += [rng.choice(junk) for _ in range(20)]
    for body in bodies:
        r = client.post(
            "/api/v1/estimate", data=json.dumps(body), headers=h, content_type="application/json"
        )
        assert r.status_code < 500, (body, r.data)
        if r.status_code >= 400:
            assert "error" in r.json


def test_openapi_describes_the_estimate(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").json
    post = doc["paths"]["/api/v1/estimate"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "EstimateIn"
    )
    schemas = doc["components"]["schemas"]
    assert schemas["EstimateIn"]["additionalProperties"] is False
    assert schemas["EstimateIn"]["required"] == ["service"]
    assert "postal_adds_working_days" in schemas["Estimate"]["required"]
