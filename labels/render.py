"""The label makers' public entry points: label data in, PDF bytes out.

Thermal sizes (100×150 mm, A6, DL) print one label per page because a roll printer cuts or
tears after each page. The A4 size is for office laser printers: four A6-sized labels
(105×148.5 mm) per sheet with cut marks on the lines between them; a single A4 label is drawn
in the top-left quarter so the same pre-cut sheets of four stickers can be used.

Output is deterministic (reportlab's invariant mode: no creation date, fixed document id), so
the same data always gives the same bytes and a label can be cached or compared.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from labels import fonts
from labels.errors import InvalidLabelData, UnknownSize
from labels.geometry import Box, Trace, mm
from labels.layouts import LabelPlan, draw_plan, plan_dl, plan_portrait
from labels.model import LabelData

A4 = (mm(210), mm(297))
A4_QUARTER = (105.0, 148.5)  # mm
CUT_MARK = mm(8)


@dataclass(frozen=True)
class LabelSize:
    """A size name, its page in millimetres, and how many labels share a page."""

    name: str
    width_mm: float
    height_mm: float
    per_page: int = 1


SIZES: dict[str, LabelSize] = {
    "100x150": LabelSize("100x150", 100, 150),
    "a6": LabelSize("a6", 105, 148),
    "dl": LabelSize("dl", 220, 110),
    "a4": LabelSize("a4", 210, 297, per_page=4),
}


def size_for(name: str) -> LabelSize:
    if not isinstance(name, str) or name.lower() not in SIZES:
        raise UnknownSize(name, SIZES)
    return SIZES[name.lower()]


def plan_label(data: LabelData, size: str) -> LabelPlan:
    """The layout of one label of a size (the A4 size gives the quarter-sheet label)."""
    spec = size_for(size)
    if spec.name == "dl":
        return plan_dl(data)
    if spec.name == "a4":
        return plan_portrait(data, *A4_QUARTER)
    return plan_portrait(data, spec.width_mm, spec.height_mm)


def new_canvas(buffer: io.BytesIO, pagesize: tuple[float, float], title: str) -> Canvas:
    """A canvas with the fonts registered and no clock or random id in its output."""
    fonts.register()
    # Binary (zlib only) streams: ASCII85 serves 7-bit mail transport, costs a quarter more
    # bytes and, in pure Python, a third of the time of a big batch. Process-wide and idempotent.
    rl_config.useA85 = 0
    canvas = Canvas(buffer, pagesize=pagesize, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("buuchinh-tthc labels")
    return canvas


def _cut_marks(canvas: Canvas) -> None:
    """Marks on the lines between the quarters only, so they can never touch a label's text."""
    width, height = A4
    cx, cy = width / 2, height / 2
    canvas.setLineWidth(0.3)
    canvas.setStrokeGray(0.4)
    for x0, y0, x1, y1 in (
        (cx, height, cx, height - CUT_MARK),
        (cx, 0, cx, CUT_MARK),
        (0, cy, CUT_MARK, cy),
        (width, cy, width - CUT_MARK, cy),
        (cx - CUT_MARK / 2, cy, cx + CUT_MARK / 2, cy),
        (cx, cy - CUT_MARK / 2, cx, cy + CUT_MARK / 2),
    ):
        canvas.line(x0, y0, x1, y1)
    canvas.setStrokeGray(0)


def _quarter_origin(index: int) -> tuple[float, float]:
    """Bottom-left of quarter 0..3, filled left to right, top to bottom."""
    qw, qh = mm(A4_QUARTER[0]), mm(A4_QUARTER[1])
    column, row = index % 2, index // 2
    return column * qw, A4[1] - (row + 1) * qh


def render_labels(
    items: Sequence[LabelData],
    size: str,
    *,
    trace: Trace | None = None,
) -> bytes:
    """One PDF with every label: a page per label, or four per A4 sheet with cut marks.

    ``trace`` collects what was drawn where, page by page (for tests and layout checks).
    """
    spec = size_for(size)
    if not items:
        raise InvalidLabelData("no labels to render", field="item_ids")
    buffer = io.BytesIO()
    pagesize = A4 if spec.per_page == 4 else (mm(spec.width_mm), mm(spec.height_mm))
    title = items[0].item_id if len(items) == 1 else f"{len(items)} nhãn bưu gửi"
    canvas = new_canvas(buffer, pagesize, title)
    for start in range(0, len(items), spec.per_page):
        page = start // spec.per_page
        if spec.per_page == 4:
            _cut_marks(canvas)
        for index, data in enumerate(items[start : start + spec.per_page]):
            plan = plan_label(data, spec.name)
            origin = _quarter_origin(index) if spec.per_page == 4 else (0.0, 0.0)
            if trace is not None:
                trace.page, trace.offset = page, origin
                trace.add("box", "label", Box(0, 0, plan.width, plan.height))
            canvas.saveState()
            canvas.translate(*origin)
            draw_plan(canvas, plan, trace)
            canvas.restoreState()
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_label(data: LabelData, size: str = "100x150", *, trace: Trace | None = None) -> bytes:
    """One label as a one-page PDF (on A4: in the top-left quarter of a sheet)."""
    return render_labels([data], size, trace=trace)
