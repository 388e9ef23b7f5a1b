"""Text fitting: wrap, shrink to a minimum, then cut with an ellipsis; never overflow."""

from __future__ import annotations

import pytest

from labels import fonts, text
from labels.geometry import Box, mm
from labels.text import ELLIPSIS, Para

VIETNAMESE = "Nguyễn Thị Ánh Tuyết Xã Mường Xén ễ ạ ự Đ Ỗ Ữ Ậ ỹ"


def _inside(fitted: text.Fitted, box: Box) -> bool:
    for line in fitted.lines:
        top = line.baseline - fonts.ASCENT * line.size
        bottom = line.baseline + fonts.DESCENT * line.size
        if line.width > box.width + 1e-6 or top < -1e-6 or bottom > box.height + 1e-6:
            return False
    return True


def test_font_covers_vietnamese_in_both_weights():
    alphabet = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"
    letters = alphabet + alphabet.upper() + "–…"
    assert fonts.missing_glyphs(letters, fonts.REGULAR) == set()
    assert fonts.missing_glyphs(letters, fonts.BOLD) == set()
    assert "site-packages" in str(fonts.font_path(fonts.REGULAR))


def test_short_text_keeps_its_size():
    box = Box(0, 0, mm(80), mm(20))
    fitted = text.fit([Para(VIETNAMESE[:20])], box, 12, 6)
    assert fitted.size == 12 and not fitted.truncated and len(fitted.lines) == 1


def test_wraps_before_shrinking():
    box = Box(0, 0, mm(50), mm(30))
    fitted = text.fit([Para(VIETNAMESE)], box, 10, 6)
    assert fitted.size == 10 and len(fitted.lines) > 1
    assert " ".join(line.text for line in fitted.lines) == VIETNAMESE


def test_shrinks_before_cutting():
    box = Box(0, 0, mm(50), mm(9))
    fitted = text.fit([Para(VIETNAMESE)], box, 12, 5)
    assert 5 <= fitted.size < 12 and not fitted.truncated
    assert " ".join(line.text for line in fitted.lines) == VIETNAMESE
    assert _inside(fitted, box)


def test_cuts_with_an_ellipsis_at_the_minimum_size():
    box = Box(0, 0, mm(40), mm(8))
    fitted = text.fit([Para(VIETNAMESE * 4)], box, 12, 8)
    assert fitted.truncated and fitted.size == 8
    assert fitted.lines[-1].text.endswith(ELLIPSIS)
    assert _inside(fitted, box)


def test_max_lines_cuts_one_paragraph_only():
    box = Box(0, 0, mm(40), mm(60))
    paras = [Para(VIETNAMESE * 3, bold=True, max_lines=2), Para("ĐT: 0912 345 678")]
    fitted = text.fit(paras, box, 10, 6)
    assert [line.text for line in fitted.lines][-1] == "ĐT: 0912 345 678"
    assert fitted.lines[1].text.endswith(ELLIPSIS)


def test_a_word_wider_than_the_box_is_broken():
    box = Box(0, 0, mm(20), mm(40))
    word = "000.00.04.H41-230414-0002-000.00.04.H41"
    fitted = text.fit([Para(word)], box, 10, 10)
    assert "".join(line.text for line in fitted.lines) == word
    assert _inside(fitted, box)


@pytest.mark.parametrize("length", [1, 40, 120, 400, 2000])
@pytest.mark.parametrize("width_mm", [15, 40, 90])
def test_never_overflows(length, width_mm):
    content = (VIETNAMESE + " ") * (length // len(VIETNAMESE) + 1)
    box = Box(0, 0, mm(width_mm), mm(12))
    fitted = text.fit([Para("NGƯỜI NHẬN", bold=True), Para(content[:length])], box, 11, 6)
    assert fitted.lines and _inside(fitted, box)


def test_ellipsize_fits_the_width():
    width = mm(25)
    cut = text.ellipsize(VIETNAMESE, fonts.REGULAR, 10, width)
    assert cut.endswith(ELLIPSIS) and fonts.text_width(cut, fonts.REGULAR, 10) <= width
