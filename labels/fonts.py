"""The Vietnamese font, taken from a Python package so every machine has the same one.

Vietnamese needs stacked diacritics (ễ, ự, Ẫ) that the PDF base-14 fonts lack and that system
fonts cover unevenly from one OS to the next. Be Vietnam Pro (SIL OFL 1.1) is designed for
Vietnamese and ships as static TTFs in the ``fontpkg-be-vietnam-pro`` wheel; reportlab's
``TTFont`` embeds only the glyphs a document uses, so a label stays a few kilobytes.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from labels.errors import FontUnavailable

FAMILY = "Be Vietnam Pro"
REGULAR = "BeVietnamPro"
BOLD = "BeVietnamPro-Bold"
_WEIGHTS = {REGULAR: 400, BOLD: 700}

# Height above the baseline that accented capitals (Ễ, Ầ) reach, and depth below it, in em.
# Measured from the font's glyph boxes, rounded up; used to place lines and trace their boxes.
ASCENT = 1.16
DESCENT = 0.27

_lock = threading.Lock()
_registered = False


def font_path(name: str) -> Path:
    """Where the TTF of one of our two faces lies inside the installed font package."""
    try:
        import fontpkg  # late, so a missing package is one clear LabelError
    except ImportError as exc:  # pragma: no cover - environment problem
        raise FontUnavailable(
            "the font package is missing: pip install fontpkg-be-vietnam-pro"
        ) from exc
    try:
        return Path(fontpkg.path(FAMILY, weight=_WEIGHTS[name]))
    except Exception as exc:  # pragma: no cover - environment problem
        raise FontUnavailable(f"{FAMILY} {name} not found: {exc}") from exc


def register() -> None:
    """Register both faces with reportlab once per process; safe from several threads."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name in (REGULAR, BOLD):
            pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
        _registered = True


def font_for(bold: bool) -> str:
    return BOLD if bold else REGULAR


@lru_cache(maxsize=65536)
def unit_width(text: str, font: str) -> float:
    """Advance width of a text at 1 pt; widths scale linearly, so one cache serves all sizes."""
    register()
    return pdfmetrics.stringWidth(text, font, 1.0)


def text_width(text: str, font: str, size: float) -> float:
    return unit_width(text, font) * size


def missing_glyphs(text: str, font: str = REGULAR) -> set[str]:
    """Characters of a text that the font cannot draw (they would print as empty boxes)."""
    register()
    face = pdfmetrics.getFont(font).face
    return {ch for ch in text if not ch.isspace() and ord(ch) not in face.charToGlyph}
