"""The handover record: every page says what it belongs to, every row scans."""

from __future__ import annotations

import pytest
from labels_test_helpers import manifest, off_page, read

from labels.errors import InvalidLabelData
from labels.geometry import Trace
from labels.layouts import human_item_id
from labels.manifest import paginate, render_manifest
from labels.model import ManifestData

TABLE_HEADER = ("STT", "Mã bưu gửi", "Mã hồ sơ", "Xã/phường nhận", "Đối chiếu")


@pytest.fixture(scope="module")
def long_list() -> tuple[ManifestData, list]:
    data = manifest(120)
    return data, read(render_manifest(data), 203)


def test_long_list_repeats_header_and_numbers_its_pages(long_list):
    data, pages = long_list
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert "BIÊN BẢN GIAO NHẬN BƯU GỬI" in page.lines
        assert f"Số: {data.handover_id} – Trung tâm giao kết quả cho bưu chính" in page.lines
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.lines
        assert any(
            line.startswith("Bên giao: Trung tâm Phục vụ hành chính công") for line in page.lines
        )
        assert any(line.startswith("Bên nhận: Bưu điện tỉnh Nghệ An") for line in page.lines)
        assert "Thời gian: 15:40 ngày 02/03/2026" in page.text
        for title in TABLE_HEADER:
            assert title in page.text
        assert f"Trang {number} / {len(pages)}" in page.text


def test_every_item_is_listed_once_in_order_and_scans(long_list):
    data, pages = long_list
    scanned = [code for page in pages for kind, code in page.codes if kind == "Code128"]
    assert sorted(scanned) == sorted(item.item_id for item in data.items)
    text = "\n".join(page.text for page in pages)
    positions = [text.index(human_item_id(item.item_id)) for item in data.items]
    assert positions == sorted(positions)
    for item in data.items:
        assert text.count(item.dossier_code) == 1
    numbers = [line for page in pages for line in page.lines if line.isdigit()]
    assert numbers == [str(n) for n in range(1, 121)]


def test_totals_and_signatures_close_the_last_page_only(long_list):
    data, pages = long_list
    assert "Tổng số bưu gửi: 120" in pages[-1].lines
    assert any(line.startswith("Số xã/phường nhận: 4.") for line in pages[-1].lines)
    for name in ("BÊN GIAO", "BÊN NHẬN", data.center_staff, data.courier_staff):
        assert name in pages[-1].text
    for page in pages[:-1]:
        assert "Tổng số bưu gửi" not in page.text and "BÊN GIAO" not in page.text


def test_to_center_makes_the_courier_the_giving_side():
    (page,) = read(render_manifest(manifest(3, "to_center")), None)
    assert any(line.startswith("Bên giao: Bưu điện tỉnh Nghệ An (VNPost)") for line in page.lines)
    assert "Bưu chính giao hồ sơ cho Trung tâm" in page.text
    assert "Trang 1 / 1" in page.text


def test_empty_handover_still_renders_its_record():
    (page,) = read(render_manifest(manifest(0)), None)
    assert "Tổng số bưu gửi: 0" in page.lines


def test_nothing_leaves_the_page_or_its_box():
    trace = Trace()
    pdf = render_manifest(manifest(45), trace=trace)
    for number, page in enumerate(read(pdf, None)):
        assert off_page(page) == []
        marks = trace.on_page(number)
        quiet = [m for m in marks if m.kind == "quiet"]
        for mark in (m for m in marks if m.kind == "text"):
            assert mark.container.contains(mark.box), mark
            assert not any(zone.box.intersects(mark.box) for zone in quiet), mark.text


@pytest.mark.parametrize(
    ("count", "per_page", "last_room", "expected"),
    [
        (0, 20, 14, [0]),
        (14, 20, 14, [14]),
        (15, 20, 14, [14, 1]),
        (20, 20, 14, [19, 1]),
        (34, 20, 14, [20, 14]),
        (35, 20, 14, [20, 14, 1]),
        (120, 19, 13, [19, 19, 19, 19, 19, 19, 6]),
    ],
)
def test_paginate_keeps_rows_with_the_signatures(count, per_page, last_room, expected):
    pages = paginate(count, per_page, last_room)
    assert [len(rows) for rows in pages] == expected
    assert [i for rows in pages for i in rows] == list(range(count))


def test_unknown_kind_is_refused():
    with pytest.raises(InvalidLabelData):
        ManifestData("BG-1", "sideways", "Trung tâm", "VNPost", manifest(0).created_at)
