"""ZPL: the printer program carries the same identifiers and geometry as the PDF."""

from __future__ import annotations

import re

import pytest
from labels_test_helpers import CITIZEN, item_ids, label

from labels.errors import UnknownSize
from labels.model import Party
from labels.render import plan_label
from labels.symbols import CODE128_QUIET, QR_QUIET, Code128, QrCode
from labels.zpl import ZPL_SIZES, render_zpl

FIELD = re.compile(r"\^FO(\d+),(\d+)((?:(?!\^FS).)*?)\^FD(.*?)\^FS", re.S)


def _fields(zpl: str) -> list[tuple[int, int, str, str]]:
    return [(int(x), int(y), commands, data) for x, y, commands, data in FIELD.findall(zpl)]


def _unhex(data: str) -> str:
    """Undo ^FH_ escapes: _XX is the byte XX of the UTF-8 text."""
    raw = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data.encode())
    return raw.decode("utf-8")


@pytest.mark.parametrize(("size", "width", "length"), [("100x150", 799, 1199), ("a6", 839, 1183)])
def test_program_frame_and_label_size_in_dots(size, width, length):
    zpl = render_zpl(label(item_ids(1)[0]), size)
    lines = zpl.strip().splitlines()
    assert lines[0] == "^XA" and lines[-1] == "^XZ"
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert "^CI28" in lines[:3]
    assert f"^PW{width}" in lines and f"^LL{length}" in lines
    for x, y, _, _ in _fields(zpl):
        assert 0 <= x < width and 0 <= y < length


@pytest.mark.parametrize("item", item_ids(12))
def test_barcode_and_qr_fields_carry_the_identifier_and_url(item):
    data = label(item)
    zpl = render_zpl(data)
    code128 = [f for f in _fields(zpl) if "^BC" in f[2]]
    qr = [f for f in _fields(zpl) if "^BQ" in f[2]]
    assert len(code128) == 1 and len(qr) == 1
    assert _unhex(code128[0][3]) == item
    assert _unhex(qr[0][3]) == "MA," + data.tracking_url


def test_symbol_geometry_is_the_plan_geometry():
    data = label(item_ids(1)[0])
    plan = plan_label(data, "100x150")
    bars = next(p for p in plan.symbols if isinstance(p.symbol, Code128))
    square = next(p for p in plan.symbols if isinstance(p.symbol, QrCode))
    zpl = render_zpl(data)
    by_kind = {("BC" if "^BC" in f[2] else "BQ"): f for f in _fields(zpl) if "^B" in f[2]}
    x, y, commands, _ = by_kind["BC"]
    m = bars.symbol.module_dots
    assert (x, y) == (bars.left + CODE128_QUIET * m, bars.top)
    assert f"^BY{m},3,{bars.symbol.height_dots}" in commands
    assert f"^BCN,{bars.symbol.height_dots},N,N,N,A" in commands
    x, y, commands, _ = by_kind["BQ"]
    q = square.symbol.module_dots
    assert (x, y) == (square.left + QR_QUIET * q, square.top + QR_QUIET * q)
    assert f"^BQN,2,{q}" in commands and 3 <= q <= 10


def test_vietnamese_text_travels_as_utf8_field_data():
    zpl = render_zpl(label(item_ids(1)[0], "outbound"))
    texts = [_unhex(data) for _, _, commands, data in _fields(zpl) if "^A" in commands]
    for expected in (
        CITIZEN.name,
        "Xã Mường Xén, tỉnh Nghệ An",
        "NHẬN KẾT QUẢ",
        "Bưu chính công ích – Hồ sơ TTHC",
        "NIÊM PHONG",
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
    ):
        assert expected in texts
    reverse = [f for f in _fields(zpl) if "^FR" in f[2]]
    assert [_unhex(f[3]) for f in reverse] == ["NHẬN KẾT QUẢ"]


def test_control_characters_in_data_are_escaped():
    citizen = Party("Nguyễn ^Văn~ A_B", ("Xã Mường Xén",))
    zpl = render_zpl(label(item_ids(1)[0], citizen=citizen))
    for _, _, _, data in _fields(zpl):
        assert "^" not in data and "~" not in data
    texts = [_unhex(data) for _, _, _, data in _fields(zpl)]
    assert "Nguyễn ^Văn~ A_B" in texts


def test_printer_font_can_be_named():
    zpl = render_zpl(label(item_ids(1)[0]), font_path="E:BEVIETNAMPRO.TTF")
    assert "^A@N," in zpl and "E:BEVIETNAMPRO.TTF" in zpl and "^A0N" not in zpl


@pytest.mark.parametrize("size", ["dl", "a4", "A5", None])
def test_sizes_a_thermal_head_cannot_print_are_refused(size):
    with pytest.raises(UnknownSize) as error:
        render_zpl(label(item_ids(1)[0]), size)
    for allowed in ZPL_SIZES:
        assert allowed in str(error.value)
