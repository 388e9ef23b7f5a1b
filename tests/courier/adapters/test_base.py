from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from courier.adapters.base import (
    CENTER_TZ,
    DIRECTION_DEPENDENT,
    InboundCheckpoint,
    MalformedPayload,
    clean_item_id,
    fold_text,
    for_direction,
    load_body,
    parse_iso_time,
    parse_location,
)

AT = datetime(2025, 3, 15, 9, 55, tzinfo=CENTER_TZ)


def cp(event: str | None, flags: tuple[str, ...] = (DIRECTION_DEPENDENT,)) -> InboundCheckpoint:
    return InboundCheckpoint("EC136431858VN", event, AT, "x", flags=flags)


def test_checkpoint_is_frozen() -> None:
    with pytest.raises(AttributeError):
        cp("delivered").event = "returned"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"occurred_at": datetime(2025, 3, 15, 9, 55)}, "timezone-aware"),
        ({"event": "teleported"}, "vocabulary"),
    ],
)
def test_checkpoint_refuses_programming_errors(kwargs: dict, message: str) -> None:
    base = {"item_id": "EC136431858VN", "event": "delivered", "occurred_at": AT, "raw_code": "x"}
    with pytest.raises(ValueError, match=message):
        InboundCheckpoint(**(base | kwargs))


@pytest.mark.parametrize(
    ("event", "direction", "expected"),
    [
        ("delivered", "inbound", "handed_to_center"),
        ("delivered", "outbound", "delivered"),
        ("out_for_delivery", "inbound", "in_transit"),
        ("out_for_delivery", "outbound", "out_for_delivery"),
        ("delivery_failed", "inbound", "at_post_office"),
        ("delivery_failed", "outbound", "delivery_failed"),
        ("picked_up", "inbound", "picked_up"),
        ("picked_up", "outbound", "handed_to_courier"),
        ("in_transit", "inbound", "in_transit"),
        (None, "inbound", None),
    ],
)
def test_for_direction_remaps_flagged_checkpoints(
    event: str | None, direction: str, expected: str | None
) -> None:
    remapped = for_direction(cp(event), direction)
    assert remapped.event == expected
    assert for_direction(remapped, direction) == remapped  # idempotent
    assert remapped.raw_code == "x"  # the courier's words stay


def test_for_direction_leaves_unflagged_checkpoints_alone() -> None:
    plain = cp("delivered", flags=())
    assert for_direction(plain, "inbound") is plain


def test_for_direction_refuses_unknown_direction() -> None:
    with pytest.raises(ValueError, match="direction"):
        for_direction(cp("delivered"), "sideways")


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Phát thành công", "phat thanh cong"),
        ("  PHÁT   THÀNH CÔNG ", "phat thanh cong"),
        ("Đã đến bưu cục", "da den buu cuc"),
        ("Ðóng túi gói", "dong tui goi"),  # Ð (eth) typed for Đ
        ("Bưu cục Mường Xén", "buu cuc muong xen"),
    ],
)
def test_fold_text(text: str, folded: str) -> None:
    assert fold_text(text) == folded


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ec 136431858 vn", "EC136431858VN"),
        (" EC136431858VN ", "EC136431858VN"),
        ("1785432109876", "1785432109876"),
        ("eb123456789vn", "eb123456789vn"),  # not a valid S10: kept as sent
    ],
)
def test_clean_item_id(raw: str, expected: str) -> None:
    assert clean_item_id(raw, "data.item_id") == expected


@pytest.mark.parametrize(
    ("raw", "says"), [("X" * 33, "at most 32"), ("GHN\x00123", "control"), ("A\tB", "control")]
)
def test_an_item_id_that_cannot_be_kept_is_malformed(raw: str, says: str) -> None:
    with pytest.raises(MalformedPayload) as caught:
        clean_item_id(raw, "data.item_id")
    assert caught.value.field == "data.item_id" and says in caught.value.message
    assert clean_item_id("Y" * 32, "data.item_id") == "Y" * 32


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-15T09:55:00+07:00", "2025-03-15T09:55:00+07:00"),
        ("2025-03-15T02:55:00Z", "2025-03-15T02:55:00+00:00"),
        ("2025-03-15 09:55", "2025-03-15T09:55:00+07:00"),  # naive: Vietnam time
    ],
)
def test_parse_iso_time(value: str, expected: str) -> None:
    parsed = parse_iso_time(value, "t")
    assert parsed.isoformat() == expected
    if "+" not in value and "Z" not in value:
        assert parsed.tzinfo == ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"\xff\xfe\x00", "body"),
        (b"", "body"),
        (42, "body"),
    ],
)
def test_load_body_refuses_non_json(body: object, field: str) -> None:
    with pytest.raises(MalformedPayload) as info:
        load_body(body)  # type: ignore[arg-type]
    assert info.value.field == field


def test_load_body_accepts_bom_and_decoded_values() -> None:
    assert load_body('\ufeff{"a": 1}'.encode()) == {"a": 1}
    assert load_body([1]) == [1]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("Bưu cục Vinh", "loc"),
        ({"lat": "19.4"}, "loc.lat"),
        ({"lat": True}, "loc.lat"),
        ({"lon": 181}, "loc.lon"),
        ({"name": ["Bưu cục Vinh"]}, "loc.name"),
    ],
)
def test_parse_location_refuses_bad_values(value: object, field: str) -> None:
    with pytest.raises(MalformedPayload) as info:
        parse_location(value, "loc")
    assert info.value.field == field


def test_parse_location_keeps_known_keys_only() -> None:
    assert parse_location({"name": " Bưu cục Vinh ", "lat": 18, "extra": 1}, "loc") == {
        "name": "Bưu cục Vinh",
        "lat": 18.0,
    }
    assert parse_location({}, "loc") is None


def test_malformed_payload_carries_message_and_field() -> None:
    error = MalformedPayload("missing", "data.item_id")
    assert (error.message, error.field, str(error)) == (
        "missing",
        "data.item_id",
        "data.item_id: missing",
    )
