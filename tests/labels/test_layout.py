"""Nothing overflows its box, leaves the page, or touches a quiet zone.

Two independent witnesses: the trace the layout records while drawing (every text line with
the box it was fitted into, every symbol with its quiet zone), and pdfium's own bounding
boxes of the objects on the rendered page.
"""

from __future__ import annotations

import pypdfium2.raw as pdfium_raw
import pytest
from labels_test_helpers import CITIZEN, LONG_ADDRESS, item_ids, label, off_page, read

from labels.geometry import Box, Mark, Trace
from labels.layouts import DL_WINDOW
from labels.model import Party
from labels.render import SIZES, render_labels

LONG_CITIZEN = Party(
    "Công ty trách nhiệm hữu hạn một thành viên Dịch vụ Thương mại Nguyễn Thị Ánh Tuyết",
    (LONG_ADDRESS,),
    "0912 345 678 – 0238 3 844 555",
)
TOLERANCE = 0.6  # points: rounding of glyph boxes in pdfium


def _cases():
    ids = item_ids(4, start=55501234)
    return {
        "plain": [label(ids[0], "outbound"), label(ids[1], "inbound")],
        "long": [
            label(ids[2], "outbound", citizen=LONG_CITIZEN),
            label(ids[3], "inbound", citizen=LONG_CITIZEN),
            label(ids[0], "outbound", citizen=Party("X" * 300, ("Y" * 300,) * 5)),
            label(ids[1], "inbound", citizen=Party("Đ", ()), procedure_name="Thủ tục " * 60),
        ],
    }


def _render(size: str, case: str) -> tuple[bytes, Trace]:
    trace = Trace()
    return render_labels(_cases()[case], size, trace=trace), trace


def _labels_on(trace: Trace, page: int) -> list[Box]:
    return [m.box for m in trace.on_page(page) if m.kind == "box" and m.name == "label"]


def _owner(mark: Mark, labels: list[Box]) -> Box:
    owners = [box for box in labels if box.contains(mark.box)]
    assert owners, f"{mark.name} {mark.text!r} lies outside every label"
    return owners[0]


def test_the_long_address_is_120_characters():
    assert len(LONG_ADDRESS) == 120


@pytest.mark.parametrize("case", ["plain", "long"])
@pytest.mark.parametrize("size", list(SIZES))
def test_trace_text_stays_in_its_box_and_off_quiet_zones(size, case):
    _, trace = _render(size, case)
    pages = {mark.page for mark in trace.marks}
    for page in pages:
        marks = trace.on_page(page)
        labels = _labels_on(trace, page)
        texts = [m for m in marks if m.kind == "text"]
        quiet = [m for m in marks if m.kind == "quiet"]
        assert texts and len(quiet) == 2 * len(labels)
        for mark in texts:
            assert mark.container is not None and mark.container.contains(mark.box), mark
            _owner(mark, labels)
            for zone in quiet:
                assert not zone.box.intersects(mark.box), (mark.text, zone.name)
        for index, zone in enumerate(quiet):
            _owner(zone, labels)
            for other in quiet[index + 1 :]:
                assert not zone.box.intersects(other.box)
        containers = {(m.name, m.container) for m in texts}
        for name, box in containers:
            for other_name, other in containers:
                if name != other_name and _owner_box(box, labels) == _owner_box(other, labels):
                    assert not box.intersects(other), (name, other_name)


def _owner_box(box: Box, labels: list[Box]) -> Box | None:
    return next((label_box for label_box in labels if label_box.contains(box)), None)


@pytest.mark.parametrize("case", ["plain", "long"])
@pytest.mark.parametrize("size", list(SIZES))
def test_pdfium_sees_everything_on_the_page_and_text_inside_traced_boxes(size, case):
    pdf, trace = _render(size, case)
    for number, page in enumerate(read(pdf, None)):
        assert page.objects
        assert off_page(page, TOLERANCE) == []
        containers = [m.container for m in trace.on_page(number) if m.kind == "text"]
        for left, bottom, right, top in page.bounds(pdfium_raw.FPDF_PAGEOBJ_TEXT):
            ink = Box(left, bottom, right, top)
            assert any(box.contains(ink, TOLERANCE) for box in containers), ink


def test_a_120_character_address_wraps_inside_the_recipient_box():
    trace = Trace()
    render_labels(
        [label(item_ids(1)[0], "outbound", citizen=Party("A", (LONG_ADDRESS,)))],
        "100x150",
        trace=trace,
    )
    lines = [m for m in trace.marks if m.kind == "text" and m.name == "recipient"]
    assert len(lines) >= 3
    assert " ".join(m.text for m in lines[2:]) == LONG_ADDRESS  # whole: wrapped, not cut
    for mark in lines:
        assert mark.container.contains(mark.box)


def test_dl_recipient_sits_in_the_envelope_window():
    for data in _cases()["plain"] + _cases()["long"]:
        trace = Trace()
        render_labels([data], "dl", trace=trace)
        recipient = [m for m in trace.marks if m.kind == "text" and m.name == "recipient"]
        assert recipient
        for mark in recipient:
            assert DL_WINDOW.inset(2).contains(mark.box)
        others = [m for m in trace.marks if m.kind in ("text", "quiet") and m.name != "recipient"]
        for mark in others:
            assert not DL_WINDOW.intersects(mark.box), mark.name


def test_recipient_name_outranks_the_rest():
    trace = Trace()
    render_labels([label(item_ids(1)[0], "outbound", citizen=CITIZEN)], "100x150", trace=trace)
    sizes = {m.text: m.box.height for m in trace.marks if m.kind == "text"}
    assert sizes[CITIZEN.name] == max(
        height for text, height in sizes.items() if text not in ("NHẬN KẾT QUẢ",)
    )
