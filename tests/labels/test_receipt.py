"""The citizen's receipt: the dossier code scans, the QR code leads to the tracking page."""

from __future__ import annotations

import pytest
from labels_test_helpers import CITIZEN, off_page, read, receipt

from labels.errors import InvalidLabelData
from labels.geometry import Trace
from labels.model import ReceiptData
from labels.receipt import DUE_UNKNOWN, render_receipt


def test_code128_is_the_dossier_code_and_qr_the_tracking_url():
    data = receipt()
    (page,) = read(render_receipt(data), 203)
    assert page.codes == sorted([("Code128", data.dossier_code), ("QRCode", data.tracking_url)])


@pytest.mark.parametrize(
    ("service", "text"),
    [
        ("send_dossier", "Gửi hồ sơ qua dịch vụ bưu chính công ích"),
        ("receive_result", "Nhận kết quả qua dịch vụ bưu chính công ích"),
        ("both", "Gửi hồ sơ và nhận kết quả qua dịch vụ bưu chính công ích"),
    ],
)
def test_shows_the_chosen_service_in_vietnamese(service, text):
    (page,) = read(render_receipt(receipt(service)), None)
    assert text in " ".join(page.lines)


def test_reads_like_a_receipt():
    data = receipt()
    (page,) = read(render_receipt(data), None)
    joined = " ".join(page.lines)
    for expected in (
        "GIẤY BIÊN NHẬN HỒ SƠ",
        "Mã hồ sơ:",
        data.dossier_code,
        "Cấp đổi giấy phép lái xe do ngành Giao thông vận",
        CITIZEN.name,
        "Thời gian tiếp nhận:",
        "09:15 ngày 02/03/2026",
        "Hẹn trả kết quả:",
        "17:00 ngày 09/03/2026",
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "Quét mã để tra cứu",
    ):
        assert expected in joined, expected
    assert f"Tra cứu tình trạng hồ sơ tại {data.tracking_url} hoặc quét mã QR" in joined


def test_unknown_due_date_says_when_it_will_be_known():
    data = ReceiptData(**{**receipt().__dict__, "due_at": None})
    (page,) = read(render_receipt(data), None)
    assert DUE_UNKNOWN in " ".join(page.lines)


def test_publication_line_can_be_worded_by_the_caller():
    line = "Kết quả được công khai trên Cổng Dịch vụ công tỉnh Nghệ An"
    data = ReceiptData(**{**receipt().__dict__, "status_line": line})
    (page,) = read(render_receipt(data), None)
    assert line in " ".join(page.lines)


def test_text_stays_in_its_boxes_and_off_the_symbols():
    trace = Trace()
    pdf = render_receipt(receipt(), trace=trace)
    (page,) = read(pdf, None)
    assert off_page(page) == []
    quiet = [m for m in trace.marks if m.kind == "quiet"]
    assert len(quiet) == 2
    for mark in (m for m in trace.marks if m.kind == "text"):
        assert mark.container.contains(mark.box), mark
        assert not any(zone.box.intersects(mark.box) for zone in quiet), mark.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service": "fax"}, "service"),
        ({"dossier_code": "hồ sơ 1"}, "dossier_code"),
        ({"applicant_name": ""}, "applicant_name"),
    ],
)
def test_bad_receipt_data_is_refused(changes, field):
    with pytest.raises(InvalidLabelData) as error:
        ReceiptData(**{**receipt().__dict__, **changes})
    assert error.value.field == field
