"""Every user-facing string of the pages has a Vietnamese translation, placeholders intact, and
the catalogue is compiled from the ``.po`` at start-up (nothing binary is committed)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tracking import i18n

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "tracking" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("tracking/**.py", "python"), ("tracking/templates/**.html", "jinja2.ext:babel_extract")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))  # type: ignore[arg-type]
    return found


def test_every_string_has_a_vietnamese_translation_with_the_same_placeholders() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="vi")
    extracted = _extracted()
    assert len(extracted) > 250
    missing, broken = [], []
    for msgid in extracted:
        message = catalog.get(msgid)
        strings = (
            []
            if message is None
            else (list(message.string) if isinstance(message.string, tuple) else [message.string])
        )
        if message is None or "fuzzy" in message.flags or not all(strings):
            missing.append(msgid)
            continue
        source = msgid if isinstance(msgid, str) else msgid[0]
        if any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(source)) for s in strings):
            broken.append(msgid)
    assert missing == [] and broken == []
    stale = [m.id for m in catalog if m.id and m.id not in extracted]
    assert stale == [], "remove translations of strings the code no longer has"


def test_the_catalogue_is_compiled_into_the_instance_at_start(app: Flask, tmp_path: Path) -> None:
    compiled = Path(app.instance_path) / "translations" / "vi" / "LC_MESSAGES" / "messages.mo"
    assert compiled.exists() and compiled.stat().st_size > 5000
    assert not list((ROOT / "tracking" / "translations").rglob("*.mo"))
    # Compiling again is a no-op while the .po is older; a newer .po is compiled again.
    assert i18n.compile_catalogs(i18n.SOURCE, compiled.parents[2]) == []
    assert i18n.compile_catalogs(i18n.SOURCE, tmp_path) == [
        tmp_path / "vi" / "LC_MESSAGES" / "messages.mo"
    ]


def test_the_switch_sets_a_cookie_and_goes_back(client: FlaskClient) -> None:
    r = client.get("/lang/en?next=/track")
    assert r.status_code == 302 and r.headers["Location"] == "/track"
    assert "lang=en" in r.headers["Set-Cookie"]
    page = client.get("/track")
    assert '<html lang="en">' in page.text and "Track a dossier" in page.text
    client.get("/lang/vi?next=/track")
    assert "Tra cứu hồ sơ" in client.get("/track").text
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"):
        assert client.get("/lang/en", query_string={"next": bad}).headers["Location"] == "/"
    assert client.get("/lang/fr?next=/track").headers.get("Set-Cookie") is None


def test_pages_are_vietnamese_by_default_whatever_the_browser_asks(client: FlaskClient) -> None:
    page = client.get("/track", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="vi">' in page.text
    shared = client.get("/track?lang=en")  # a link shared in English stays English
    assert '<html lang="en">' in shared.text and "lang=en" in shared.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/").text
