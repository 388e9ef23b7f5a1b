"""A demo day at the center, made through the JSON API: results due today and overdue, dossiers
on their way in, a delivered result with its whole journey. The page tests and the browser
tests (and the user guide's screenshots) use it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient

# Tuesday 1/12/2026, 09:00 in Vinh: a working day, so some results are due "today".
TUESDAY = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Nguyễn Thị Ánh Tuyết", "0912 345 678", "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An"),
    ("Hồ Văn Minh", "0987 654 321", "Xóm 3, xã Nghi Lộc, tỉnh Nghệ An"),
    ("Lô Thị Hoa", "0977 111 222", "Bản Xiềng, xã Con Cuông, tỉnh Nghệ An"),
    ("Phạm Quốc Bảo", "0904 555 666", "12 Lê Lợi, phường Thành Vinh, tỉnh Nghệ An"),
    ("Vi Văn Sơn", "0915 777 888", "Bản Mường Hinh, xã Quế Phong, tỉnh Nghệ An"),
    ("Đặng Thu Hà", "0936 999 000", "Khối 4, phường Cửa Lò, tỉnh Nghệ An"),
    ("Lương Thị Mai", "0944 121 314", "Xóm Trung, xã Diễn Châu, tỉnh Nghệ An"),
    ("Kha Văn Tú", "0965 151 617", "Bản Cửa Rào, xã Tương Dương, tỉnh Nghệ An"),
)
PROCEDURES = ("1.002767", "1.002835", "1.004227", "1.005085", "2.001199")


def register(
    client: FlaskClient,
    headers: dict[str, str],
    person: int,
    service: str,
    submitted_at: str,
    **more: Any,
) -> dict[str, Any]:
    name, phone, address = PEOPLE[person % len(PEOPLE)]
    body: dict[str, Any] = {
        "service": service,
        "applicant": {"name": name, "phone": phone, "address": address},
        "submitted_at": submitted_at,
        **more,
    }
    if "procedure_code" not in body and "processing_days" not in body:
        body["processing_days"] = 3
    r = client.post("/api/v1/dossiers", json=body, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def scan(
    client: FlaskClient, headers: dict[str, str], item: str, event: str, at: str, place: str
) -> None:
    r = client.post(
        "/api/v1/scans",
        json={"item_id": item, "event": event, "occurred_at": at, "location": place},
        headers=headers,
    )
    assert r.status_code in (200, 201), r.json


def results_due(client: FlaskClient, center: dict[str, str]) -> list[str]:
    """Three results due today (Tuesday 11:30) and two overdue, none with the post yet."""
    codes = []
    for person in range(3):
        codes.append(register(client, center, person, "receive_result", "2026-11-26T09:00")["code"])
    for person in range(3, 5):
        codes.append(register(client, center, person, "receive_result", "2026-11-20T09:00")["code"])
    return codes


def on_the_way_in(client: FlaskClient, center: dict[str, str], postal: dict[str, str]) -> list[str]:
    """Three dossiers the post collected on Monday; two of them handed to the center."""
    items = []
    for person in range(5, 8):
        d = register(client, center, person, "both", "2026-11-30T08:00")
        item = d["shipments"][0]["item_id"]
        scan(client, postal, item, "picked_up", "2026-11-30T08:30", "Bưu cục Diễn Châu")
        items.append(item)
    for item in items[:2]:
        scan(client, postal, item, "handed_to_center", "2026-12-01T08:00", "Bưu điện tỉnh Nghệ An")
    return items


def delivered_journey(
    client: FlaskClient, center: dict[str, str], postal: dict[str, str]
) -> dict[str, Any]:
    """A dossier collected, received, processed and its result delivered (the whole timeline)."""
    d = register(
        client, center, 0, "both", "2026-11-23T08:10", procedure_code="1.005092"
    )  # half a day of processing
    inbound = d["shipments"][0]["item_id"]
    scan(client, postal, inbound, "picked_up", "2026-11-23T08:10", "Bưu cục Mường Xén")
    scan(client, postal, inbound, "at_post_office", "2026-11-23T16:40", "Bưu cục Kỳ Sơn")
    scan(client, postal, inbound, "handed_to_center", "2026-11-24T14:05", "Bưu điện tỉnh Nghệ An")
    scan(client, center, inbound, "received_by_center", "2026-11-24T14:20", "Quầy số 3")
    r = client.post(
        f"/api/v1/dossiers/{d['code']}/shipments", json={"direction": "outbound"}, headers=center
    )
    outbound = r.json["item_id"]
    scan(client, center, outbound, "result_ready", "2026-11-25T10:00", "Sở Giáo dục và Đào tạo")
    scan(client, center, outbound, "handed_to_courier", "2026-11-25T15:30", "Quầy số 3")
    scan(client, postal, outbound, "at_post_office", "2026-11-26T09:15", "Bưu cục Mường Xén")
    scan(client, postal, outbound, "out_for_delivery", "2026-11-27T07:40", "Bưu cục Mường Xén")
    scan(client, postal, outbound, "delivered", "2026-11-27T10:25", "Bản Huồi Giảng 1")
    return {"code": d["code"], "inbound": inbound, "outbound": outbound}
