"""Languages of the pages: Vietnamese by default, English by a switch (Flask-Babel).

Message ids are English (the code's language); the Vietnamese catalogue is the source file
``tracking/translations/vi/LC_MESSAGES/messages.po``, so the English pages need no catalogue.
The binary ``.mo`` is never committed: ``init_app`` compiles it from the ``.po`` with babel's own
API into ``<instance>/translations`` whenever it is missing or older than the ``.po``, so a fresh
clone works without a build step (``tests/pages/test_i18n.py`` checks that every string of the
templates and page modules has a Vietnamese translation).

Which language a request gets: ``?lang=vi|en`` first (remembered in a cookie for the pages), then
the ``lang`` cookie the switch sets; the public JSON API (``/api/…``) reads ``Accept-Language``
instead of the cookie, as CONTRACT.md says. Otherwise Vietnamese.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from flask_babel import Babel, format_datetime, format_decimal, get_locale, ngettext

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT = "vi"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
SOURCE = Path(__file__).resolve().parent / "translations"
DEFAULT_TZ = "Asia/Ho_Chi_Minh"  # the center's zone (tracking.reference.CENTER)

# How times read in each language (CLDR patterns).
FORMATS: dict[str, dict[str, str]] = {
    "vi": {
        "long": "HH:mm, EEEE dd/MM/yyyy",
        "short": "HH:mm dd/MM/yyyy",
        "day": "EEEE, dd/MM/yyyy",
        "time": "HH:mm",
    },
    "en": {
        "long": "HH:mm, EEEE d MMMM yyyy",
        "short": "d MMM yyyy, HH:mm",
        "day": "EEEE d MMMM yyyy",
        "time": "HH:mm",
    },
}

babel = Babel()
bp = Blueprint("i18n", __name__)


# ── catalogues ───────────────────────────────────────────────────────────────────────────────
def compile_catalogs(source: Path, dest: Path) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/*.po`` under ``source`` into ``dest`` (same layout)
    when the ``.mo`` is missing or older; atomic, so concurrent start-ups never read half a file.
    Returns the files written."""
    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo = dest / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        mo.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
        written.append(mo)
    return written


def _catalog_dir(app: Flask) -> Path:
    dest = Path(app.instance_path) / "translations"
    try:
        compile_catalogs(SOURCE, dest)
    except OSError as exc:  # a read-only instance folder: compile into a temporary one
        log.warning("cannot write %s (%s); compiling the catalogues elsewhere", dest, exc)
        dest = Path(tempfile.mkdtemp(prefix="tracking-i18n-"))
        compile_catalogs(SOURCE, dest)
    return dest


# ── which language ───────────────────────────────────────────────────────────────────────────
def select_locale() -> str:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT
    cookie = request.cookies.get(COOKIE, "")
    return cookie if cookie in LANGUAGES else DEFAULT


def select_timezone() -> str:
    return str(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TZ)


def lang() -> str:
    """The language of this request: ``vi`` or ``en``."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def _remember_asked_language(response: Response) -> Response:
    """A page opened with ``?lang=en`` (a shared link) stays English while browsing on."""
    asked = request.args.get("lang", "")
    if (
        asked in LANGUAGES
        and not request.path.startswith(("/api/", "/static/"))
        and request.cookies.get(COOKIE) != asked
    ):
        response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def safe_next(target: str | None, fallback: str = "/") -> str:
    """A local path to go back to (never another site)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme and "\\" not in target:
            return target
    return fallback


@bp.get("/lang/<code>")
def switch(code: str) -> Any:
    """The language switch: a plain link (works without JavaScript), back to the same page."""
    target = safe_next(request.args.get("next"), url_for("views.index"))
    response = redirect(target)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


# ── formatting for templates ─────────────────────────────────────────────────────────────────
def when(value: datetime | str | None, style: str = "long") -> str:
    """A time as people of the page's language read it, in the center's zone."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return str(format_datetime(moment, FORMATS[lang()][style]))


def days(value: float, working: bool = False) -> str:
    """A count of (half) days in words ("3 days", "0.5 day", "1 working day"); gettext's
    plural rules take only integers."""
    count = 1 if value == 1 else 2
    shown = format_decimal(value)
    if working:
        return ngettext("%(days)s working day", "%(days)s working days", count, days=shown)
    return ngettext("%(days)s day", "%(days)s days", count, days=shown)


def switch_url(code: str) -> str:
    here = request.full_path.rstrip("?") if request else "/"
    return url_for("i18n.switch", code=code, next=here)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", DEFAULT_TZ)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(_catalog_dir(app))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.register_blueprint(bp)
    app.after_request(_remember_asked_language)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["number"] = format_decimal  # 1,5 in Vietnamese, 1.5 in English
    app.jinja_env.globals.update(lang=lang, switch_url=switch_url, days=days, LANGUAGES=LANGUAGES)
