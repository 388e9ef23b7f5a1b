"""Fixtures of the page tests: staff accounts, logged-in test clients, a demo day of dossiers,
and for the browser tests (``test_browser_*.py``) Debian's Chromium driven by Playwright.

The browser is never downloaded (``playwright install`` is not used): the tests drive
``/usr/bin/chromium``, which ``.ci/run`` installs with apt. When it is missing the browser tests
fail, they do not skip. Screenshots (360 px wide) go to ``$SCREENSHOTS_DIR`` when set — the
user guide's pictures are made with ``SCREENSHOTS_DIR=docs/img python -m pytest -m browser`` —
and to a temporary folder otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests.conftest import FIXED_NOW
from tracking.accounts import create_user

# The label readers of tests/labels/helpers.py, under the name tests/labels/conftest.py gives them
# (pytest's importlib mode puts no test folder on sys.path).
HELPERS = "labels_test_helpers"
if HELPERS not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        HELPERS, Path(__file__).parents[1] / "labels" / "helpers.py"
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules[HELPERS] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[HELPERS])

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "mật-khẩu-dài-1"
STAFF = {
    "lan": ("center", "Trần Thị Lan"),
    "hung": ("postal", "Lê Văn Hùng"),
    "root": ("admin", "Quản trị viên"),
}
PHONE_WIDTH = 360
NO_DITHER = Image.Dither.NONE


@pytest.fixture
def staff(app: Flask) -> dict[str, str]:
    """Three accounts, one per role: username → role."""
    with app.extensions["tracking.sessionmaker"]() as s:
        for username, (role, full_name) in STAFF.items():
            create_user(s, username, role, PASSWORD, now=FIXED_NOW, full_name=full_name)
        s.commit()
    return {u: r for u, (r, _n) in STAFF.items()}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


@pytest.fixture
def login(app: Flask, staff: dict[str, str]) -> Callable[[str], tuple[FlaskClient, str]]:
    """``login("lan")`` → a test client logged in as that user, and its CSRF token."""

    def make(username: str) -> tuple[FlaskClient, str]:
        client = app.test_client()
        token = csrf_of(client.get("/login").text)
        r = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert r.status_code == 302, r.text
        return client, csrf_of(client.get("/").text)

    return make


# ── the browser ──────────────────────────────────────────────────────────────────────────────
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium); "
            "the browser tests never download a browser"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Any, live_server: str) -> Iterator[Any]:
    """A page 360 px wide, as on a small phone, with the live server as its base URL."""
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": PHONE_WIDTH, "height": 740},
        device_scale_factor=1,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # An answer of 4xx is logged by the browser as "Failed to load resource": expected here.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("SCREENSHOTS_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def shot(screenshots: Path) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot and check that nothing sticks out sideways."""

    def take(page: Any, name: str) -> Path:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name}: {width} px wide, overflows"
        path = screenshots / f"page-{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
        # 64 colours are plenty for flat pages and make the files a third of the size.
        with Image.open(path) as image:
            flat = image.convert("RGB").quantize(64, Image.Quantize.MEDIANCUT, dither=NO_DITHER)
        flat.save(path, optimize=True)
        return path

    return take


def wait_for_focus(page: Any, element_id: str) -> None:
    page.wait_for_function(
        f"document.activeElement && document.activeElement.id === '{element_id}'"
    )


def browser_login(page: Any, username: str) -> None:
    """Log in with the keyboard only: type, Tab, type, Enter."""
    page.goto("/login")
    wait_for_focus(page, "username")  # autofocus: the field is ready to type in
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 120))"""


def assert_accessible_basics(page: Any) -> None:
    """Every visible control has a name, the page says its language, one h1."""
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate("document.documentElement.lang") in ("vi", "en")
    assert page.locator("h1").count() == 1
