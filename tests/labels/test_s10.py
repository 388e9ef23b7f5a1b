"""UPU S10 identifiers: the vectors of DOMAIN.md and the rules of the check digit."""

from __future__ import annotations

import pytest

from labels import s10


@pytest.mark.parametrize(
    ("serial", "digit"),
    [
        (47312482, 9),
        ("47312482", 9),
        (12345678, 5),
        (28704377, 5),
        (13643185, 8),
        (0, 5),
        (10000000, 3),
    ],
)
def test_check_digit(serial: int | str, digit: int) -> None:
    assert s10.check_digit(serial) == digit


@pytest.mark.parametrize("item", ["RR287043775IN", "EC136431858VN", "EC100000003VN"])
def test_valid(item: str) -> None:
    assert s10.is_valid(item)


@pytest.mark.parametrize(
    "item",
    [
        "EB123456789VN",
        "EB123456785vn",
        "EB12345678VN",
        "E1123456785VN",
        "",
        "EC1364318580VN",
        None,
        123,
    ],
)
def test_invalid(item: object) -> None:
    assert not s10.is_valid(item)  # type: ignore[arg-type]


def test_make_round_trips_and_refuses_bad_parts() -> None:
    assert s10.make("EC", 13643185) == "EC136431858VN"
    assert s10.make("RR", 28704377, "IN") == "RR287043775IN"
    for serial in range(0, 100_000_000, 999_983):
        assert s10.is_valid(s10.make("EC", serial))
    for bad in (("E", 1, "VN"), ("EC", -1, "VN"), ("EC", 100_000_000, "VN"), ("EC", 1, "vn")):
        with pytest.raises(s10.S10Error):
            s10.make(*bad)
    with pytest.raises(s10.S10Error):
        s10.check_digit("1234567")


def test_check_digit_10_and_11_cases() -> None:
    # Find serials whose raw check value is 10 (→ 0) and 11 (→ 5).
    raw = {}
    for serial in range(200):
        digits = f"{serial:08d}"
        c = 11 - sum(int(d) * w for d, w in zip(digits, s10.WEIGHTS, strict=True)) % 11
        raw.setdefault(c, serial)
    assert s10.check_digit(raw[10]) == 0
    assert s10.check_digit(raw[11]) == 5


def test_normalize() -> None:
    assert s10.normalize(" ec 136 431 858 vn\n") == "EC136431858VN"
