"""The staff pages through the test client: who sees what, CSRF on every form, and forms that
refuse bad input with a readable message while keeping what the user typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.pages.conftest import csrf_of
from tests.pages.demo import TUESDAY, on_the_way_in, register, results_due

Login = Callable[[str], tuple[FlaskClient, str]]
Headers = Callable[[str], dict[str, str]]
PAGES = {
    "/scan": "postal",
    "/handover": "center",
    "/dossiers/new": "center",
    "/dashboard": "center",
}


@pytest.mark.parametrize("username", ["lan", "hung", "root"])
def test_each_role_sees_and_opens_only_its_pages(login: Login, username: str) -> None:
    client, _csrf = login(username)
    role = {"lan": "center", "hung": "postal", "root": "admin"}[username]
    home = client.get("/").text
    nav = re.search(r'<nav class="main".*?</nav>', home, re.S)
    assert nav is not None
    for path, owner in PAGES.items():
        allowed = role in (owner, "admin")
        assert (f'href="{path}"' in nav.group(0)) is allowed, path
        r = client.get(path)
        assert r.status_code == (200 if allowed else 403), path
        if not allowed:
            assert "Trang này dành cho" in r.text and r.mimetype == "text/html"
    assert 'href="/track"' in nav.group(0)


def test_staff_pages_send_visitors_to_the_login(client: FlaskClient) -> None:
    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 302
        assert r.headers["Location"] == f"/login?next={path}"
    assert client.get("/").status_code == 200 and client.get("/track").status_code == 200


def test_every_form_needs_its_csrf_token(login: Login, client: FlaskClient) -> None:
    center, _ = login("lan")
    postal, _ = login("hung")
    for who, path, data in (
        (postal, "/scan", {"event": "picked_up", "item_id": "EC100000003VN"}),
        (center, "/handover", {"kind": "to_courier", "courier": "vnpost", "scanned": "x"}),
        (center, "/handover/1/confirm", {"received_by": "A"}),
        (center, "/dossiers/new", {"applicant_name": "A"}),
        (center, "/logout", {}),
        (client, "/login", {"username": "lan", "password": "x"}),
    ):
        r = who.post(path, data=data)
        assert r.status_code == 400, path
        assert "Biểu mẫu không được chấp nhận" in r.text and "tải lại trang" in r.text
    # The pages' own API calls need the header: a cookie alone is refused.
    r = postal.post("/api/v1/scans", json={"item_id": "EC100000003VN", "event": "picked_up"})
    assert r.status_code == 400 and r.json["error"]["code"] == "csrf"
    # Pages logged in carry the token for their scripts; the public page carries none.
    assert 'name="csrf-token"' in postal.get("/scan").text
    assert "csrf" not in client.get("/track").text


def _form(**over: str) -> dict[str, str]:
    data = {
        "applicant_name": "Nguyễn Thị Ánh Tuyết",
        "applicant_phone": "0912 345 678",
        "applicant_address": "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An",
        "applicant_id_number": "",
        "procedure_code": "1.002767",
        "processing_days": "",
        "service": "both",
        "courier": "vnpost",
        "submitted_at": "",
        "code": "",
        "action": "save",
    }
    data.update(over)
    return data


def test_the_dossier_form_refuses_bad_input_readably_and_keeps_what_was_typed(
    login: Login,
) -> None:
    client, csrf = login("lan")
    bad = _form(
        applicant_name="",
        applicant_phone="09-12ab",
        applicant_address="Xã",
        applicant_id_number="12345",
        procedure_code="",
        processing_days="2,25",
        submitted_at="ngày mai",
        code="!bad",
        csrf_token=csrf,
    )
    r = client.post("/dossiers/new", data=bad)
    assert r.status_code == 400
    for message in (
        "Hãy nhập họ tên người nộp.",
        "Số điện thoại gồm 8 đến 15 chữ số",
        "Hãy nhập địa chỉ",
        "Số định danh gồm 9 đến 12 chữ số.",
        "Số ngày giải quyết: một số như 3 hoặc 2,5",
        "Nhập ngày giờ theo dạng",
        "Mã hồ sơ gồm 3 đến 64",
    ):
        assert message in r.text, message
    for kept in ('value="09-12ab"', 'value="12345"', 'value="2,25"', 'value="ngày mai"'):
        assert kept in r.text
    assert r.text.count('aria-invalid="true"') >= 7 and "Vui lòng sửa 7 mục" in r.text
    # The same in English.
    english = client.post("/dossiers/new?lang=en", data=bad)
    assert "A phone number has 8 to 15 digits" in english.text


@pytest.mark.parametrize(
    ("over", "status", "message"),
    [
        ({"applicant_address": "12 Tràng Tiền, Hoàn Kiếm, Hà Nội"}, 422, "ở ngoài tỉnh"),
        ({"applicant_address": "Số 7 đường không tên"}, 422, "Không xác định được địa chỉ"),
        ({"procedure_code": "1.002952"}, 422, "không thực hiện qua bưu điện"),
        ({"submitted_at": "2031-01-01T09:00"}, 400, "không được ở tương lai"),
    ],
)
def test_the_services_refusals_are_shown_on_the_form(
    login: Login, over: dict[str, str], status: int, message: str
) -> None:
    client, csrf = login("lan")
    r = client.post("/dossiers/new", data=_form(csrf_token=csrf, **over))
    assert r.status_code == status and message in r.text
    assert 'value="Nguyễn Thị Ánh Tuyết"' in r.text
    if "procedure_code" not in over:  # a procedure the list does not offer cannot be shown
        for value in over.values():
            assert value in r.text  # kept


def test_register_through_the_form_then_a_duplicate_code(
    login: Login, now_holder: dict[str, Any]
) -> None:
    now_holder["now"] = TUESDAY
    client, csrf = login("lan")
    preview = client.post("/dossiers/new", data=_form(csrf_token=csrf, action="estimate"))
    assert preview.status_code == 200 and "Xã Mường Xén" in preview.text
    assert "Vận chuyển qua bưu điện thêm" in preview.text
    saved = client.post("/dossiers/new", data=_form(csrf_token=csrf, code="HS-TEST-1"))
    assert saved.status_code == 302 and saved.headers["Location"].startswith("/dossiers/HS-TEST-1")
    page = client.get(saved.headers["Location"]).text
    assert "/api/v1/dossiers/HS-TEST-1/receipt.pdf" in page and "Đã đăng ký hồ sơ" in page
    again = client.post("/dossiers/new", data=_form(csrf_token=csrf, code="HS-TEST-1"))
    assert again.status_code == 409 and "Đã có hồ sơ mang mã này." in again.text


def test_scan_without_javascript(
    login: Login, client: FlaskClient, token: Headers, now_holder: dict[str, Any]
) -> None:
    now_holder["now"] = TUESDAY
    item = register(client, token("center"), 1, "both", "2026-11-30T08:00")["shipments"][0][
        "item_id"
    ]
    postal, csrf = login("hung")

    def scan(item_id: str, event: str = "picked_up", **more: str) -> str:
        r = postal.post(
            "/scan", data={"csrf_token": csrf, "event": event, "item_id": item_id, **more}
        )
        assert r.status_code == 302
        return postal.get("/scan").text

    page = scan(f" {item.lower()} ", location="Bưu cục Nghi Lộc")
    assert 'class="result ok"' in page and "Xã Nghi Lộc" in page
    assert 'value="Bưu cục Nghi Lộc"' in page  # the place is remembered
    assert 'class="result warn"' in scan(item)  # the same scan again
    assert "không có trong hệ thống" in scan("EC999999995VN")
    assert "không phải số hiệu bưu gửi" in scan("12345")
    assert "sai chiều" in scan(item, "delivered")
    assert "Hãy chọn lý do" in scan(item, "delivery_failed")
    assert "Vai trò của bạn không được" in scan(item, "received_by_center")


def test_handover_forms_without_javascript(
    app: Flask, login: Login, client: FlaskClient, token: Headers, now_holder: dict[str, Any]
) -> None:
    now_holder["now"] = TUESDAY
    center, postal = token("center"), token("postal")
    codes = results_due(client, center)
    on_the_way_in(client, center, postal)
    staff, csrf = login("lan")
    empty = staff.post(
        "/handover", data={"csrf_token": csrf, "kind": "to_courier", "courier": "vnpost"}
    )
    assert empty.status_code == 400 and "Hãy chọn hoặc quét ít nhất một bưu gửi." in empty.text
    unknown = staff.post(
        "/handover",
        data={
            "csrf_token": csrf,
            "kind": "to_courier",
            "courier": "vnpost",
            "selected": [codes[0]],
            "scanned": "HS-KHONG-CO",
        },
    )
    assert unknown.status_code == 422 and "HS-KHONG-CO: không có hồ sơ" in unknown.text
    assert "HS-KHONG-CO</textarea>" in unknown.text and re.search(
        rf'value="{re.escape(codes[0])}"[^>]*checked', unknown.text
    )
    made = staff.post(
        "/handover",
        data={
            "csrf_token": csrf,
            "kind": "to_courier",
            "courier": "vnpost",
            "selected": codes[:2],
            "scan": f"https://x/track/{codes[2]}",
        },
    )
    assert made.status_code == 302
    detail = staff.get(made.headers["Location"]).text
    items = re.findall(r'data-item="(\w+)"', detail)
    assert len(items) == 3
    url = made.headers["Location"] + "/confirm"
    nobody = staff.post(url, data={"csrf_token": csrf, "scanned": items[0]})
    assert nobody.status_code == 400 and "Hãy ghi tên người nhận" in nobody.text
    assert f">{items[0]}</textarea>" in nobody.text
    done = staff.post(
        url,
        data={
            "csrf_token": csrf,
            "received_by": "Lê Văn Hùng",
            "scanned": f"{items[0]}\n{codes[1]}",
        },
    )
    assert done.status_code == 302
    result = staff.get(made.headers["Location"]).text
    assert "Khớp: 2 · Thiếu: 1 · Ngoài danh sách: 0" in result
    twice = staff.post(url, data={"csrf_token": csrf, "received_by": "X", "scanned": items[2]})
    assert twice.status_code == 409 and "đã được xác nhận" in twice.text
    assert staff.get("/handover/999").status_code == 404
    labels = staff.get(made.headers["Location"] + "/labels.pdf?size=a4")
    assert labels.status_code == 200 and labels.mimetype == "application/pdf"
    assert staff.get(made.headers["Location"] + "/labels.pdf?size=huge").status_code == 400


def test_the_dashboard_counts(
    login: Login, client: FlaskClient, token: Headers, now_holder: dict[str, Any]
) -> None:
    now_holder["now"] = TUESDAY
    center, postal = token("center"), token("postal")
    results_due(client, center)
    on_the_way_in(client, center, postal)
    staff, _ = login("lan")
    page = staff.get("/dashboard").text
    stats = re.findall(r'<div class="stat[^"]*"><b>(\d+)</b>', page)
    assert stats == ["8", "2", "2", "0"]  # registered today, checkpoints today, overdue, late
    assert csrf_of(page)
