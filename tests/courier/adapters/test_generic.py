from __future__ import annotations

import json

import pytest

from courier.adapters import generic
from courier.adapters.base import MalformedPayload

IN, OUT = "EC136431858VN", "EC136431861VN"

# fixture -> (item_id, event, occurred_at, sorted flags) per checkpoint
FIXTURE_TABLE = {
    "generic_single.json": [(IN, "picked_up", "2025-03-14T08:05:00+07:00", ())],
    "generic_batch.json": [
        (IN, "in_transit", "2025-03-14T13:30:00+07:00", ()),
        (IN, "at_post_office", "2025-03-15T07:45:00+07:00", ()),  # naive: Vietnam time
        (IN, "handed_to_center", "2025-03-15T02:55:00+00:00", ()),
    ],
    "generic_unknown_event.json": [(IN, None, "2025-03-15T05:40:00+07:00", ("unknown_code",))],
    "generic_outbound_delivered.json": [(OUT, "delivered", "2025-03-20T14:41:00+07:00", ())],
}


@pytest.mark.parametrize(("name", "expected"), FIXTURE_TABLE.items())
def test_recorded_payloads(name, expected, fixture_bytes, rows) -> None:
    assert rows(generic.parse(fixture_bytes(name))) == expected


def test_single_keeps_location_note_and_raw_event(fixture_bytes) -> None:
    (cp,) = generic.parse(fixture_bytes("generic_single.json"))
    assert cp.location == {
        "name": "Bưu cục Mường Xén",
        "code": "465100",
        "lat": 19.4036,
        "lon": 104.1308,
    }
    assert cp.note == "Đã niêm phong hồ sơ trước mặt công dân"
    assert (cp.raw_code, cp.raw_label) == ("picked_up", None)


def test_unknown_event_is_kept_with_its_code(fixture_bytes) -> None:
    (cp,) = generic.parse(fixture_bytes("generic_unknown_event.json"))
    assert (cp.event, cp.raw_code) == (None, "arrived_at_hub")


def test_generic_never_marks_direction_dependent(fixture_bytes) -> None:
    (cp,) = generic.parse(fixture_bytes("generic_outbound_delivered.json"))
    assert "direction_dependent" not in cp.flags


def test_item_id_is_normalized_when_it_is_s10() -> None:
    body = {
        "type": "shipment.checkpoint",
        "data": {"item_id": " ec136431858vn", "event": "picked_up", "occurred_at": "2025-03-14"},
    }
    (cp,) = generic.parse(body)
    assert cp.item_id == IN


def test_empty_batch_is_empty() -> None:
    assert generic.parse({"type": "shipment.checkpoint", "data": []}) == []


def _body() -> dict:
    item = {"item_id": IN, "event": "picked_up", "occurred_at": "2025-03-14T08:05:00+07:00"}
    return {"type": "shipment.checkpoint", "timestamp": "2025-03-14T08:06:00+07:00", "data": item}


def _with(path: str, value) -> dict:
    """A valid body with one field replaced (value ... deletes it)."""
    body = _body()
    target = body
    *parents, last = path.split(".")
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{", "body"),
        (json.dumps([_body()]).encode(), "body"),
        (_with("type", "dossier.status"), "type"),
        (_with("type", ...), "type"),
        (_with("timestamp", "yesterday"), "timestamp"),
        (_with("data", ...), "data"),
        (_with("data", "picked_up"), "data"),
        (_with("data.item_id", ...), "data.item_id"),
        (_with("data.item_id", "  "), "data.item_id"),
        (_with("data.event", ...), "data.event"),
        (_with("data.event", ["picked_up"]), "data.event"),
        (_with("data.occurred_at", ...), "data.occurred_at"),
        (_with("data.occurred_at", "14/03/2025 08:05"), "data.occurred_at"),
        (_with("data.occurred_at", 1741914300), "data.occurred_at"),
        (_with("data.location", "Bưu cục Vinh"), "data.location"),
        (_with("data.location", {"lat": 95}), "data.location.lat"),
        (_with("data.note", {"text": "x"}), "data.note"),
    ],
)
def test_malformed_bodies_name_the_field(body, field) -> None:
    with pytest.raises(MalformedPayload) as info:
        generic.parse(body)
    assert info.value.field == field


def test_one_bad_element_rejects_the_batch(fixture_bytes) -> None:
    body = json.loads(fixture_bytes("generic_batch.json"))
    body["data"][2]["occurred_at"] = "soon"
    with pytest.raises(MalformedPayload) as info:
        generic.parse(body)
    assert info.value.field == "data[2].occurred_at"
