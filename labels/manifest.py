"""The handover record (biên bản giao nhận) between the center and a courier, as an A4 PDF.

Both sides check the items against this list and sign it; the center's signature on a
``to_center`` record is the moment the dossier counts as submitted (DOMAIN.md). So every page
repeats who hands over to whom, when, and the table header, and carries "Trang i / n": a
loose page of a long list can still be matched to its record. Each row has a small Code 128
of its item so the receiving side can scan down the sheet instead of typing identifiers.
"""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from labels import symbols, text
from labels.geometry import Box, Trace, floor_dots, mm
from labels.layouts import format_time, human_item_id
from labels.model import HANDOVER_KIND_TEXT, ManifestData, ManifestItem
from labels.office import (
    A4_HEIGHT,
    A4_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    national_header,
    page_footer,
    signature_blocks,
)
from labels.render import new_canvas
from labels.text import Para

ROW_HEIGHT = mm(11)
HEAD_HEIGHT = mm(8)
BAR_DOTS = 2  # module width: 0.25 mm, fits a 13-character S10 in a 50 mm column
BAR_HEIGHT_DOTS = 44  # 5.5 mm
FOOTER_SPACE = mm(62)  # totals and the two signature blocks on the last page
# (title, width in mm); 180 mm between the margins.
COLUMNS = (
    ("STT", 10),
    ("Mã bưu gửi", 52),
    ("Mã hồ sơ", 52),
    ("Xã/phường nhận", 46),
    ("Đối chiếu", 20),
)


def _sides(data: ManifestData) -> list[tuple[str, str, str | None]]:
    """(role, organisation, person) of the giving side, then the receiving side."""
    center = (data.center_name, data.center_staff)
    courier = (data.courier_name, data.courier_staff)
    giver, receiver = (courier, center) if data.kind == "to_center" else (center, courier)
    return [("BÊN GIAO", *giver), ("BÊN NHẬN", *receiver)]


def _header(canvas: Canvas, data: ManifestData, trace: Trace | None) -> float:
    """Everything above the table's rows, identical on every page; returns the rows' top."""
    top = national_header(canvas, A4_HEIGHT - MARGIN_TOP, data.center_name, trace)
    width = A4_WIDTH - 2 * MARGIN_X
    title = Box(MARGIN_X, top - mm(13), MARGIN_X + width, top)
    paras = [
        Para("BIÊN BẢN GIAO NHẬN BƯU GỬI", bold=True, scale=1.25),
        Para(f"Số: {data.handover_id} – {HANDOVER_KIND_TEXT[data.kind]}", scale=0.9, max_lines=1),
    ]
    text.fit_and_draw(canvas, paras, title, 12, 8, "title", trace, "center")
    (_, giver, giver_person), (_, receiver, receiver_person) = _sides(data)
    facts = Box(MARGIN_X, title.y0 - mm(2) - mm(20), MARGIN_X + width, title.y0 - mm(2))
    place = f", tại {data.center_address}" if data.center_address else ""
    paras = [
        Para(f"Thời gian: {format_time(data.created_at)}{place}.", max_lines=2),
        Para(
            f"Bên giao: {giver} – đại diện: {giver_person or '....................'}", max_lines=1
        ),
        Para(
            f"Bên nhận: {receiver} – đại diện: {receiver_person or '....................'}",
            max_lines=1,
        ),
        Para(
            f"Đơn vị chuyển phát: {data.courier_name}. Hai bên giao nhận các bưu gửi sau:",
            max_lines=1,
        ),
    ]
    text.fit_and_draw(canvas, paras, facts, 9.5, 7, "facts", trace)
    head = Box(MARGIN_X, facts.y0 - mm(2) - HEAD_HEIGHT, MARGIN_X + width, facts.y0 - mm(2))
    canvas.setFillGray(0.88)
    canvas.rect(head.x0, head.y0, head.width, head.height, stroke=0, fill=1)
    canvas.setFillGray(0)
    x = head.x0
    for title_text, width_mm in COLUMNS:
        cell = Box(x, head.y0, x + mm(width_mm), head.y1).inset(mm(1.2), mm(1.6))
        text.fit_and_draw(
            canvas, [Para(title_text, bold=True)], cell, 9, 6.5, "th", trace, "center"
        )
        x += mm(width_mm)
    _grid(canvas, head)
    return head.y0


def _grid(canvas: Canvas, row: Box) -> None:
    canvas.setLineWidth(0.5)
    canvas.rect(row.x0, row.y0, row.width, row.height, stroke=1, fill=0)
    x = row.x0
    for _, width_mm in COLUMNS[:-1]:
        x += mm(width_mm)
        canvas.line(x, row.y0, x, row.y1)


def _row(canvas: Canvas, number: int, item: ManifestItem, row: Box, trace: Trace | None) -> None:
    _grid(canvas, row)
    cells = []
    x = row.x0
    for _, width_mm in COLUMNS:
        cells.append(Box(x, row.y0, x + mm(width_mm), row.y1))
        x += mm(width_mm)
    pad = mm(1.2)
    text.fit_and_draw(canvas, [Para(str(number))], cells[0].inset(pad), 9, 6, "no", trace, "center")
    bar_cell = cells[1].inset(pad, mm(0.8))
    code = symbols.plan_code128(item.item_id, floor_dots(bar_cell.width), BAR_HEIGHT_DOTS, BAR_DOTS)
    placed = symbols.place(code, bar_cell, A4_HEIGHT)
    symbols.draw(canvas, placed, A4_HEIGHT, trace)
    below = placed.quiet_box(A4_HEIGHT).y0 - mm(0.5)
    id_box = Box(bar_cell.x0, bar_cell.y0, bar_cell.x1, below)
    paras = [Para(human_item_id(item.item_id), bold=True)]
    text.fit_and_draw(canvas, paras, id_box, 7.5, 5, "item_id", trace, "center")
    for cell, value, name in (
        (cells[2], item.dossier_code, "dossier"),
        (cells[3], item.commune, "commune"),
    ):
        inner = cell.inset(pad, mm(1.5))
        text.fit_and_draw(canvas, [Para(value, max_lines=2)], inner, 9, 6, name, trace)


def paginate(count: int, per_page: int, last_page_room: int) -> list[range]:
    """Row ranges per page; the last page keeps at least one row beside the signatures."""
    pages: list[range] = []
    start = 0
    while count - start > last_page_room:
        take = min(per_page, count - start - 1)
        pages.append(range(start, start + take))
        start += take
    pages.append(range(start, count))
    return pages


def _totals_and_signatures(
    canvas: Canvas, data: ManifestData, top: float, trace: Trace | None
) -> None:
    width = A4_WIDTH - 2 * MARGIN_X
    totals = Box(MARGIN_X, top - mm(14), MARGIN_X + width, top - mm(3))
    paras = [
        Para(f"Tổng số bưu gửi: {data.total_items}", bold=True),
        Para(
            f"Số xã/phường nhận: {data.total_communes}. "
            "Biên bản lập thành 02 bản, mỗi bên giữ 01 bản."
        ),
    ]
    text.fit_and_draw(canvas, paras, totals, 10, 7, "totals", trace)
    signatures = Box(MARGIN_X, totals.y0 - mm(44), MARGIN_X + width, totals.y0 - mm(3))
    signature_blocks(canvas, signatures, _sides(data), trace)


def render_manifest(data: ManifestData, *, trace: Trace | None = None) -> bytes:
    """The handover record as a PDF: header and table header on every page, "Trang i / n"."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (A4_WIDTH, A4_HEIGHT), f"Biên bản giao nhận {data.handover_id}")
    rows_top = _rows_top(data)
    room = rows_top - (MARGIN_BOTTOM + mm(2))
    per_page = int(room // ROW_HEIGHT)
    last_room = int((room - FOOTER_SPACE) // ROW_HEIGHT)
    pages = paginate(len(data.items), per_page, last_room)
    for page, rows in enumerate(pages):
        if trace is not None:
            trace.page = page
        top = _header(canvas, data, trace)
        for offset, index in enumerate(rows):
            row = Box(
                MARGIN_X,
                top - (offset + 1) * ROW_HEIGHT,
                A4_WIDTH - MARGIN_X,
                top - offset * ROW_HEIGHT,
            )
            _row(canvas, index + 1, data.items[index], row, trace)
        if page == len(pages) - 1:
            _totals_and_signatures(canvas, data, top - len(rows) * ROW_HEIGHT, trace)
        page_footer(canvas, page + 1, len(pages), f"Biên bản số {data.handover_id}", trace)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _rows_top(data: ManifestData) -> float:
    """Where the rows start: the header is drawn once off-page to measure it."""
    scratch = new_canvas(io.BytesIO(), (A4_WIDTH, A4_HEIGHT), "")
    return _header(scratch, data, None)
