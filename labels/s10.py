"""UPU S10 item identifiers: two letters, eight-digit serial, check digit, country code.

Source: UPU standard S10 (DOMAIN.md "Identifiers"): weights 8,6,4,2,3,5,9,7 on the serial;
C = 11 - (sum mod 11); C = 10 -> 0; C = 11 -> 5.
Pure: no Flask, no database.
"""

from __future__ import annotations

import re

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
S10_RE = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")
SERIAL_MAX = 99_999_999


class S10Error(ValueError):
    """An identifier or serial that S10 does not allow."""


def check_digit(serial: int | str) -> int:
    digits = f"{int(serial):08d}" if isinstance(serial, int) else serial
    if len(digits) != 8 or not digits.isdigit():
        raise S10Error(f"an S10 serial has 8 digits, not {digits!r}")
    c = 11 - sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11
    if c == 10:
        return 0
    if c == 11:
        return 5
    return c


def make(indicator: str, serial: int, country: str = "VN") -> str:
    """The identifier for a serial, e.g. ``make("EC", 13643185)`` -> ``"EC136431858VN"``."""
    if not re.fullmatch(r"[A-Z]{2}", indicator):
        raise S10Error(f"a service indicator is two capital letters, not {indicator!r}")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise S10Error(f"a country code is two capital letters, not {country!r}")
    if not 0 <= serial <= SERIAL_MAX:
        raise S10Error(f"an S10 serial is 0..{SERIAL_MAX}, not {serial}")
    return f"{indicator}{serial:08d}{check_digit(serial)}{country}"


def is_valid(item_id: str) -> bool:
    if not isinstance(item_id, str) or not S10_RE.match(item_id):
        return False
    return check_digit(item_id[2:10]) == int(item_id[10])


def normalize(text: str) -> str:
    """What a scanner or a person typed, as an identifier: spaces removed, upper case."""
    return re.sub(r"\s+", "", text or "").upper()
