"""Labels read back the way a scanner and a person read them."""

from __future__ import annotations

import re
from datetime import datetime

import pypdfium2.raw as pdfium_raw
import pytest
from labels_test_helpers import CENTER, CITIZEN, item_ids, label, read

from labels.errors import InvalidLabelData, LabelError, UnknownSize
from labels.geometry import mm
from labels.model import LabelData, Party, parties_for
from labels.render import SIZES, render_label, render_labels
from labels.s10 import is_valid

CORPUS = item_ids(50)
PAGE_MM = {"100x150": (100, 150), "a6": (105, 148), "dl": (220, 110), "a4": (210, 297)}


def _expected(data: LabelData) -> list[tuple[str, str]]:
    return [("Code128", data.item_id), ("QRCode", data.tracking_url)]


def test_corpus_is_fifty_valid_s10_identifiers():
    assert len(set(CORPUS)) == 50 and all(is_valid(item) for item in CORPUS)


def test_batch_of_fifty_thermal_labels_scans_page_by_page():
    items = [label(item, "inbound" if i % 2 else "outbound") for i, item in enumerate(CORPUS)]
    readings = read(render_labels(items, "100x150"), 203)
    assert len(readings) == 50
    for page, data in zip(readings, items, strict=True):
        assert page.codes == _expected(data)


@pytest.mark.parametrize("size", ["100x150", "a6", "dl"])
def test_each_thermal_size_scans_and_has_its_page_size(size):
    data = label(CORPUS[7])
    (page,) = read(render_label(data, size), 203)
    expected_size = (mm(PAGE_MM[size][0]), mm(PAGE_MM[size][1]))
    assert page.size == pytest.approx(expected_size, abs=0.01)
    assert page.codes == _expected(data)


def test_a4_sheet_holds_four_labels_per_page_and_scans_at_150_dpi():
    items = [label(item) for item in CORPUS[:10]]
    readings = read(render_labels(items, "a4"), 150)
    assert len(readings) == 3
    for number, page in enumerate(readings):
        on_sheet = items[number * 4 : number * 4 + 4]
        assert page.codes == sorted(pair for data in on_sheet for pair in _expected(data))


def test_single_a4_label_is_the_top_left_quarter():
    data = label(CORPUS[3])
    (page,) = read(render_label(data, "a4"), 150)
    assert page.size == pytest.approx((mm(210), mm(297)), abs=0.01)
    assert page.codes == _expected(data)
    for _, bottom, right, _ in page.bounds(pdfium_raw.FPDF_PAGEOBJ_TEXT):
        assert right <= mm(105) + 0.5 and bottom >= mm(148.5) - 0.5


@pytest.mark.parametrize("size", list(SIZES))
def test_vietnamese_text_comes_out_whole(size):
    (page,) = read(render_label(label(CORPUS[0], "outbound"), size), None)
    for expected in (
        "Nguyễn Thị Ánh Tuyết",
        "Xã Mường Xén, tỉnh Nghệ An",
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "NGƯỜI NHẬN",
        "NGƯỜI GỬI",
        "NIÊM PHONG",
        "Hạn trả kết quả: 17:00 ngày 09/03/2026",
        "Mã hồ sơ: 000.00.04.H41-230414-0002",
    ):
        assert expected in page.lines, (expected, page.lines)
    # pdfium joins the service box and the programme line: they share a baseline.
    assert "NHẬN KẾT QUẢ" in page.text
    assert "Bưu chính công ích – Hồ sơ TTHC" in page.text


def test_inbound_label_sends_the_dossier_from_citizen_to_center():
    data = label(CORPUS[1], "inbound")
    assert data.sender == CITIZEN and data.recipient == CENTER
    (page,) = read(render_label(data), None)
    assert "GỬI HỒ SƠ" in page.text
    assert not any(line.startswith("Hạn trả kết quả") for line in page.lines)
    recipient_at = page.lines.index("NGƯỜI NHẬN")
    # A big bold name may wrap, but onto whole words.
    assert " ".join(page.lines[recipient_at + 1 : recipient_at + 3]) == CENTER.name


def test_human_readable_identifier_is_printed():
    item = CORPUS[2]
    (page,) = read(render_label(label(item)), None)
    grouped = f"{item[:2]} {item[2:5]} {item[5:8]} {item[8:11]} {item[11:]}"
    assert grouped in page.lines
    assert item in re.sub(r"\s", "", page.text)


def test_long_names_and_addresses_are_cut_visibly_and_still_scan():
    address = "Số nhà 118, ngõ 7, đường Nguyễn Thị Minh Khai, khối Trung Hòa, phường Trường Vinh, "
    citizen = Party(
        "Hộ kinh doanh Nguyễn Thị Ánh Tuyết và các thành viên trong gia đình " * 2,
        (address * 6,),
        "0912 345 678",
    )
    data = label(CORPUS[4], citizen=citizen)
    for size in SIZES:
        (page,) = read(render_label(data, size), 150)
        assert "…" in page.text
        assert page.codes == _expected(data)


def test_same_data_gives_the_same_bytes():
    data = label(CORPUS[5])
    assert render_label(data) == render_label(data)


@pytest.mark.parametrize("size", ["A7", "100x100", "", None, "pdf"])
def test_unknown_size_names_the_allowed_ones(size):
    with pytest.raises(UnknownSize) as error:
        render_label(label(CORPUS[0]), size)
    assert isinstance(error.value, LabelError)
    assert error.value.field == "size"
    for allowed in ("100x150", "a6", "dl", "a4"):
        assert allowed in str(error.value)


def test_size_names_are_case_insensitive():
    assert render_label(label(CORPUS[0]), "A6") == render_label(label(CORPUS[0]), "a6")


def test_no_labels_is_an_error():
    with pytest.raises(InvalidLabelData):
        render_labels([], "100x150")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"item_id": ""}, "item_id"),
        ({"item_id": "EC 136 431 858 VN\n"}, "item_id"),
        ({"item_id": "ÉC136431858VN"}, "item_id"),
        ({"direction": "sideways"}, "direction"),
        ({"tracking_url": " "}, "tracking_url"),
        ({"dossier_code": ""}, "dossier_code"),
    ],
)
def test_bad_label_data_is_refused(changes, field):
    item_id = changes.pop("item_id", "EC136431858VN")
    direction = changes.pop("direction", "outbound")
    with pytest.raises(InvalidLabelData) as error:
        label(item_id, direction, **changes)
    assert error.value.field == field


def test_parties_follow_the_direction():
    assert parties_for("inbound", CITIZEN, CENTER) == (CITIZEN, CENTER)
    assert parties_for("outbound", CITIZEN, CENTER) == (CENTER, CITIZEN)
    with pytest.raises(InvalidLabelData):
        parties_for("back", CITIZEN, CENTER)


def test_outbound_due_date_is_optional():
    (page,) = read(render_label(label(CORPUS[6], due_at=None)), None)
    assert "Hạn trả kết quả" not in page.text
    data = label(CORPUS[6], created_at=datetime(2026, 12, 31, 23, 59))
    assert "Ngày tạo: 23:59 ngày 31/12/2026" in read(render_label(data), None)[0].lines
