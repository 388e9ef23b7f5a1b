from __future__ import annotations

import json

import pytest

from courier.adapters import viettelpost
from courier.adapters.base import MalformedPayload, for_direction

IN, OUT = "EC136431858VN", "EC136431861VN"
DD = "direction_dependent"

# One recorded payload per status family: fixture -> (item_id, event, occurred_at, sorted flags).
FIXTURE_TABLE = {
    "viettelpost_100_booked.json": [(IN, "label_created", "2025-03-14T07:30:12+07:00", ())],
    "viettelpost_105_picked_up.json": [(IN, "picked_up", "2025-03-14T08:05:41+07:00", (DD,))],
    "viettelpost_200_origin_office.json": [(IN, "at_post_office", "2025-03-14T11:20:00+07:00", ())],
    "viettelpost_302_outbound_sorting.json": [(IN, "in_transit", "2025-03-14T13:30:05+07:00", ())],
    "viettelpost_401_inbound_sorting.json": [
        (IN, "at_post_office", "2025-03-15T07:45:30+07:00", ())
    ],
    "viettelpost_500_out_for_delivery.json": [
        (IN, "out_for_delivery", "2025-03-15T08:10:00+07:00", (DD,))
    ],
    "viettelpost_501_delivered.json": [(IN, "delivered", "2025-03-15T09:55:10+07:00", (DD,))],
    "viettelpost_502_returning.json": [
        (OUT, "in_transit", "2025-03-23T16:00:00+07:00", ("returning",))
    ],
    "viettelpost_503_cancelled.json": [(IN, "cancelled", "2025-03-14T07:50:00+07:00", ())],
    "viettelpost_504_returned.json": [
        (OUT, "returned", "2025-03-25T10:15:00+07:00", ("returning",))  # IS_RETURNING: true
    ],
    "viettelpost_506_held.json": [
        (OUT, "delivery_failed", "2025-03-20T15:20:00+07:00", (DD, "held"))
    ],
    "viettelpost_507_held_for_collection.json": [
        (OUT, "at_post_office", "2025-03-20T16:00:00+07:00", ("held",))
    ],
    "viettelpost_508_redelivery.json": [
        (OUT, "out_for_delivery", "2025-03-22T08:00:00+07:00", (DD, "redelivery"))
    ],
    "viettelpost_515_return_approved.json": [
        (OUT, None, "2025-03-23T09:00:00+07:00", ("no_movement", "returning"))
    ],
    "viettelpost_unknown_code.json": [(IN, None, "2025-03-14T07:31:00+07:00", ("unknown_code",))],
    "viettelpost_order_number_only.json": [
        ("1785432109876", "picked_up", "2025-03-14T08:05:41+07:00", ("courier_item_id", DD))
    ],
    "viettelpost_batch.json": [
        (IN, "in_transit", "2025-03-14T17:00:00+07:00", ()),
        (IN, "at_post_office", "2025-03-15T05:40:00+07:00", ()),
        (IN, "in_transit", "2025-03-15T06:30:00+07:00", ()),  # ORDER_STATUS sent as "509"
    ],
}


@pytest.mark.parametrize(("name", "expected"), FIXTURE_TABLE.items())
def test_recorded_payloads(name, expected, fixture_bytes, rows) -> None:
    assert rows(viettelpost.parse(fixture_bytes(name))) == expected


def test_keeps_viettel_words_location_and_note(fixture_bytes) -> None:
    (cp,) = viettelpost.parse(fixture_bytes("viettelpost_501_delivered.json"))
    assert (cp.raw_code, cp.raw_label) == ("501", "Thành công - Phát thành công")
    assert cp.location == {"name": "NAN - Bưu cục Vinh"}
    assert cp.note == "Người nhận: Trung tâm PVHCC tỉnh Nghệ An"


def test_no_location_when_viettel_sends_none(fixture_bytes) -> None:
    (cp,) = viettelpost.parse(fixture_bytes("viettelpost_100_booked.json"))
    assert (cp.location, cp.note) == (None, None)


# DOMAIN.md "Couriers' own vocabularies" lists these codes; each must be mapped (to an event or,
# deliberately, to none), so that none of them ever arrives as "unknown_code".
DOMAIN_CODES = [
    *range(100, 108),
    200,
    *range(300, 304),
    *range(400, 404),
    *range(500, 510),
    515,
    550,
]


@pytest.mark.parametrize("code", DOMAIN_CODES)
def test_every_documented_code_is_mapped(code: int) -> None:
    rule = viettelpost.CODE_MAP[code]
    assert rule.meaning
    assert rule.event is not None or {"no_movement", "needs_review"} & set(rule.flags)


@pytest.mark.parametrize(
    ("code", "inbound", "outbound"),
    [
        (105, "picked_up", "handed_to_courier"),
        (500, "in_transit", "out_for_delivery"),
        (501, "handed_to_center", "delivered"),
        (506, "at_post_office", "delivery_failed"),
        (508, "in_transit", "out_for_delivery"),
        (400, "at_post_office", "at_post_office"),
        (503, "cancelled", "cancelled"),
    ],
)
def test_codes_read_per_direction(code: int, inbound: str, outbound: str) -> None:
    (cp,) = viettelpost.parse(_body(ORDER_STATUS=code))
    assert (for_direction(cp, "inbound").event, for_direction(cp, "outbound").event) == (
        inbound,
        outbound,
    )


def _body(**data) -> dict:
    fields = {
        "ORDER_NUMBER": "1785432109876",
        "ORDER_REFERENCE": IN,
        "ORDER_STATUSDATE": "15/03/2025 09:55:10",
        "ORDER_STATUS": 501,
        "STATUS_NAME": "Thành công - Phát thành công",
    }
    return {"DATA": {k: v for k, v in (fields | data).items() if v is not ...}}


@pytest.mark.parametrize(
    ("data", "item_id", "flags"),
    [
        ({}, IN, ()),
        ({"ORDER_REFERENCE": "ec 136431858 vn"}, IN, ()),
        ({"ORDER_REFERENCE": "EB123456789VN"}, "1785432109876", ("courier_item_id",)),  # bad check
        ({"ORDER_REFERENCE": ""}, "1785432109876", ("courier_item_id",)),
        ({"ORDER_REFERENCE": ...}, "1785432109876", ("courier_item_id",)),
        (
            {"ORDER_REFERENCE": ..., "ORDER_NUMBER": 1785432109876},
            "1785432109876",
            ("courier_item_id",),
        ),
        ({"ORDER_NUMBER": ...}, IN, ()),
    ],
)
def test_item_id_prefers_our_s10_reference(data, item_id, flags) -> None:
    (cp,) = viettelpost.parse(_body(**data))
    assert cp.item_id == item_id
    assert tuple(f for f in cp.flags if f == "courier_item_id") == flags


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"<xml/>", "body"),
        (b'"DATA"', "body"),
        ({"data": {}}, "DATA"),
        ({"DATA": "501"}, "DATA"),
        ([{"DATA": {}}, 5], "body[1]"),
        (_body(ORDER_REFERENCE="000.00.04.H41-250314-0002", ORDER_NUMBER=...), "DATA.ORDER_NUMBER"),
        (_body(ORDER_STATUS=...), "DATA.ORDER_STATUS"),
        (_body(ORDER_STATUS="đã phát"), "DATA.ORDER_STATUS"),
        (_body(ORDER_STATUS=True), "DATA.ORDER_STATUS"),
        (_body(ORDER_STATUS=501.5), "DATA.ORDER_STATUS"),
        (_body(ORDER_STATUSDATE=...), "DATA.ORDER_STATUSDATE"),
        (_body(ORDER_STATUSDATE="31/02/2025 10:00:00"), "DATA.ORDER_STATUSDATE"),
        (_body(ORDER_STATUSDATE="2025-03-15T09:55:10+07:00"), "DATA.ORDER_STATUSDATE"),
        (_body(STATUS_NAME={"vi": "x"}), "DATA.STATUS_NAME"),
        (_body(LOCALION_CURRENTLY=["Vinh"]), "DATA.LOCALION_CURRENTLY"),
    ],
)
def test_malformed_bodies_name_the_field(body, field) -> None:
    with pytest.raises(MalformedPayload) as info:
        viettelpost.parse(body)
    assert info.value.field == field


def test_recorded_malformed_date(fixture_bytes) -> None:
    with pytest.raises(MalformedPayload) as info:
        viettelpost.parse(fixture_bytes("viettelpost_malformed_date.json"))
    assert info.value.field == "DATA.ORDER_STATUSDATE"


def test_one_bad_element_rejects_the_batch(fixture_bytes) -> None:
    body = json.loads(fixture_bytes("viettelpost_batch.json"))
    body["DATA"][1]["ORDER_STATUS"] = None
    with pytest.raises(MalformedPayload) as info:
        viettelpost.parse(body)
    assert info.value.field == "DATA[1].ORDER_STATUS"


def test_a_list_of_whole_bodies_is_a_batch(fixture_bytes, rows) -> None:
    bodies = [
        json.loads(fixture_bytes("viettelpost_105_picked_up.json")),
        json.loads(fixture_bytes("viettelpost_200_origin_office.json")),
    ]
    assert [r[1] for r in rows(viettelpost.parse(json.dumps(bodies).encode()))] == [
        "picked_up",
        "at_post_office",
    ]


def test_time_without_seconds_is_accepted() -> None:
    (cp,) = viettelpost.parse(_body(ORDER_STATUSDATE="15/03/2025 09:55"))
    assert cp.occurred_at.isoformat() == "2025-03-15T09:55:00+07:00"
