"""``GET /api/v1/track/{code}`` and the pages ``/track``, ``/track/{code}`` through the test
client: the contract's fields exactly, the languages, nothing personal but the masked name."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.pages.demo import TUESDAY, delivered_journey, register

Headers = Callable[[str], dict[str, str]]
CONTRACT_KEYS = {
    "code",
    "status",
    "status_label",
    "applicant",
    "due_at",
    "delivered_by",
    "timeline",
}
# What must never reach the public: the demo applicant's personal data in every spelling.
SECRETS = (
    "Nguyễn Thị Ánh Tuyết",
    "Ánh Tuyết",
    "0912 345 678",
    "0912345678",
    "912345678",
    "Huồi Giảng",
    "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An",
    "038190012345",
)


@pytest.fixture
def journey(client: FlaskClient, token: Headers, now_holder: dict[str, Any]) -> dict[str, Any]:
    now_holder["now"] = TUESDAY
    return delivered_journey(client, token("center"), token("postal"))


def test_json_by_dossier_code_and_by_item_id(client: FlaskClient, journey: dict[str, Any]) -> None:
    by_code = client.get(f"/api/v1/track/{journey['code']}")
    assert by_code.status_code == 200 and by_code.headers["Cache-Control"] == "no-store"
    body = by_code.json
    assert set(body) == CONTRACT_KEYS
    assert body["code"] == journey["code"] and body["status"] == "delivered"
    assert body["status_label"] == "Đã phát thành công"
    assert body["applicant"] == "Nguyễn T. Á. T***"
    assert body["due_at"].startswith("2026-11-25T17:00:00+07:00")
    assert [e["event"] for e in body["timeline"]][:2] == ["picked_up", "at_post_office"]
    assert body["timeline"][1] == {
        "event": "at_post_office",
        "label": "Đã đến bưu cục",
        "occurred_at": "2026-11-23T16:40:00+07:00",
        "location": "Bưu cục Kỳ Sơn",
    }
    assert set(body["timeline"][-1]) == {"event", "label", "occurred_at"}  # delivered: no place
    for item in (journey["inbound"], journey["outbound"].lower(), f" {journey['outbound']} "):
        assert client.get(f"/api/v1/track/{item}").json == body
    assert client.get(f"/api/v1/track/{journey['code'].lower()}").json == body


def test_json_languages(client: FlaskClient, journey: dict[str, Any]) -> None:
    url = f"/api/v1/track/{journey['code']}"
    english = client.get(url + "?lang=en").json
    assert english["status_label"] == "Delivered"
    assert english["timeline"][0]["label"] == "Picked up by the post"
    assert client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}).json == english
    vi = client.get(url, headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}).json
    assert vi["status_label"] == "Đã phát thành công"
    assert client.get(url, headers={"Accept-Language": "fr"}).json == vi  # default Vietnamese
    assert client.get(url + "?lang=xx").json == vi


def test_unknown_codes_are_404_in_the_error_shape(client: FlaskClient) -> None:
    for code in ("EC999999995VN", "000.00.00.H41-261201-9999", "x" * 80, "%00"):
        r = client.get(f"/api/v1/track/{code}")
        assert r.status_code in (400, 404), code
        assert set(r.json["error"]) >= {"code", "message"}


def test_a_dossier_not_moved_yet_has_its_expected_dates(
    client: FlaskClient, token: Headers, now_holder: dict[str, Any]
) -> None:
    now_holder["now"] = TUESDAY
    d = register(client, token("center"), 1, "both", "2026-11-30T08:00")
    body = client.get(f"/api/v1/track/{d['code']}").json
    assert body["status"] == "registered" and body["timeline"] == []
    assert body["due_at"] == d["estimate"]["due_at"]  # expected: the center has not got it yet
    assert body["delivered_by"] == d["delivered_by"]
    page = client.get(f"/track/{d['code']}").text
    assert "Ngày hẹn trả (dự kiến)" in page and "Gửi qua bưu điện thêm khoảng" in page


def test_the_page_and_the_json_never_show_personal_data(
    client: FlaskClient, token: Headers, journey: dict[str, Any], now_holder: dict[str, Any]
) -> None:
    center = token("center")
    body = {
        "service": "both",
        "processing_days": 3,
        "submitted_at": "2026-11-30T08:00",
        "applicant": {
            "name": "Nguyễn Thị Ánh Tuyết",
            "phone": "0912 345 678",
            "address": "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An",
            "id_number": "038190012345",
        },
    }
    with_id = client.post("/api/v1/dossiers", json=body, headers=center).json  # has an ID number
    for code in (journey["code"], journey["outbound"], with_id["code"]):
        for lang in ("vi", "en"):
            html = client.get(f"/track/{code}?lang={lang}").text
            data = client.get(f"/api/v1/track/{code}?lang={lang}").text
            assert "Nguyễn T. Á. T***" in html
            for secret in SECRETS:
                assert secret not in html, (code, lang, secret)
                assert secret not in data, (code, lang, secret)
            assert not re.search(r"0?9\D?1\D?2\D?3\D?4\D?5\D?6\D?7\D?8", html)
            assert "Xã Mường Xén" not in html  # not even the commune


def test_the_pages_work_without_javascript_and_say_unknown_codes_kindly(
    client: FlaskClient, journey: dict[str, Any]
) -> None:
    form = client.get("/track")
    assert form.status_code == 200 and "<script" not in form.text
    go = client.get("/track", query_string={"code": f"  {journey['outbound']}  "})
    assert go.status_code == 302 and go.headers["Location"].endswith(
        f"/track/{journey['outbound']}"
    )
    page = client.get(go.headers["Location"])
    assert page.status_code == 200 and "<script" not in page.text
    assert "Đã phát thành công" in page.text and "Bưu cục Kỳ Sơn" in page.text
    unknown = client.get("/track/EC999999995VN")
    assert unknown.status_code == 404
    assert "Không tìm thấy mã này" in unknown.text and 'name="code"' in unknown.text
    assert 'value="EC999999995VN"' in unknown.text  # kept in the form to correct it
    english = client.get("/track/EC999999995VN?lang=en")
    assert "We could not find this code" in english.text
