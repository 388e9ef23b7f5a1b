"""Code 128 and QR symbols planned on the printer's dot grid and drawn as vector rectangles.

Why vectors: an embedded bitmap is resampled by whatever prints or rasterises the PDF, so its
modules land on fractional dots and blur; a rectangle whose edges sit on whole dots prints
exactly. Why merged runs: one rectangle per bar (Code 128) or per run of dark modules (QR)
keeps a label to a few hundred path operators, which makes the PDF small and fast to draw.
The rectangles are written in whole dots under one scaling transform (``DOT`` points per unit,
origin at the page's top-left, like the printer's), so the PDF carries small integers only.

Module sizes are whole dots at 203 dpi; quiet zones follow ISO/IEC 15417 (Code 128, at least
10 modules) and ISO/IEC 18004 (QR, 4 modules), and the layouts keep them clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import barcode
import numpy as np
from reportlab.pdfgen.canvas import Canvas

from labels.errors import SymbolTooLarge
from labels.geometry import DOT, Box, Trace, ceil_dots, floor_dots
from labels.qr import qr_matrix

CODE128_QUIET = 10  # modules each side, ISO/IEC 15417
QR_QUIET = 4  # modules all round, ISO/IEC 18004
_DARK_RUN = re.compile("1+")


def runs(bits: str) -> list[tuple[int, int]]:
    """(start, length) of each run of 1s: one bar per run."""
    return [(m.start(), m.end() - m.start()) for m in _DARK_RUN.finditer(bits)]


def merge_rects(matrix: tuple[str, ...]) -> list[tuple[int, int, int, int]]:
    """Dark modules as few rectangles: horizontal runs, stacked while rows repeat them.

    Returns (x, y, width, height) in modules with y counted down from the top row.
    """
    open_rects: dict[tuple[int, int], list[int]] = {}  # (x, width) -> [y, height]
    done: list[tuple[int, int, int, int]] = []
    for y, row in enumerate(matrix):
        row_runs = set(runs(row))
        for key in list(open_rects):
            if key not in row_runs:
                top, height = open_rects.pop(key)
                done.append((key[0], top, key[1], height))
        for key in row_runs:
            if key in open_rects:
                open_rects[key][1] += 1
            else:
                open_rects[key] = [y, 1]
    done.extend((x, top, width, height) for (x, width), (top, height) in open_rects.items())
    return done


@dataclass(frozen=True)
class Code128:
    """A Code 128 symbol: its modules (from python-barcode), module width and bar height."""

    text: str
    modules: str
    module_dots: int
    height_dots: int

    @property
    def content(self) -> str:
        return self.text

    @property
    def width_dots(self) -> int:
        """Width including both quiet zones."""
        return (len(self.modules) + 2 * CODE128_QUIET) * self.module_dots

    @cached_property
    def bars(self) -> list[tuple[int, int]]:
        return runs(self.modules)


@dataclass(frozen=True)
class QrCode:
    """A QR symbol: its rows of modules ("1" dark, no border) and module size in dots."""

    data: str
    matrix: tuple[str, ...]
    module_dots: int

    @property
    def content(self) -> str:
        return self.data

    @property
    def modules(self) -> int:
        return len(self.matrix)

    @property
    def width_dots(self) -> int:
        """Side including the quiet zone all round."""
        return (self.modules + 2 * QR_QUIET) * self.module_dots

    @cached_property
    def rects(self) -> list[tuple[int, int, int, int]]:
        return merge_rects(self.matrix)


def code128_modules(text: str) -> str:
    """The module string (1 = dark) python-barcode builds, start to stop code inclusive."""
    return barcode.Code128(text).build()[0]


def qr_rows(data: str) -> tuple[str, ...]:
    """The QR matrix as text rows, the form ``runs`` and ``merge_rects`` read fast."""
    digits = qr_matrix(data).astype(np.uint8) + ord("0")
    return tuple(row.tobytes().decode("ascii") for row in digits)


def plan_code128(
    text: str, max_width_dots: int, height_dots: int, preferred: int = 3, minimum: int = 2
) -> Code128:
    """The widest module (from ``preferred`` down to ``minimum`` dots) that fits the width."""
    modules = code128_modules(text)
    for module in range(preferred, minimum - 1, -1):
        symbol = Code128(text, modules, module, height_dots)
        if symbol.width_dots <= max_width_dots:
            return symbol
    raise SymbolTooLarge(f"Code 128 of {text!r} does not fit in {max_width_dots} dots")


def plan_qr(data: str, max_dots: int, preferred: int = 5, minimum: int = 3) -> QrCode:
    matrix = qr_rows(data)
    for module in range(preferred, minimum - 1, -1):
        symbol = QrCode(data, matrix, module)
        if symbol.width_dots <= max_dots:
            return symbol
    raise SymbolTooLarge(f"QR code of {len(data)} characters does not fit in {max_dots} dots")


@dataclass(frozen=True)
class Placed:
    """A symbol at a position on the dot grid: left and top of its quiet zone, in dots."""

    symbol: Code128 | QrCode
    left: int
    top: int

    @property
    def width(self) -> int:
        return self.symbol.width_dots

    @property
    def height(self) -> int:
        if isinstance(self.symbol, QrCode):
            return self.symbol.width_dots
        return self.symbol.height_dots

    def quiet_box(self, page_height: float) -> Box:
        """The symbol with its quiet zone, in points (origin bottom-left)."""
        return Box(
            self.left * DOT,
            page_height - (self.top + self.height) * DOT,
            (self.left + self.width) * DOT,
            page_height - self.top * DOT,
        )


def place(symbol: Code128 | QrCode, box: Box, page_height: float, halign: str = "center") -> Placed:
    """Put a symbol at the top of a box, snapped to whole dots, or refuse if it cannot fit."""
    left_min = ceil_dots(box.x0)
    right_max = floor_dots(box.x1)
    top = ceil_dots(page_height - box.y1)
    bottom_max = floor_dots(page_height - box.y0)
    height = symbol.width_dots if isinstance(symbol, QrCode) else symbol.height_dots
    room = right_max - left_min
    if symbol.width_dots > room or top + height > bottom_max:
        raise SymbolTooLarge(f"a {type(symbol).__name__} does not fit its box on the label")
    if halign == "left":
        left = left_min
    elif halign == "right":
        left = right_max - symbol.width_dots
    else:
        left = left_min + (room - symbol.width_dots) // 2
    return Placed(symbol, left, top)


def operators(placed: Placed) -> str:
    """The symbol's dark modules as PDF path operators, in the dot space of ``draw``.

    A first ``cm`` scales to one module (one bar height for Code 128) and moves to the first
    module after the quiet zone, so each rectangle is a few small integers.
    """
    symbol = placed.symbol
    m = symbol.module_dots
    if isinstance(symbol, Code128):
        x0 = placed.left + CODE128_QUIET * m
        ops = [f"{m} 0 0 {symbol.height_dots} {x0} {placed.top} cm"]
        ops += [f"{start} 0 {length} 1 re" for start, length in symbol.bars]
    else:
        x0 = placed.left + QR_QUIET * m
        y0 = placed.top + QR_QUIET * m
        ops = [f"{m} 0 0 {m} {x0} {y0} cm"]
        ops += [f"{x} {y} {w} {h} re" for x, y, w, h in symbol.rects]
    return "\n".join(ops)


def draw(canvas: Canvas, placed: Placed, page_height: float, trace: Trace | None = None) -> None:
    """Fill the dark modules as one path, under a transform to the printer's dot grid."""
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.transform(DOT, 0, 0, -DOT, 0, page_height)
    canvas.addLiteral(operators(placed) + "\nf")
    canvas.restoreState()
    if trace is not None:
        name = "code128" if isinstance(placed.symbol, Code128) else "qr"
        trace.add("quiet", name, placed.quiet_box(page_height), text=placed.symbol.content)
