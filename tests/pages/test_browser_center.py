"""Center staff in a real browser: register a dossier with the estimate shown before saving,
print its receipt, and read the dashboard; the login and home pages at phone width."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from labels_test_helpers import read

from tests.pages.conftest import assert_accessible_basics, browser_login
from tests.pages.demo import TUESDAY, delivered_journey, on_the_way_in, results_due

pytestmark = pytest.mark.browser
Headers = Callable[[str], dict[str, str]]


def test_register_a_dossier_see_the_estimate_first_and_print_the_receipt(
    app: Flask,
    staff: dict[str, str],
    phone: Any,
    live_server: str,
    shot: Callable[[Any, str], Any],
    now_holder: dict[str, Any],
) -> None:
    app.config["PUBLIC_BASE_URL"] = live_server
    now_holder["now"] = TUESDAY
    phone.goto("/login")
    assert_accessible_basics(phone)
    shot(phone, "login")
    browser_login(phone, "lan")
    shot(phone, "home-center")
    phone.get_by_role("link", name="Đăng ký hồ sơ").first.click()
    phone.wait_for_url("**/dossiers/new")
    assert_accessible_basics(phone)

    phone.get_by_label("Họ và tên").fill("Nguyễn Thị Ánh Tuyết")
    phone.get_by_label("Số điện thoại").fill("0912 345")  # too short
    phone.get_by_label("Địa chỉ nhận và phát").fill("Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An")
    phone.get_by_label("Thủ tục trong danh mục").select_option("1.002767")
    # The estimate appears while typing, before anything is saved.
    phone.wait_for_selector("#estimate-body dl")
    estimate = phone.locator("#estimate-body").inner_text()
    assert "Xã Mường Xén" in estimate and "ngày làm việc" in estimate

    phone.get_by_role("button", name="Đăng ký hồ sơ").click()
    phone.wait_for_selector("#error-summary")
    assert "8 đến 15 chữ số" in phone.locator("#applicant_phone-error").inner_text()
    assert phone.get_by_label("Họ và tên").input_value() == "Nguyễn Thị Ánh Tuyết"  # kept
    assert phone.get_by_label("Thủ tục trong danh mục").input_value() == "1.002767"
    phone.get_by_label("Số điện thoại").fill("0912 345 678")
    phone.wait_for_selector("#estimate-body dl")
    shot(phone, "dossier-new")
    phone.get_by_role("button", name="Đăng ký hồ sơ").click()
    phone.wait_for_selector(".alert.ok")
    code = phone.locator("h1 .code").inner_text()
    assert code.startswith("000.00.00.H41-261201-")
    shot(phone, "dossier")

    receipt = phone.request.get(
        phone.get_by_role("link", name="In giấy biên nhận (PDF)").get_attribute("href")
    )
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    [page] = read(receipt.body(), dpi=150)
    assert ("QRCode", f"{live_server}/track/{code}") in (page.codes or [])


def test_the_dashboard_shows_today_overdue_and_late_handovers(
    client: FlaskClient,
    token: Headers,
    staff: dict[str, str],
    phone: Any,
    shot: Callable[[Any, str], Any],
    now_holder: dict[str, Any],
) -> None:
    now_holder["now"] = TUESDAY
    center, postal = token("center"), token("postal")
    codes = results_due(client, center)
    items = on_the_way_in(client, center, postal)
    delivered_journey(client, center, postal)
    r = client.post(
        "/api/v1/handovers",
        json={"kind": "to_center", "courier": "vnpost", "item_ids": items[:2]},
        headers=postal,
    )
    assert r.status_code == 201
    browser_login(phone, "lan")
    now_holder["now"] = TUESDAY.replace(hour=8)  # 15:00: the handover waits for 6 hours
    phone.goto("/dashboard")
    assert_accessible_basics(phone)
    stats = phone.locator(".stat b").all_inner_texts()
    assert stats[2] == "5"  # results overdue: two due on 25/11, three due at 11:30 today
    assert codes[3] in phone.locator("#overdue-title + ul").inner_text()
    assert "Số 1" in phone.locator("section[aria-labelledby='handovers-title']").inner_text()
    today = phone.locator("section[aria-labelledby='today-title']").inner_text()
    assert "Bưu điện đã giao cho Trung tâm" in today
    shot(phone, "dashboard")


def test_postal_staff_see_only_their_pages(
    staff: dict[str, str], phone: Any, shot: Callable[[Any, str], Any]
) -> None:
    browser_login(phone, "hung")
    nav = phone.locator("nav.main").inner_text()
    assert "Quét bưu gửi" in nav and "Giao nhận" not in nav and "Tổng quan" not in nav
    shot(phone, "home-postal")
    phone.goto("/handover")
    assert phone.locator("h1").inner_text() == "Không dành cho vai trò của bạn"
