"""Center staff in a real browser: build a handover of results by ticking and scanning, print
its record and labels, confirm it with the postal worker's scans (one envelope missing), and
receive dossiers from the post the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from labels_test_helpers import read

from tests.pages.conftest import assert_accessible_basics, browser_login
from tests.pages.demo import TUESDAY, on_the_way_in, results_due

pytestmark = pytest.mark.browser
Headers = Callable[[str], dict[str, str]]


def _scan(page: Any, field: str, text: str) -> None:
    page.locator(field).fill(text)
    page.locator(field).press("Enter")


def test_build_print_and_confirm_a_handover_with_one_missing_item(
    client: FlaskClient,
    token: Headers,
    staff: dict[str, str],
    phone: Any,
    live_server: str,
    shot: Callable[[Any, str], Any],
    now_holder: dict[str, Any],
) -> None:
    now_holder["now"] = TUESDAY
    center, postal = token("center"), token("postal")
    codes = results_due(client, center)  # 3 due today, 2 overdue
    on_the_way_in(client, center, postal)
    browser_login(phone, "lan")
    phone.goto("/handover")
    assert_accessible_basics(phone)
    group = phone.locator("form.batch").first
    assert group.locator('input[name="selected"]').count() == 5
    assert phone.locator(".badge.err").count() == 2  # the overdue ones
    shot(phone, "handover")

    # Tick one, scan the receipt QR of another (its URL), scan a third by its code.
    group.locator(f'input[data-codes^="{codes[3]} "]').check()
    _scan(phone, "#scan-1", f"{live_server}/track/{codes[0]}")
    assert "state-matched" in group.locator(".batch-answer").get_attribute("class")
    _scan(phone, "#scan-1", codes[1])
    assert group.locator('input[name="selected"]:checked').count() == 3
    group.get_by_role("button", name="Tạo biên bản giao nhận").click()
    phone.wait_for_url("**/handover/*")
    assert_accessible_basics(phone)
    listed = phone.locator("#expected li").evaluate_all("els => els.map(e => e.dataset.item)")
    assert len(listed) == 3

    # The record and the labels print from the page's links (the login's cookie suffices).
    manifest = phone.request.get(
        phone.get_by_role("link", name="In biên bản giao nhận (PDF)").get_attribute("href")
    )
    assert manifest.status == 200 and manifest.headers["content-type"] == "application/pdf"
    labels = phone.request.get(phone.url + "/labels.pdf?size=100x150")
    assert labels.status == 200
    printed = [
        c for page in read(labels.body()) for kind, c in page.codes or [] if kind == "Code128"
    ]
    assert sorted(printed) == sorted(listed)

    # The postal worker takes two of the three, and one envelope that is not on the record.
    phone.locator("#received_by").fill("Lê Văn Hùng")
    _scan(phone, "#confirm-scan", listed[0])
    _scan(phone, "#confirm-scan", listed[2].lower())
    _scan(phone, "#confirm-scan", "EC999999995VN")
    assert "state-unexpected" in phone.locator("#confirm-answer").get_attribute("class")
    assert phone.locator("#expected li.picked").count() == 2
    phone.get_by_role("button", name="Xác nhận: đối chiếu và ghi nhận").click()
    phone.wait_for_selector("#confirm-result")
    assert phone.locator('ul[data-state="matched"] li').count() == 2
    assert phone.locator('ul[data-state="missing"] li').inner_text().startswith(listed[1])
    assert phone.locator('ul[data-state="unexpected"] li').count() == 1
    shot(phone, "handover-confirmed")

    for item, want in zip(
        listed, ["handed_to_courier", "label_created", "handed_to_courier"], strict=True
    ):
        assert client.get(f"/api/v1/shipments/{item}", headers=center).json["status"] == want


def test_receive_dossiers_from_the_post(
    client: FlaskClient,
    token: Headers,
    staff: dict[str, str],
    phone: Any,
    now_holder: dict[str, Any],
) -> None:
    now_holder["now"] = TUESDAY
    center, postal = token("center"), token("postal")
    items = on_the_way_in(client, center, postal)
    browser_login(phone, "lan")
    phone.goto("/handover?kind=to_center")
    for item in items[:2]:  # what the postal worker brought
        _scan(phone, "#scan-1", item)
    phone.get_by_role("button", name="Tạo biên bản giao nhận").click()
    phone.wait_for_url("**/handover/*")
    phone.locator("#received_by").fill("Trần Thị Lan")
    for item in items[:2]:
        _scan(phone, "#confirm-scan", item)
    phone.get_by_role("button", name="Xác nhận: đối chiếu và ghi nhận").click()
    phone.wait_for_selector("#confirm-result")
    assert phone.locator('ul[data-state="matched"] li').count() == 2
    for item, want in zip(
        items, ["received_by_center", "received_by_center", "picked_up"], strict=True
    ):
        assert client.get(f"/api/v1/shipments/{item}", headers=center).json["status"] == want
