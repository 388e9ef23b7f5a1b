"""Symbol geometry: the modules python-barcode and qrcode make, on whole printer dots."""

from __future__ import annotations

import random

import numpy as np
import pytest
import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

from labels import symbols
from labels.errors import SymbolTooLarge
from labels.geometry import DOT, Box, mm
from labels.qr import penalties, qr_matrix
from labels.s10 import make


def _reference_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.get_matrix()]


@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        ("", []),
        ("0000", []),
        ("1", [(0, 1)]),
        ("11011100", [(0, 2), (3, 3)]),
        ("0101", [(1, 1), (3, 1)]),
    ],
)
def test_runs_are_the_bars(bits, expected):
    assert symbols.runs(bits) == expected


def test_code128_modules_are_python_barcode_pattern():
    import barcode

    item = make("EC", 13643185)
    assert symbols.code128_modules(item) == barcode.Code128(item).build()[0]


def test_qr_matrix_is_the_one_qrcode_makes_with_its_own_mask_choice():
    rng = random.Random(20260302)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./"
    corpus = [
        f"https://dichvucong.nghean.gov.vn/track/{make('EC', n)}" for n in range(0, 10**8, 7**8)
    ]
    corpus += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400))) for _ in range(30)]
    corpus.append("Tra cứu hồ sơ: Nguyễn Thị Ánh Tuyết")
    for data in corpus:
        assert qr_matrix(data).tolist() == _reference_matrix(data), data


def test_penalties_match_qrcode_lost_point():
    rng = np.random.default_rng(7)
    for size in (21, 25, 33, 45, 57, 77):
        stack = rng.random((8, size, size)) < rng.uniform(0.2, 0.8)
        expected = [util.lost_point(stack[k].tolist()) for k in range(8)]
        assert penalties(stack).tolist() == expected


def test_merged_rectangles_cover_exactly_the_dark_modules():
    qr = symbols.plan_qr("https://dichvucong.nghean.gov.vn/track/EC136431858VN", 400)
    painted = [[False] * qr.modules for _ in range(qr.modules)]
    for x, y, w, h in qr.rects:
        for row in range(y, y + h):
            for col in range(x, x + w):
                assert not painted[row][col], "rectangles overlap"
                painted[row][col] = True
    assert painted == [[m == "1" for m in row] for row in qr.matrix]
    dark = sum(row.count("1") for row in qr.matrix)
    assert len(qr.rects) < dark / 2  # merging pays


def test_code128_prefers_three_dots_and_falls_back_to_two():
    item = make("RR", 28704377)
    wide = symbols.plan_code128(item, 10_000, 120)
    assert wide.module_dots == 3
    assert wide.width_dots == (len(wide.modules) + 20) * 3
    narrow = symbols.plan_code128(item, wide.width_dots - 1, 120)
    assert narrow.module_dots == 2
    with pytest.raises(SymbolTooLarge):
        symbols.plan_code128(item, (len(wide.modules) + 20) * 2 - 1, 120)


def test_qr_keeps_module_of_whole_dots_with_four_module_quiet_zone():
    qr = symbols.plan_qr("https://dichvucong.nghean.gov.vn/track/EC136431858VN", 220)
    assert qr.module_dots == 5
    assert qr.width_dots == (qr.modules + 8) * 5 <= 220
    with pytest.raises(SymbolTooLarge):
        symbols.plan_qr("x" * 2000, 100)


def test_placement_snaps_to_the_dot_grid_inside_its_box():
    page_height = mm(150)
    box = Box(mm(3.1), mm(100.3), mm(70.7), mm(120.9))
    code = symbols.plan_code128(make("EC", 1), 10_000, 100)
    placed = symbols.place(code, box, page_height)
    quiet = placed.quiet_box(page_height)
    assert box.contains(quiet)
    assert quiet.x0 / DOT == pytest.approx(round(quiet.x0 / DOT))
    assert (page_height - quiet.y1) / DOT == pytest.approx(round((page_height - quiet.y1) / DOT))
    with pytest.raises(SymbolTooLarge):
        symbols.place(code, Box(0, 0, mm(20), mm(20)), page_height)


def test_operators_are_small_integers_after_one_scaling():
    code = symbols.plan_code128(make("EC", 13643185), 10_000, 120)
    scaling, *bars = symbols.operators(symbols.Placed(code, 7, 11)).splitlines()
    assert scaling == f"3 0 0 120 {7 + 10 * 3} 11 cm"  # module 3 dots, after the quiet zone
    assert len(bars) == len(code.bars)
    for op, (start, length) in zip(bars, code.bars, strict=True):
        assert op == f"{start} 0 {length} 1 re"
