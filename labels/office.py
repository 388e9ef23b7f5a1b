"""Pieces shared by the A4 office documents (handover record, citizen receipt).

Vietnamese administrative papers open with the issuing body on the left and the national
name and motto on the right (Decree 30/2020/NĐ-CP, Appendix I layout); people expect that
header, so both documents use it.
"""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from labels import text
from labels.geometry import Box, Trace, mm
from labels.text import Para

A4_WIDTH, A4_HEIGHT = mm(210), mm(297)
MARGIN_X = mm(15)
MARGIN_TOP = mm(12)
MARGIN_BOTTOM = mm(12)
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập – Tự do – Hạnh phúc"


def national_header(canvas: Canvas, top: float, issuer: str, trace: Trace | None = None) -> float:
    """Issuer left, nation and motto right; returns the y just below the header."""
    width = A4_WIDTH - 2 * MARGIN_X
    left = Box(MARGIN_X, top - mm(14), MARGIN_X + width * 0.42, top)
    right = Box(MARGIN_X + width * 0.45, top - mm(14), A4_WIDTH - MARGIN_X, top)
    paras = [Para(issuer.upper(), bold=True, max_lines=3)]
    issuer_fit = text.fit(paras, left, 9, 6.5)
    text.draw(canvas, issuer_fit, left, "issuer", trace, "center")
    nation = [Para(NATION, bold=True), Para(MOTTO, bold=True, scale=1.1)]
    nation_fit = text.fit(nation, right, 9.5, 7)
    text.draw(canvas, nation_fit, right, "nation", trace, "center")
    # The short rule under the motto, as on every official paper.
    motto = nation_fit.lines[-1]
    rule_y = right.y1 - motto.baseline - mm(2)
    center = (right.x0 + right.x1) / 2
    canvas.setLineWidth(0.6)
    canvas.line(center - motto.width / 2, rule_y, center + motto.width / 2, rule_y)
    return top - mm(16)


def signature_blocks(
    canvas: Canvas,
    box: Box,
    parties: list[tuple[str, str, str | None]],
    trace: Trace | None = None,
) -> None:
    """Side-by-side signature blocks: (role, organisation, person) each; a blank person
    leaves room to write the name by hand."""
    column = box.width / len(parties)
    for index, (role, organisation, person) in enumerate(parties):
        x0 = box.x0 + index * column
        head = Box(x0 + mm(2), box.y1 - mm(16), x0 + column - mm(2), box.y1)
        paras = [
            Para(role, bold=True),
            Para(organisation, scale=0.9, max_lines=2),
            Para("(Ký, ghi rõ họ tên)", scale=0.85),
        ]
        text.fit_and_draw(canvas, paras, head, 10, 7, f"sign_{index}", trace, "center")
        name_box = Box(x0 + mm(2), box.y0, x0 + column - mm(2), box.y0 + mm(6))
        name = person or "...................................."
        paras = [Para(name, bold=bool(person), max_lines=1)]
        text.fit_and_draw(canvas, paras, name_box, 10, 7, f"signer_{index}", trace, "center")
        if trace is not None:
            trace.add("box", f"signature_{index}", Box(x0, box.y0, x0 + column, box.y1))


def page_footer(
    canvas: Canvas, page: int, pages: int, reference: str, trace: Trace | None = None
) -> None:
    """ "Trang i / n" on the right, the document's reference on the left."""
    box = Box(MARGIN_X, MARGIN_BOTTOM - mm(7), A4_WIDTH - MARGIN_X, MARGIN_BOTTOM - mm(2))
    canvas.setLineWidth(0.4)
    canvas.line(box.x0, box.y1 + mm(1), box.x1, box.y1 + mm(1))
    left = Box(box.x0, box.y0, box.x0 + box.width * 0.7, box.y1)
    text.fit_and_draw(canvas, [Para(reference)], left, 8, 6, "reference", trace)
    right = Box(box.x0 + box.width * 0.7, box.y0, box.x1, box.y1)
    text.fit_and_draw(
        canvas, [Para(f"Trang {page} / {pages}")], right, 8, 6, "page", trace, "right"
    )
