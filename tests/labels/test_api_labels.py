"""The document endpoints through HTTP and the real database, read back the way a scanner and a
person read them: every Code 128 is exactly the identifier, every QR code exactly the URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from labels_test_helpers import read
from sqlalchemy import update

from labels.receipt import DUE_UNKNOWN
from tests.conftest import FIXED_NOW, dossier_body
from tracking import handovers
from tracking.accounts import create_user
from tracking.models import Dossier

Headers = Callable[[str], dict[str, str]]
TRACK = "https://track.example.vn/track/"
CITIZEN = "Nguyễn Thị Ánh Tuyết"
CENTER = "Trung tâm Phục vụ hành chính công tỉnh Nghệ An"
SIZES_TEXT = "100x150, a6, dl, a4"


def _dossier(client: FlaskClient, h: dict[str, str], **over: Any) -> dict[str, Any]:
    r = client.post("/api/v1/dossiers", json=dossier_body(**{"service": "both", **over}), headers=h)
    assert r.status_code == 201, r.data
    return r.json


def _shipment(client: FlaskClient, h: dict[str, str], code: str, direction: str) -> str:
    r = client.post(f"/api/v1/dossiers/{code}/shipments", json={"direction": direction}, headers=h)
    assert r.status_code in (200, 201), r.data
    return r.json["item_id"]


def _codes(item_id: str) -> list[tuple[str, str]]:
    return [("Code128", item_id), ("QRCode", TRACK + item_id)]


def _local(iso: str) -> str:
    """How the documents print a time the API gives with the center's offset."""
    return f"{datetime.fromisoformat(iso):%H:%M ngày %d/%m/%Y}"


def _assert_error(resp: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.data
    assert resp.is_json, resp.data
    err = resp.json["error"]
    if field is not None:
        assert err.get("field") == field, err
    return err


# ── single labels ────────────────────────────────────────────────────────────────────────────
def test_every_size_scans_to_the_item_and_its_tracking_url(
    client: FlaskClient, token: Headers
) -> None:
    h = token("center")
    code = _dossier(client, h)["code"]
    item = _shipment(client, h, code, "outbound")
    for size, dpi in (("100x150", 203), ("a6", 203), ("dl", 203), ("a4", 150)):
        r = client.get(f"/api/v1/shipments/{item}/label.pdf?size={size}", headers=h)
        assert r.status_code == 200, r.data
        assert r.mimetype == "application/pdf"
        assert r.headers["Content-Disposition"] == f'inline; filename="label-{item}-{size}.pdf"'
        assert "no-store" in r.headers["Cache-Control"]
        (page,) = read(r.data, dpi)
        assert page.codes == _codes(item), size


def test_default_size_is_100x150_and_sizes_ignore_case(client: FlaskClient, token: Headers) -> None:
    h = token("postal")
    code = _dossier(client, h)["code"]
    inbound = _shipment(client, h, code, "inbound")
    r = client.get(f"/api/v1/shipments/{inbound.lower()}/label.pdf", headers=h)
    assert r.status_code == 200, r.data
    assert r.headers["Content-Disposition"] == f'inline; filename="label-{inbound}-100x150.pdf"'
    (page,) = read(r.data, None)
    assert page.size == pytest.approx((100 * 72 / 25.4, 150 * 72 / 25.4), abs=0.01)
    r = client.get(f"/api/v1/shipments/{inbound}/label.pdf?size=A6", headers=h)
    assert r.status_code == 200 and "-a6.pdf" in r.headers["Content-Disposition"]


def test_outbound_label_reads_whole_in_vietnamese(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    code = _dossier(client, h)["code"]
    item = _shipment(client, h, code, "outbound")
    r = client.get(f"/api/v1/shipments/{item}/label.pdf", headers=h)
    (page,) = read(r.data, None)
    for expected in (
        CITIZEN,
        "Xã Mường Xén, tỉnh Nghệ An",
        "ĐT: 0912345678",
        CENTER,
        f"Mã hồ sơ: {code}",
        "Thủ tục: Thủ tục hành chính",  # registered with processing days, no procedure
        "Ngày tạo: 10:00 ngày 28/11/2026",  # 03:00 UTC, printed in Vinh
    ):
        assert expected in page.lines, (expected, page.lines)
    assert "NHẬN KẾT QUẢ" in page.text
    assert "Đơn vị chuyển phát: Bưu điện Việt Nam (VNPost)" in " ".join(page.lines)
    # The result goes to the citizen: the citizen is the recipient, the center the sender.
    assert page.lines.index("NGƯỜI NHẬN") < page.lines.index(CITIZEN)
    assert page.lines.index("NGƯỜI GỬI") < page.lines.index(CENTER)
    assert not any(line.startswith("Hạn trả kết quả") for line in page.lines)  # not known yet


def test_inbound_label_goes_from_the_citizen_to_the_center(
    client: FlaskClient, token: Headers
) -> None:
    h = token("postal")
    dossier = _dossier(client, h)
    (inbound,) = (s["item_id"] for s in dossier["shipments"] if s["direction"] == "inbound")
    (page,) = read(client.get(f"/api/v1/shipments/{inbound}/label.pdf", headers=h).data, 203)
    assert page.codes == _codes(inbound)
    assert "GỬI HỒ SƠ" in page.text
    recipient_at = page.lines.index("NGƯỜI NHẬN")
    assert " ".join(page.lines[recipient_at + 1 : recipient_at + 3]) == CENTER
    assert page.lines.index("NGƯỜI GỬI") < page.lines.index(CITIZEN)


def test_result_label_prints_the_procedure_and_due_date(
    client: FlaskClient, token: Headers
) -> None:
    h = token("center")
    dossier = _dossier(
        client, h, service="receive_result", procedure_code="1.002767", processing_days=None
    )
    assert dossier["due_at"]
    item = _shipment(client, h, dossier["code"], "outbound")
    (page,) = read(client.get(f"/api/v1/shipments/{item}/label.pdf", headers=h).data, None)
    joined = " ".join(page.lines)
    assert "Thủ tục: Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam" in joined
    assert f"Hạn trả kết quả: {_local(dossier['due_at'])}" in page.lines


# ── ZPL ──────────────────────────────────────────────────────────────────────────────────────
def test_zpl_carries_the_item_id_url_and_text(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    code = _dossier(client, h)["code"]
    item = _shipment(client, h, code, "outbound")
    for size, width in (("100x150", 799), ("a6", 839)):
        r = client.get(f"/api/v1/shipments/{item}/label.zpl?size={size}", headers=h)
        assert r.status_code == 200, r.data
        assert r.content_type == "text/plain; charset=utf-8"
        assert r.headers["Content-Disposition"] == f'inline; filename="label-{item}-{size}.zpl"'
        zpl = r.get_data(as_text=True)
        assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
        assert f"^PW{width}" in zpl
        assert f"^FD{item}^FS" in zpl  # the Code 128 field
        assert f"^FDMA,{TRACK}{item}^FS" in zpl  # the QR field
        assert f"^FD{CITIZEN}^FS" in zpl
    for size in ("a4", "DL"):
        r = client.get(f"/api/v1/shipments/{item}/label.zpl?size={size}", headers=h)
        err = _assert_error(r, 400, "size")
        assert "sizes 100x150, a6 only" in err["message"]
    err = _assert_error(client.get(f"/api/v1/shipments/{item}/label.zpl?size=b5", headers=h), 400)
    assert err["field"] == "size" and "100x150, a6" in err["message"]


# ── a batch ──────────────────────────────────────────────────────────────────────────────────
def test_batch_is_one_pdf_in_the_order_asked(client: FlaskClient, token: Headers) -> None:
    h = token("postal")
    ids = []
    for _ in range(3):
        dossier = _dossier(client, h)
        ids.append(_shipment(client, h, dossier["code"], "outbound"))
        ids.append(_shipment(client, h, dossier["code"], "inbound"))
    ids = ids[:5]
    r = client.post("/api/v1/labels", json={"item_ids": ids, "size": "100x150"}, headers=h)
    assert r.status_code == 200, r.data
    assert r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == 'inline; filename="labels-5-100x150.pdf"'
    pages = read(r.data, 203)
    assert [page.codes for page in pages] == [_codes(item) for item in ids]

    asked = [ids[0].lower(), *ids[1:]]  # as a person might type one
    r = client.post("/api/v1/labels", json={"item_ids": asked, "size": "A4"}, headers=h)
    assert r.status_code == 200, r.data
    first, second = read(r.data, 150)
    assert first.codes == sorted(pair for item in ids[:4] for pair in _codes(item))
    assert second.codes == _codes(ids[4])


def test_batch_refuses_bad_requests(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    code = _dossier(client, h)["code"]
    item = _shipment(client, h, code, "outbound")
    missing = "EC999999995VN"

    err = _assert_error(
        client.post("/api/v1/labels", json={"item_ids": [item, missing]}, headers=h),
        404,
        "item_ids.1",
    )
    assert missing in err["message"]
    err = _assert_error(
        client.post("/api/v1/labels", json={"item_ids": [item], "size": "b5"}, headers=h),
        400,
        "size",
    )
    assert SIZES_TEXT in err["message"]
    for body, field in (
        ({"item_ids": []}, "item_ids"),
        ({"item_ids": [item] * 1001}, "item_ids"),
        ({"item_ids": ["not-an-item"]}, "item_ids.0"),
        ({"item_ids": [item], "copies": 2}, "copies"),
        ({"size": "a6"}, "item_ids"),
    ):
        _assert_error(client.post("/api/v1/labels", json=body, headers=h), 400, field)
    _assert_error(client.post("/api/v1/labels", data="x", headers=h), 415)


# ── handover record and receipt ──────────────────────────────────────────────────────────────
def test_manifest_lists_every_item_with_a_code128_that_scans(
    app: Flask, client: FlaskClient, token: Headers
) -> None:
    h = token("center")
    codes, ids = [], []
    for _ in range(3):
        code = _dossier(client, h)["code"]
        codes.append(code)
        ids.append(_shipment(client, h, code, "outbound"))
    with app.extensions["tracking.sessionmaker"]() as s:
        s.execute(update(Dossier).where(Dossier.code == codes[0]).values(commune_name="Xã Tri Lễ"))
        s.commit()
    r = client.post(
        "/api/v1/handovers",
        json={"kind": "to_courier", "courier": "vnpost", "item_ids": ids},
        headers=h,
    )
    assert r.status_code == 201, r.data
    handover = r.json["id"]
    assert r.json["manifest_url"].endswith(f"/api/v1/handovers/{handover}/manifest.pdf")

    r = client.get(f"/api/v1/handovers/{handover}/manifest.pdf", headers=h)
    assert r.status_code == 200, r.data
    assert r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == f'inline; filename="handover-{handover}.pdf"'
    (page,) = read(r.data, 203)
    assert sorted(text for kind, text in page.codes if kind == "Code128") == sorted(ids)
    assert "BIÊN BẢN GIAO NHẬN BƯU GỬI" in page.lines
    assert f"Số: {handover} – Trung tâm giao kết quả cho bưu chính" in page.lines
    assert "Thời gian: 10:00 ngày 28/11/2026" in page.text
    for code in codes:
        assert code in page.text
    assert f"{codes[0]} Xã Tri Lễ" in page.lines  # a row's cells share a baseline
    assert "Tổng số bưu gửi: 3" in page.lines

    r = client.post(
        f"/api/v1/handovers/{handover}/confirm",
        json={"scanned": [*ids, "EC999999995VN"], "received_by": "Lê Thị Hương"},
        headers=h,
    )
    assert r.status_code == 200, r.data
    (page,) = read(client.get(f"/api/v1/handovers/{handover}/manifest.pdf", headers=h).data, None)
    assert "Lê Thị Hương" in page.text  # the courier's representative, from the confirmation
    assert "EC999999995VN" not in page.text.replace(" ", "")  # not on the list both signed
    assert "Tổng số bưu gửi: 3" in page.lines


def test_manifest_names_the_giving_side_when_a_staff_login_of_that_side_made_it(
    app: Flask, client: FlaskClient, token: Headers
) -> None:
    h = token("center")
    dossier = _dossier(client, h)
    outbound = _shipment(client, h, dossier["code"], "outbound")
    inbound = _shipment(client, h, dossier["code"], "inbound")
    with app.extensions["tracking.sessionmaker"]() as s:
        create_user(s, "duc", "center", "mật khẩu dài", now=FIXED_NOW, full_name="Trần Văn Đức")
        at, by = FIXED_NOW, "user:duc"
        results = handovers.create(s, "to_courier", "vnpost", [outbound], actor=by, now=at)
        dossiers = handovers.create(s, "to_center", "vnpost", [inbound], actor=by, now=at)
        s.commit()
        ids = results.id, dossiers.id
    (page,) = read(client.get(f"/api/v1/handovers/{ids[0]}/manifest.pdf", headers=h).data, None)
    assert any(
        line.startswith("Bên giao: Trung tâm") and line.endswith("đại diện: Trần Văn Đức")
        for line in page.lines
    ), page.lines
    # On a to_center record the giving side is the post: a center login does not sign for it.
    (page,) = read(client.get(f"/api/v1/handovers/{ids[1]}/manifest.pdf", headers=h).data, None)
    assert "Trần Văn Đức" not in page.text
    assert any(line.startswith("Bên giao: Bưu điện Việt Nam") for line in page.lines)


def test_receipt_scans_to_the_dossier_code_and_its_tracking_url(
    client: FlaskClient, token: Headers
) -> None:
    h = token("postal")
    code = _dossier(client, h)["code"]
    r = client.get(f"/api/v1/dossiers/{code}/receipt.pdf", headers=h)
    assert r.status_code == 200, r.data
    assert r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == f'inline; filename="receipt-{code}.pdf"'
    (page,) = read(r.data, 203)
    assert page.codes == [("Code128", code), ("QRCode", TRACK + code)]
    joined = " ".join(page.lines)
    for expected in (
        "GIẤY BIÊN NHẬN HỒ SƠ",
        CITIZEN,
        "09:00 ngày 26/11/2026",  # collected by the post (submitted_at), in Vinh
        DUE_UNKNOWN,  # the center has not received it yet
        "Gửi hồ sơ và nhận kết quả qua dịch vụ bưu chính công ích",
        "Thủ tục hành chính",
    ):
        assert expected in joined, expected


def test_receipt_of_a_received_dossier_gives_its_due_date(
    client: FlaskClient, token: Headers
) -> None:
    h = token("center")
    dossier = _dossier(client, h, service="receive_result")
    (page,) = read(client.get(f"/api/v1/dossiers/{dossier['code']}/receipt.pdf", headers=h).data)
    assert page.codes == [("Code128", dossier["code"]), ("QRCode", TRACK + dossier["code"])]
    joined = " ".join(page.lines)
    assert _local(dossier["due_at"]) in joined
    assert "Nhận kết quả qua dịch vụ bưu chính công ích" in joined


# ── errors and access ────────────────────────────────────────────────────────────────────────
def test_unknown_things_are_404_json_and_a_bad_size_400(
    client: FlaskClient, token: Headers
) -> None:
    h = token("center")
    code = _dossier(client, h)["code"]
    item = _shipment(client, h, code, "outbound")
    for path in (
        "/api/v1/shipments/EC999999995VN/label.pdf",
        "/api/v1/shipments/EC999999995VN/label.zpl",
        "/api/v1/shipments/nonsense/label.pdf",
        "/api/v1/dossiers/NO-SUCH-CODE/receipt.pdf",
        "/api/v1/handovers/999/manifest.pdf",
    ):
        assert _assert_error(client.get(path, headers=h), 404)["code"] == "not_found", path
    for size in ("b5", "", "100X150mm"):
        r = client.get(f"/api/v1/shipments/{item}/label.pdf?size={size}", headers=h)
        err = _assert_error(r, 400, "size")
        assert SIZES_TEXT in err["message"]


def test_documents_need_a_staff_token(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    code = _dossier(client, h)["code"]
    item = _shipment(client, h, code, "outbound")
    for path in (
        f"/api/v1/shipments/{item}/label.pdf",
        f"/api/v1/shipments/{item}/label.zpl",
        f"/api/v1/dossiers/{code}/receipt.pdf",
        "/api/v1/handovers/1/manifest.pdf",
    ):
        _assert_error(client.get(path), 401)
    _assert_error(client.post("/api/v1/labels", json={"item_ids": [item]}), 401)
    bad = {"Authorization": "Bearer nope"}
    _assert_error(client.get(f"/api/v1/shipments/{item}/label.pdf", headers=bad), 401)
    r = client.get(f"/api/v1/shipments/{item}/label.pdf", headers=token("admin"))
    assert r.status_code == 200


def test_openapi_describes_the_documents(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").json
    paths = doc["paths"]
    for path, media in (
        ("/api/v1/shipments/{item_id}/label.pdf", "application/pdf"),
        ("/api/v1/shipments/{item_id}/label.zpl", "text/plain"),
        ("/api/v1/handovers/{handover_id}/manifest.pdf", "application/pdf"),
        ("/api/v1/dossiers/{code}/receipt.pdf", "application/pdf"),
    ):
        assert media in paths[path]["get"]["responses"]["200"]["content"]
    batch = paths["/api/v1/labels"]["post"]
    assert "application/pdf" in batch["responses"]["200"]["content"]
    assert batch["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/LabelsIn"
    )
    labels_in = doc["components"]["schemas"]["LabelsIn"]
    assert labels_in["additionalProperties"] is False
    assert labels_in["properties"]["item_ids"]["maxItems"] == 1000
