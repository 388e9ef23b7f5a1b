"""Units, boxes and the drawing trace shared by every document maker.

Thermal label printers print on a grid of dots (203 dpi here); a bar or QR module that is not a
whole number of dots gets rounded differently from bar to bar and scans badly. So symbols are
planned in dots counted from the label's top-left corner, the way the printer counts them, and
converted to PDF points only when drawn. Text and boxes are in points, origin bottom-left, the
way reportlab counts them.

The trace records every box and text line a maker draws, so tests can check what a person
would check with a ruler: nothing overflows its box, nothing overlaps a quiet zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

DPI = 203
MM = 72 / 25.4  # points per millimetre
DOT = 72 / DPI  # points per printer dot


def mm(value: float) -> float:
    return value * MM


def dots(length_pt: float) -> float:
    return length_pt / DOT


def floor_dots(length_pt: float) -> int:
    """Whole dots that fit in a length (a hair of float slack so 10.0000001 stays 10)."""
    return math.floor(length_pt / DOT + 1e-6)


def ceil_dots(length_pt: float) -> int:
    return math.ceil(length_pt / DOT - 1e-6)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in points, origin bottom-left."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def from_top(cls, x: float, top: float, width: float, height: float) -> Box:
        return cls(x, top - height, x + width, top)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def inset(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x0 + dx, self.y0 + dy, self.x1 - dx, self.y1 - dy)

    def contains(self, other: Box, tolerance: float = 0.01) -> bool:
        return (
            other.x0 >= self.x0 - tolerance
            and other.y0 >= self.y0 - tolerance
            and other.x1 <= self.x1 + tolerance
            and other.y1 <= self.y1 + tolerance
        )

    def intersects(self, other: Box, tolerance: float = 0.01) -> bool:
        return (
            other.x0 < self.x1 - tolerance
            and other.x1 > self.x0 + tolerance
            and other.y0 < self.y1 - tolerance
            and other.y1 > self.y0 + tolerance
        )

    def translated(self, dx: float, dy: float) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)


@dataclass(frozen=True)
class Mark:
    """One thing drawn: kind is "text", "symbol", "quiet" (a symbol with its quiet zone), "box"."""

    page: int
    kind: str
    name: str
    box: Box
    container: Box | None = None
    text: str | None = None


@dataclass
class Trace:
    """Collects marks while a document is drawn; pass one in to inspect a layout."""

    page: int = 0
    offset: tuple[float, float] = (0.0, 0.0)
    marks: list[Mark] = field(default_factory=list)

    def add(
        self,
        kind: str,
        name: str,
        box: Box,
        container: Box | None = None,
        text: str | None = None,
    ) -> None:
        dx, dy = self.offset
        moved = container.translated(dx, dy) if container is not None else None
        self.marks.append(Mark(self.page, kind, name, box.translated(dx, dy), moved, text))

    def on_page(self, page: int) -> list[Mark]:
        return [mark for mark in self.marks if mark.page == page]
