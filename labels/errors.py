"""The one exception root of the document makers.

The web layer maps every ``LabelError`` onto the JSON error shape once (CONTRACT.md
"Conventions"); a subclass says which input was at fault so the answer can name the field.

    LabelError
    ├── UnknownSize        a label size the makers do not know (message names the allowed ones)
    ├── InvalidLabelData   an input the makers cannot draw honestly (empty id, bad direction, ...)
    ├── SymbolTooLarge     a barcode or QR code that cannot keep its module size and quiet zone
    └── FontUnavailable    the Vietnamese font package is not installed
"""

from __future__ import annotations

from collections.abc import Iterable


class LabelError(Exception):
    """Root of every error raised by ``labels``; ``field`` names the input at fault, if one is."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class UnknownSize(LabelError):
    """A label size outside the known list."""

    field = "size"

    def __init__(self, size: object, allowed: Iterable[str]) -> None:
        allowed_text = ", ".join(allowed)
        super().__init__(f"unknown label size {size!r}; allowed sizes: {allowed_text}")
        self.size = size
        self.allowed = tuple(allowed)


class InvalidLabelData(LabelError):
    """An input value the makers refuse rather than print a wrong document."""


class SymbolTooLarge(LabelError):
    """The content needs more room than the box has at the smallest allowed module size."""


class FontUnavailable(LabelError):
    """The font package with Vietnamese coverage is missing from the environment."""
