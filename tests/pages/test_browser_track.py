"""Citizens in a real browser: from the QR code printed on a label to the tracking page, its
timeline in Vietnamese and then in English, and the friendly page for an unknown code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from labels_test_helpers import read

from tests.pages.conftest import assert_accessible_basics
from tests.pages.demo import TUESDAY, delivered_journey

pytestmark = pytest.mark.browser
Headers = Callable[[str], dict[str, str]]


def test_the_qr_code_of_a_label_opens_the_timeline_in_vietnamese_and_english(
    app: Flask,
    client: FlaskClient,
    token: Headers,
    live_server: str,
    phone: Any,
    shot: Callable[[Any, str], Any],
    now_holder: dict[str, Any],
) -> None:
    app.config["PUBLIC_BASE_URL"] = live_server  # the QR code points at this server
    now_holder["now"] = TUESDAY
    center, postal = token("center"), token("postal")
    journey = delivered_journey(client, center, postal)

    label = client.get(f"/api/v1/shipments/{journey['outbound']}/label.pdf", headers=center)
    assert label.status_code == 200
    [page] = read(label.data)
    urls = [content for kind, content in page.codes or [] if kind == "QRCode"]
    assert urls == [f"{live_server}/track/{journey['outbound']}"]

    phone.goto(urls[0])
    assert phone.locator("html").get_attribute("lang") == "vi"
    assert phone.locator(".status-big").inner_text() == "Đã phát thành công"
    steps = phone.locator("ol.timeline li strong").all_inner_texts()
    assert steps[0] == "Đã phát thành công" and steps[-1] == "Bưu điện đã nhận hồ sơ"
    assert "Trung tâm đã tiếp nhận" in steps and len(steps) == 9
    timeline = phone.locator("ol.timeline").inner_text()
    assert "Bưu cục Kỳ Sơn" in timeline and "16:40" in timeline
    assert "Nguyễn T. Á. T***" in phone.content()
    for secret in ("Ánh Tuyết", "0912", "345 678", "Huồi Giảng"):
        assert secret not in phone.content()
    assert_accessible_basics(phone)
    shot(phone, "track-vi")

    phone.get_by_role("link", name="English").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator(".status-big").inner_text() == "Delivered"
    steps = phone.locator("ol.timeline li strong").all_inner_texts()
    assert steps[0] == "Delivered" and steps[-1] == "Picked up by the post"
    assert "Received by the center" in steps
    assert "Journey" in phone.locator("h2").all_inner_texts()
    shot(phone, "track-en")


def test_the_search_form_and_an_unknown_code_without_javascript(
    browser: Any, live_server: str, client: FlaskClient, token: Headers, shot: Any
) -> None:
    journey = delivered_journey(client, token("center"), token("postal"))
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/track")
        assert_accessible_basics(page)
        shot(page, "track-form")
        page.get_by_label("Mã hồ sơ hoặc số hiệu bưu gửi").fill("EC999999999VN")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Không tìm thấy mã này" in page.locator("h1").inner_text()
        shot(page, "track-unknown")
        page.get_by_label("Mã hồ sơ hoặc số hiệu bưu gửi").fill(journey["code"].lower())
        with page.expect_navigation():
            page.get_by_role("button", name="Tra cứu").click()
        assert page.locator(".status-big").inner_text() == "Đã phát thành công"
    finally:
        context.close()
