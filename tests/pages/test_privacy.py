"""The masking rule and the place rule of the public pages (pure functions, no app)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tracking.privacy import mask_name, same_place_words

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Thị Ánh Tuyết", "Nguyễn T. Á. T***"),
        ("Lê Hương", "Lê H***"),
        ("Tuyết", "T***"),
        ("  Hồ   Văn  Minh ", "Hồ V. M***"),
        ("Lương Thị Mai", "Lương T. M***"),
        ("", "***"),
        (None, "***"),
        ("   ", "***"),
        # Decomposed input (as some keyboards send it) masks the same way as composed input.
        (unicodedata.normalize("NFD", "Đặng Ánh Ổn"), "Đặng Á. Ổ***"),
    ],
)
def test_mask_name(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


def test_the_masked_name_hides_the_given_name_and_its_length() -> None:
    short, long = mask_name("Trần Thị An"), mask_name("Trần Thị Anh Thư Nguyệt")
    assert "An" not in short.split()[-1] and short.endswith("A***")
    assert long.endswith("N***") and "Nguyệt" not in long


@pytest.mark.parametrize(
    ("place", "address", "same"),
    [
        ("Bản Huồi Giảng 1", "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An", True),
        ("bản huồi  giảng 1", "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An", True),
        ("Mường Xén", "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An", True),
        ("Bưu cục Mường Xén", "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An", False),
        ("Quầy số 3", "12 Lê Lợi, phường Thành Vinh", False),
        ("", "12 Lê Lợi", False),
    ],
)
def test_same_place_words(place: str, address: str, same: bool) -> None:
    assert same_place_words(place, address) is same


def test_privacy_is_pure() -> None:
    code = (
        "import sys, tracking.privacy\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "sys.exit(1 if bad else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
