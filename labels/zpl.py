"""The 100×150 mm and A6 labels as ZPL II, for Zebra-compatible thermal printers at 203 dpi.

ZPL is drawn from the very ``LabelPlan`` the PDF is drawn from, so the printer gets the same
geometry: the Code 128 module width (``^BY``) and QR magnification (``^BQ``) are the whole-dot
sizes the plan chose, and each symbol starts after its quiet zone. Text is already wrapped and
sized by the plan; each line becomes one single-line field block (``^FB``), so a printer font
wider than ours cuts a line short instead of running into the next element.

Vietnamese: ``^CI28`` makes field data UTF-8. The printer's resident font 0 lacks most
Vietnamese glyphs on many firmwares; pass ``font_path`` (e.g. ``"E:BEVIETNAMPRO.TTF"``, a TTF
with Vietnamese coverage stored on the printer) to print every diacritic.
"""

from __future__ import annotations

from labels import fonts
from labels.errors import UnknownSize
from labels.geometry import DOT, Box
from labels.layouts import LabelPlan, TextBlock
from labels.model import LabelData
from labels.render import plan_label
from labels.symbols import CODE128_QUIET, QR_QUIET, Code128, Placed

ZPL_SIZES = ("100x150", "a6")  # what fits a 4-inch thermal print head
LINE_DOTS = 2


def _dots(value: float) -> int:
    return round(value / DOT)


def escape(text: str) -> str:
    """Field data under ``^FH_``: the three characters ZPL would read as commands, in hex."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _font(height: int, font_path: str | None) -> str:
    if font_path:
        return f"^A@N,{height},{height},{font_path}"
    return f"^A0N,{height},0"


def _shape(kind: str, box: Box, height: float) -> str:
    x, y = _dots(box.x0), _dots(height - box.y1)
    w, h = max(_dots(box.width), 1), _dots(box.height)
    if kind == "fill":
        return f"^FO{x},{y}^GB{w},{h},{min(w, h)},B,0^FS"
    if kind == "rule":
        return f"^FO{x},{y}^GB{w},0,{LINE_DOTS},B,0^FS"
    return f"^FO{x},{y}^GB{w},{h},{LINE_DOTS},B,0^FS"


def _text(block: TextBlock, height: float, font_path: str | None) -> list[str]:
    fields = []
    justify = {"left": "L", "center": "C", "right": "R"}[block.align]
    width = _dots(block.box.width)
    x = _dots(block.box.x0)
    for line in block.fitted.lines:
        top = block.box.y1 - line.baseline + fonts.ASCENT * line.size
        y = max(_dots(height - top), 0)
        size = max(_dots(line.size), 10)
        reverse = "^FR" if block.white else ""
        fields.append(
            f"^FO{x},{y}{_font(size, font_path)}^FB{width},1,0,{justify}{reverse}"
            f"^FH_^FD{escape(line.text)}^FS"
        )
    return fields


def _symbol(placed: Placed) -> str:
    symbol = placed.symbol
    m = symbol.module_dots
    if isinstance(symbol, Code128):
        x = placed.left + CODE128_QUIET * m
        h = symbol.height_dots
        # Mode A: the printer picks code sets itself (digit pairs in set C), as python-barcode
        # does; no interpretation line, since the plan prints a grouped one underneath.
        return f"^FO{x},{placed.top}^BY{m},3,{h}^BCN,{h},N,N,N,A^FH_^FD{escape(symbol.text)}^FS"
    x = placed.left + QR_QUIET * m
    y = placed.top + QR_QUIET * m
    # Model 2, magnification = module size in dots; "MA," = error correction M, automatic input.
    return f"^FO{x},{y}^BQN,2,{m}^FH_^FDMA,{escape(symbol.data)}^FS"


def plan_to_zpl(plan: LabelPlan, font_path: str | None = None) -> str:
    lines = [
        "^XA",
        "^CI28",
        f"^PW{_dots(plan.width)}",
        f"^LL{_dots(plan.height)}",
        "^LH0,0",
        "^PON",
    ]
    lines.extend(_shape(shape.kind, shape.box, plan.height) for shape in plan.shapes)
    lines.extend(_symbol(placed) for placed in plan.symbols)
    for block in plan.blocks:
        lines.extend(_text(block, plan.height, font_path))
    lines.extend(["^PQ1", "^XZ"])
    return "\n".join(lines) + "\n"


def render_zpl(data: LabelData, size: str = "100x150", *, font_path: str | None = None) -> str:
    """One label as a ZPL II program (UTF-8 text; send it to the printer as bytes)."""
    if not isinstance(size, str) or size.lower() not in ZPL_SIZES:
        raise UnknownSize(size, ZPL_SIZES)
    return plan_to_zpl(plan_label(data, size.lower()), font_path)
