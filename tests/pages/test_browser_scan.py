"""Postal staff in a real browser: log in with the keyboard, scan item after item into the one
focused field (typed, ending with Enter, as a scanner does), and see each answer at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.pages.conftest import assert_accessible_basics, browser_login, wait_for_focus
from tests.pages.demo import TUESDAY, register

pytestmark = pytest.mark.browser
Headers = Callable[[str], dict[str, str]]


def _items(client: FlaskClient, center: dict[str, str], count: int) -> list[str]:
    return [
        register(client, center, person, "both", "2026-11-30T08:00")["shipments"][0]["item_id"]
        for person in range(count)
    ]


def test_three_scans_typed_with_enter_each_answer_at_once(
    client: FlaskClient,
    token: Headers,
    staff: dict[str, str],
    phone: Any,
    shot: Callable[[Any, str], Any],
    now_holder: dict[str, Any],
) -> None:
    now_holder["now"] = TUESDAY
    center = token("center")
    items = _items(client, center, 3)
    browser_login(phone, "hung")
    phone.goto("/scan")
    assert_accessible_basics(phone)
    field = phone.locator("#item")
    wait_for_focus(phone, "item")
    assert phone.locator('input[name="event"]:checked').get_attribute("value") == "picked_up"
    phone.locator("#location").fill("Bưu cục Diễn Châu")
    phone.keyboard.press("Enter")  # Enter in another field brings the cursor back
    wait_for_focus(phone, "item")

    result = phone.locator("#result")
    rows = phone.locator("#scan-list li")
    for n, item in enumerate(items, start=1):
        phone.keyboard.type(item.lower() if n == 2 else item)  # a scanner types; case is free
        phone.keyboard.press("Enter")
        phone.wait_for_function(f"document.querySelectorAll('#scan-list li').length === {n}")
        assert "ok" in result.get_attribute("class")
        assert item in result.inner_text() and "Bưu điện đã nhận hồ sơ" in result.inner_text()
        assert field.input_value() == ""
        assert phone.evaluate("document.activeElement.id") == "item"  # ready for the next one
    assert "Xã Mường Xén" in rows.nth(2).inner_text()  # the first scan, at the bottom

    # The same item again within the minute: a warning, not a second checkpoint.
    phone.keyboard.type(items[0])
    phone.keyboard.press("Enter")
    phone.wait_for_function("document.querySelectorAll('#scan-list li').length === 4")
    assert "warn" in result.get_attribute("class")
    # An item nobody registered, and one that is not an item number at all.
    for typed, count in (("EC999999995VN", 5), ("HS-123", 6)):
        phone.keyboard.type(typed)
        phone.keyboard.press("Enter")
        phone.wait_for_function(f"document.querySelectorAll('#scan-list li').length === {count}")
        assert "err" in result.get_attribute("class")
    # Wrong direction: a dossier on its way in cannot be "out for delivery".
    phone.locator('input[value="out_for_delivery"]').check()
    field.focus()
    phone.keyboard.type(items[1])
    phone.keyboard.press("Enter")
    phone.wait_for_function("document.querySelectorAll('#scan-list li').length === 7")
    assert "err" in result.get_attribute("class")
    assert "/7" not in phone.locator("#counts").inner_text()
    phone.locator('input[value="picked_up"]').check()
    shot(phone, "scan")

    for item in items:
        got = client.get(f"/api/v1/shipments/{item}", headers=center).json
        assert got["status"] == "picked_up"
        assert [t["location"] for t in got["timeline"]] == ["Bưu cục Diễn Châu"]
        assert got["timeline"][0]["source"] == "scan"


def test_a_failed_delivery_needs_its_reason_and_the_page_works_without_javascript(
    browser: Any,
    live_server: str,
    client: FlaskClient,
    token: Headers,
    staff: dict[str, str],
    now_holder: dict[str, Any],
) -> None:
    now_holder["now"] = TUESDAY
    center = token("center")
    code = register(client, center, 1, "receive_result", "2026-11-26T09:00")["code"]
    r = client.post(
        f"/api/v1/dossiers/{code}/shipments", json={"direction": "outbound"}, headers=center
    )
    item = r.json["item_id"]
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        browser_login(page, "hung")
        page.goto("/scan")
        page.get_by_role("radio", name="Phát không thành công").check()
        page.locator("#item").fill(item)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "err" in page.locator("#result").get_attribute("class")  # no reason chosen
        page.get_by_label("Vì sao phát không thành công?").select_option("moved")
        page.locator("#item").fill(item)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "ok" in page.locator("#result").get_attribute("class")
        assert item in page.locator("#scan-list").inner_text()
    finally:
        context.close()
    got = client.get(f"/api/v1/shipments/{item}", headers=center).json
    assert got["status"] == "delivery_failed"
