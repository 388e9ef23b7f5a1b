"""Where each element of a shipping label goes, for every label size.

A layout is planned once as data (``LabelPlan``: boxes in points, symbols on the dot grid, text
already fitted) and then drawn by two back ends, the PDF canvas here and ZPL in ``labels.zpl``,
so a thermal printer fed ZPL and one fed the PDF print the same geometry.

Portrait sizes (100×150 mm, A6, a quarter of A4) stack: service header; Code 128 beside the QR
code; recipient; sender; dossier facts beside the seal box. DL (220×110 mm, an envelope face)
puts the recipient block where a right-hand window envelope shows it (``DL_WINDOW``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reportlab.pdfgen.canvas import Canvas

from labels import symbols, text
from labels.geometry import DOT, Box, Trace, floor_dots, mm
from labels.model import PROGRAMME_LINE, LabelData, Party
from labels.s10 import is_valid
from labels.text import Fitted, Para

MARGIN = mm(3)
GAP = mm(2)
BAR_HEIGHT_DOTS = 120  # 15 mm of bars
# A right-hand window of a standard DL envelope: 90×45 mm, 20 mm from the right edge and
# 15 mm from the bottom (ISO 269 / DIN 680 practice); the recipient block sits inside it with
# 4 mm to spare all round, because an insert moves a few millimetres in its envelope.
DL_WINDOW = Box(mm(220 - 20 - 90), mm(15), mm(220 - 20), mm(15 + 45))
DL_WINDOW_PADDING = mm(4)
# A postal worker reads the recipient at arm's length: it shrinks no further than this.
RECIPIENT_MIN_SIZE = 7.5


@dataclass(frozen=True)
class TextBlock:
    name: str
    box: Box
    fitted: Fitted
    align: str = "left"
    white: bool = False


@dataclass(frozen=True)
class Shape:
    """A rectangle: "fill" (black), "stroke" (thin frame), "dashed" (the seal box), "rule"."""

    kind: str
    box: Box


@dataclass
class LabelPlan:
    width: float
    height: float
    blocks: list[TextBlock] = field(default_factory=list)
    symbols: list[symbols.Placed] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    regions: dict[str, Box] = field(default_factory=dict)


def format_time(value: datetime) -> str:
    """Vietnamese order: time, then day/month/year (the caller gives local time)."""
    return f"{value:%H:%M} ngày {value:%d/%m/%Y}"


def human_item_id(item_id: str) -> str:
    """S10 identifiers are printed in groups (EC 136 431 858 VN) so a person can read them out."""
    if is_valid(item_id):
        return f"{item_id[:2]} {item_id[2:5]} {item_id[5:8]} {item_id[8:11]} {item_id[11:]}"
    return item_id


def _party(title: str, party: Party, name_scale: float) -> list[Para]:
    paras = [
        Para(title, bold=True, scale=0.72),
        Para(party.name, bold=True, scale=name_scale, max_lines=2, gap_before=0.15),
    ]
    if party.phone:
        paras.append(Para(f"ĐT: {party.phone}"))
    paras.extend(Para(line) for line in party.address_lines)
    return paras


def _facts(data: LabelData) -> list[Para]:
    paras = [
        Para(f"Mã hồ sơ: {data.dossier_code}", bold=True, max_lines=2),
        Para(f"Thủ tục: {data.procedure_name}", max_lines=3),
    ]
    if data.direction == "outbound" and data.due_at is not None:
        paras.append(Para(f"Hạn trả kết quả: {format_time(data.due_at)}", bold=True))
    paras.append(Para(f"Ngày tạo: {format_time(data.created_at)}", scale=0.9))
    return paras


def _add_text(
    plan: LabelPlan,
    name: str,
    paras: list[Para],
    box: Box,
    size: float,
    min_size: float,
    align: str = "left",
    white: bool = False,
) -> None:
    plan.blocks.append(TextBlock(name, box, text.fit(paras, box, size, min_size), align, white))
    plan.regions[name] = box


def _add_header(plan: LabelPlan, data: LabelData, box: Box, service_width: float) -> None:
    service = Box(box.x0, box.y0, box.x0 + service_width, box.y1)
    plan.shapes.append(Shape("fill", service))
    paras = [Para(data.service_text.upper(), bold=True, max_lines=2)]
    _add_text(plan, "service", paras, service.inset(mm(1.5)), 15, 8, "center", white=True)
    programme = Box(service.x1 + mm(2), box.y0, box.x1, box.y1)
    paras = [
        Para(PROGRAMME_LINE, bold=True, max_lines=2),
        Para(f"Đơn vị chuyển phát: {data.courier_name}", scale=0.9, max_lines=2),
    ]
    _add_text(plan, "programme", paras, programme, 9.5, 6)


def _add_symbols(plan: LabelPlan, data: LabelData, bar_box: Box, qr_box: Box) -> None:
    """Code 128 on top of its human-readable line, and the QR code, each with quiet zones."""
    room = floor_dots(bar_box.width)
    code = symbols.plan_code128(data.item_id, room, BAR_HEIGHT_DOTS)
    placed_bars = symbols.place(code, bar_box, plan.height)
    plan.symbols.append(placed_bars)
    qr_room = min(floor_dots(qr_box.width), floor_dots(qr_box.height))
    qr = symbols.plan_qr(data.tracking_url, qr_room)
    plan.symbols.append(symbols.place(qr, qr_box, plan.height, halign="right"))
    plan.regions["code128"] = bar_box
    plan.regions["qr"] = qr_box
    bars_bottom = plan.height - (placed_bars.top + BAR_HEIGHT_DOTS) * DOT
    readable = Box(bar_box.x0, bar_box.y0, bar_box.x1, bars_bottom - mm(1))
    paras = [Para(human_item_id(data.item_id), bold=True)]
    plan.blocks.append(TextBlock("item_id", readable, text.fit(paras, readable, 13, 8), "center"))


def _add_seal(plan: LabelPlan, box: Box) -> None:
    plan.shapes.append(Shape("dashed", box))
    inner = box.inset(mm(1.5))
    paras = [Para("NIÊM PHONG", bold=True), Para("Ký, ghi rõ họ tên", scale=0.8)]
    _add_text(plan, "seal", paras, inner, 8, 5.5, "center")


def plan_portrait(data: LabelData, width_mm: float, height_mm: float) -> LabelPlan:
    """100×150, A6 and the A4 quarter: one column, recipient gets the space that is left."""
    width, height = mm(width_mm), mm(height_mm)
    plan = LabelPlan(width, height)
    left, right = MARGIN, width - MARGIN
    top = height - MARGIN
    header = Box(left, top - mm(14), right, top)
    _add_header(plan, data, header, mm(40))
    rule_y = header.y0 - GAP / 2
    plan.shapes.append(Shape("rule", Box(left, rule_y, right, rule_y)))

    symbols_top = rule_y - GAP / 2
    qr_side = mm(27)
    symbol_row = Box(left, symbols_top - qr_side, right, symbols_top)
    qr_box = Box(right - qr_side, symbol_row.y0, right, symbol_row.y1)
    bar_box = Box(left, symbol_row.y0, qr_box.x0, symbol_row.y1)
    _add_symbols(plan, data, bar_box, qr_box)

    bottom = Box(left, MARGIN, right, MARGIN + mm(26))
    seal = Box(right - mm(30), bottom.y0, right, bottom.y1)
    _add_seal(plan, seal)
    _add_text(plan, "facts", _facts(data), Box(left, bottom.y0, seal.x0 - GAP, bottom.y1), 8.5, 5.5)

    sender = Box(left, bottom.y1 + GAP, right, bottom.y1 + GAP + mm(21))
    _add_text(plan, "sender", _party("NGƯỜI GỬI", data.sender, 1.1), sender, 8.5, 5.5)

    recipient = Box(left, sender.y1 + GAP, right, symbol_row.y0 - GAP)
    plan.shapes.append(Shape("stroke", recipient))
    paras = _party("NGƯỜI NHẬN", data.recipient, 1.25)
    _add_text(plan, "recipient", paras, recipient.inset(mm(2)), 13, RECIPIENT_MIN_SIZE)
    return plan


def plan_dl(data: LabelData) -> LabelPlan:
    """DL envelope face, landscape: recipient in the window, sender and facts on the left."""
    width, height = mm(220), mm(110)
    plan = LabelPlan(width, height)
    top = height - mm(5)
    left_col = Box(mm(5), mm(5), mm(102), top)

    header = Box(left_col.x0, top - mm(14), left_col.x1, top)
    _add_header(plan, data, header, mm(40))
    sender = Box(left_col.x0, header.y0 - GAP - mm(26), left_col.x1, header.y0 - GAP)
    _add_text(plan, "sender", _party("NGƯỜI GỬI", data.sender, 1.1), sender, 9.5, 5.5)

    seal = Box(left_col.x1 - mm(30), left_col.y0, left_col.x1, left_col.y0 + mm(26))
    _add_seal(plan, seal)
    facts = Box(left_col.x0, left_col.y0, seal.x0 - GAP, sender.y0 - GAP)
    _add_text(plan, "facts", _facts(data), facts, 8.5, 5.5)

    qr_side = mm(27)
    qr_box = Box(width - mm(5) - qr_side, top - qr_side, width - mm(5), top)
    bar_box = Box(mm(110), DL_WINDOW.y1 + GAP, qr_box.x0, top)
    _add_symbols(plan, data, bar_box, qr_box)
    window = DL_WINDOW.inset(DL_WINDOW_PADDING)
    plan.regions["window"] = DL_WINDOW
    _add_text(
        plan,
        "recipient",
        _party("NGƯỜI NHẬN", data.recipient, 1.25),
        window,
        12,
        RECIPIENT_MIN_SIZE,
    )
    return plan


def draw_plan(canvas: Canvas, plan: LabelPlan, trace: Trace | None = None) -> None:
    """Draw a planned label with its origin at the canvas's current origin."""
    for shape in plan.shapes:
        b = shape.box
        if shape.kind == "fill":
            canvas.setFillColorRGB(0, 0, 0)
            canvas.rect(b.x0, b.y0, b.width, b.height, stroke=0, fill=1)
        elif shape.kind == "rule":
            canvas.setLineWidth(0.8)
            canvas.line(b.x0, b.y0, b.x1, b.y1)
        else:
            canvas.setLineWidth(0.8)
            if shape.kind == "dashed":
                canvas.setDash(3, 2)
            canvas.rect(b.x0, b.y0, b.width, b.height, stroke=1, fill=0)
            canvas.setDash()
    for placed in plan.symbols:
        symbols.draw(canvas, placed, plan.height, trace)
    for block in plan.blocks:
        if block.white:
            canvas.setFillColorRGB(1, 1, 1)
        text.draw(canvas, block.fitted, block.box, block.name, trace, block.align)
        canvas.setFillColorRGB(0, 0, 0)
    if trace is not None:
        for name, box in plan.regions.items():
            trace.add("box", name, box)
