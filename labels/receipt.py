"""The citizen's receipt (giấy biên nhận) for a dossier handed to the public post.

Decision 45/2016 Art. 6 has the postal worker give the citizen a receipt when the dossier is
taken in. What the citizen needs from it later is the dossier code (printed and as Code 128,
so any counter can scan it), when it was received, when the result is due, which postal
service was chosen, and how to follow the dossier: the tracking URL in words and as a QR code.
"""

from __future__ import annotations

import io

from labels import symbols, text
from labels.geometry import Box, Trace, floor_dots, mm
from labels.layouts import format_time
from labels.model import ReceiptData
from labels.office import (
    A4_HEIGHT,
    A4_WIDTH,
    MARGIN_TOP,
    MARGIN_X,
    national_header,
    signature_blocks,
)
from labels.render import new_canvas
from labels.text import Para

BAR_HEIGHT_DOTS = 96  # 12 mm
QR_SIDE = mm(40)
LABEL_WIDTH = mm(44)
DUE_UNKNOWN = "Trung tâm hẹn ngày trả kết quả khi tiếp nhận hồ sơ"


def _facts(data: ReceiptData) -> list[tuple[str, str]]:
    due = format_time(data.due_at) if data.due_at is not None else DUE_UNKNOWN
    return [
        ("Mã hồ sơ", data.dossier_code),
        ("Thủ tục hành chính", data.procedure_name),
        ("Người nộp hồ sơ", data.applicant_name),
        ("Thời gian tiếp nhận", format_time(data.received_at)),
        ("Hẹn trả kết quả", due),
        ("Dịch vụ bưu chính", data.service_text),
        ("Nơi giải quyết", f"{data.center_name}, {data.center_address}"),
    ]


def render_receipt(data: ReceiptData, *, trace: Trace | None = None) -> bytes:
    """The receipt as a one-page A4 PDF."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (A4_WIDTH, A4_HEIGHT), f"Giấy biên nhận {data.dossier_code}")
    width = A4_WIDTH - 2 * MARGIN_X
    right = MARGIN_X + width
    top = national_header(canvas, A4_HEIGHT - MARGIN_TOP, data.center_name, trace)

    title = Box(MARGIN_X, top - mm(15), right, top)
    paras = [
        Para("GIẤY BIÊN NHẬN HỒ SƠ", bold=True, scale=1.3),
        Para("(tiếp nhận qua dịch vụ bưu chính công ích)", scale=0.95),
    ]
    text.fit_and_draw(canvas, paras, title, 13, 9, "title", trace, "center")

    bar_box = Box(MARGIN_X, title.y0 - mm(3) - mm(13), right, title.y0 - mm(3))
    code = symbols.plan_code128(data.dossier_code, floor_dots(bar_box.width), BAR_HEIGHT_DOTS)
    placed = symbols.place(code, bar_box, A4_HEIGHT)
    symbols.draw(canvas, placed, A4_HEIGHT, trace)
    readable = Box(MARGIN_X, bar_box.y0 - mm(7), right, bar_box.y0 - mm(1))
    text.fit_and_draw(
        canvas, [Para(data.dossier_code, bold=True)], readable, 12, 8, "code", trace, "center"
    )

    # Facts on the left, QR code on the right.
    facts_top = readable.y0 - mm(5)
    qr_box = Box(right - QR_SIDE, facts_top - QR_SIDE, right, facts_top)
    qr = symbols.plan_qr(data.tracking_url, floor_dots(QR_SIDE), preferred=8)
    placed_qr = symbols.place(qr, qr_box, A4_HEIGHT)
    symbols.draw(canvas, placed_qr, A4_HEIGHT, trace)
    qr_bottom = placed_qr.quiet_box(A4_HEIGHT).y0
    caption = Box(qr_box.x0, qr_bottom - mm(5), qr_box.x1, qr_bottom)
    text.fit_and_draw(
        canvas, [Para("Quét mã để tra cứu")], caption, 9, 6, "qr_caption", trace, "center"
    )

    y = facts_top
    value_right = qr_box.x0 - mm(4)
    for index, (label, value) in enumerate(_facts(data)):
        label_box = Box(MARGIN_X, y - mm(14), MARGIN_X + LABEL_WIDTH, y)
        value_box = Box(label_box.x1 + mm(2), y - mm(14), value_right, y)
        label_fit = text.fit([Para(f"{label}:")], label_box, 10.5, 8)
        value_fit = text.fit([Para(value, bold=index in (0, 4), max_lines=3)], value_box, 10.5, 7)
        used = max(_height(label_fit), _height(value_fit))
        label_box = Box(label_box.x0, y - used, label_box.x1, y)
        value_box = Box(value_box.x0, y - used, value_box.x1, y)
        text.draw(canvas, label_fit, label_box, f"label_{index}", trace)
        text.draw(canvas, value_fit, value_box, f"value_{index}", trace)
        y -= used + mm(2.5)

    status_top = min(y, caption.y0) - mm(4)
    status = Box(MARGIN_X, status_top - mm(17), right, status_top)
    canvas.setLineWidth(0.6)
    canvas.rect(status.x0, status.y0, status.width, status.height, stroke=1, fill=0)
    paras = [Para(data.publication_line, max_lines=3)]
    text.fit_and_draw(canvas, paras, status.inset(mm(3), mm(2.5)), 10.5, 7, "status", trace)

    signatures = Box(MARGIN_X, status.y0 - mm(50), right, status.y0 - mm(8))
    signature_blocks(
        canvas,
        signatures,
        [
            ("NGƯỜI NỘP HỒ SƠ", data.applicant_name, None),
            ("NGƯỜI TIẾP NHẬN", "Bưu chính công ích", None),
        ],
        trace,
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _height(fitted: text.Fitted) -> float:
    """Height a fitted block really uses, from its top to its last line's descent."""
    if not fitted.lines:
        return 0.0
    last = fitted.lines[-1]
    return last.baseline + text.fonts.DESCENT * last.size
