from __future__ import annotations

import json

import pytest

from courier.adapters import vnpost
from courier.adapters.base import MalformedPayload, for_direction

IN, OUT = "EC136431858VN", "EC136431861VN"
DD = "direction_dependent"

# fixture -> (item_id, event, occurred_at, sorted flags) per track line
FIXTURE_TABLE = {
    "vnpost_single_accepted.json": [(IN, "picked_up", "2025-03-14T08:05:00+07:00", (DD,))],
    "vnpost_journey_delivered.json": [
        (IN, "picked_up", "2025-03-14T08:05:00+07:00", (DD,)),
        (IN, "in_transit", "2025-03-14T13:30:00+07:00", ()),
        (IN, "at_post_office", "2025-03-15T07:45:00+07:00", ()),
        (IN, "out_for_delivery", "2025-03-15T08:10:00+07:00", (DD,)),
        (IN, "delivered", "2025-03-15T09:55:00+07:00", (DD,)),
    ],
    "vnpost_batch.json": [
        (IN, "in_transit", "2025-03-14T13:30:00+07:00", ()),
        (OUT, "picked_up", "2025-03-19T14:00:00+07:00", (DD,)),
        (OUT, "in_transit", "2025-03-19T16:30:00+07:00", ()),
    ],
    "vnpost_failed_and_returned.json": [
        (OUT, "out_for_delivery", "2025-03-20T08:00:00+07:00", (DD,)),
        (OUT, "delivery_failed", "2025-03-20T15:20:00+07:00", (DD,)),
        (OUT, "in_transit", "2025-03-23T16:00:00+07:00", ("returning",)),
        (OUT, "returned", "2025-03-25T10:15:00+07:00", ()),
    ],
    "vnpost_unknown_line.json": [(OUT, None, "2025-03-20T17:05:00+07:00", ("unknown_code",))],
    "vnpost_no_diacritics.json": [
        (IN, "in_transit", "2025-03-14T13:30:00+07:00", ()),
        (IN, "out_for_delivery", "2025-03-15T01:10:00+00:00", (DD,)),
        (IN, "delivered", "2025-03-15T09:55:00+07:00", (DD,)),  # naive ISO: Vietnam time
    ],
}


@pytest.mark.parametrize(("name", "expected"), FIXTURE_TABLE.items())
def test_recorded_payloads(name, expected, fixture_bytes, rows) -> None:
    assert rows(vnpost.parse(fixture_bytes(name))) == expected


def test_keeps_the_post_office_and_the_words_as_sent(fixture_bytes) -> None:
    (cp,) = vnpost.parse(fixture_bytes("vnpost_single_accepted.json"))
    assert cp.location == {"name": "Bưu cục Mường Xén", "code": "465100"}
    assert (cp.raw_code, cp.raw_label) == ("chap nhan gui", "Chấp nhận gửi")
    assert cp.note == "Nhận tại địa chỉ công dân"


def test_inbound_journey_ends_handed_to_center(fixture_bytes) -> None:
    journey = vnpost.parse(fixture_bytes("vnpost_journey_delivered.json"))
    assert [for_direction(cp, "inbound").event for cp in journey] == [
        "picked_up",
        "in_transit",
        "at_post_office",
        "in_transit",
        "handed_to_center",
    ]


def test_outbound_acceptance_is_the_handover_to_the_post(fixture_bytes) -> None:
    cps = vnpost.parse(fixture_bytes("vnpost_batch.json"))
    assert for_direction(cps[1], "outbound").event == "handed_to_courier"


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("Chấp nhận gửi", "picked_up"),
        ("chap nhan gui", "picked_up"),
        ("ĐI KHỎI BƯU CỤC", "in_transit"),
        ("Đã đến bưu cục", "at_post_office"),
        ("Giao bưu tá đi phát", "out_for_delivery"),
        ("Phát thành công", "delivered"),
        ("Phát không thành công", "delivery_failed"),
        ("Chuyển hoàn", "in_transit"),
        ("Đã chuyển hoàn", "returned"),
        ("Phát thành", None),  # a prefix is not a match
        ("Đến bưu cục", None),  # nor a near-synonym: never guessed
    ],
)
def test_track_line_texts(text: str, event: str | None) -> None:
    (cp,) = vnpost.parse(_body(StatusName=text))
    assert cp.event == event
    assert ("unknown_code" in cp.flags) == (event is None)
    assert cp.raw_label == text.strip()


def _body(**line) -> dict:
    fields = {"StatusName": "Phát thành công", "Time": "15/03/2025 09:55:00"}
    return {
        "ItemCode": IN,
        "TraceLines": [{k: v for k, v in (fields | line).items() if v is not ...}],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"\x00\x01", "body"),
        ("Phát thành công", "body"),
        ({"ItemCode": IN}, "body.TraceLines"),
        ({"ItemCode": IN, "TraceLines": {"StatusName": "x"}}, "body.TraceLines"),
        ({"TraceLines": []}, "body.ItemCode"),
        ([_body(), {"ItemCode": "", "TraceLines": []}], "body[1].ItemCode"),
        ({"ItemCode": IN, "TraceLines": ["Phát thành công"]}, "body.TraceLines[0]"),
        (_body(StatusName=...), "body.TraceLines[0].StatusName"),
        (_body(StatusName=" "), "body.TraceLines[0].StatusName"),
        (_body(Time=...), "body.TraceLines[0].Time"),
        (_body(Time="15/03/2025"), "body.TraceLines[0].Time"),
        (_body(Time="32/03/2025 09:00:00"), "body.TraceLines[0].Time"),
        (_body(Time="hôm qua"), "body.TraceLines[0].Time"),
        (_body(PostOfficeName={"vi": "Vinh"}), "body.TraceLines[0].PostOfficeName"),
    ],
)
def test_malformed_bodies_name_the_field(body, field) -> None:
    with pytest.raises(MalformedPayload) as info:
        vnpost.parse(body)
    assert info.value.field == field


def test_one_bad_line_rejects_the_batch(fixture_bytes) -> None:
    body = json.loads(fixture_bytes("vnpost_batch.json"))
    body[1]["TraceLines"][1]["Time"] = ""
    with pytest.raises(MalformedPayload) as info:
        vnpost.parse(body)
    assert info.value.field == "body[1].TraceLines[1].Time"
