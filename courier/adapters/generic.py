"""The product's own webhook format (CONTRACT.md, "Courier webhooks (inbound)").

A courier added with ``courier add`` speaks this format unless it names another adapter::

    {"type": "shipment.checkpoint", "timestamp": "2025-03-14T09:12:00+07:00",
     "data": {"item_id": "EC136431858VN", "event": "picked_up",
              "occurred_at": "2025-03-14T09:10:00+07:00",
              "location": {"name": "Bưu cục Mường Xén", "code": "463600",
                           "lat": 19.40, "lon": 104.13},
              "note": "..."}}

``data`` may also be a list of such objects (a batch). The events are already the product's
vocabulary, so there is no code map to keep: the map is the vocabulary itself. An event outside it
is kept with the flag ``unknown_code`` (never dropped, never guessed). The generic format never
sets ``direction_dependent``: a courier speaking it says ``handed_to_center`` or ``delivered``
itself, and the core checks the event against the shipment's direction.
"""

from __future__ import annotations

from typing import Any

from courier.adapters.base import (
    UNKNOWN_CODE,
    InboundCheckpoint,
    MalformedPayload,
    clean_item_id,
    elements,
    load_body,
    optional_text,
    parse_iso_time,
    parse_location,
    require_object,
    required_text,
)
from tracking.status import EVENTS

# Source: CONTRACT.md "Checkpoints" (tracking.status.EVENTS). Each event maps to itself.
CODE_MAP: dict[str, str] = {event: event for event in EVENTS}

TYPE = "shipment.checkpoint"


def parse(body: bytes | str | dict | list) -> list[InboundCheckpoint]:
    """Every checkpoint in a generic body; any malformed element rejects the whole body."""
    envelope = require_object(load_body(body), "body")
    kind = envelope.get("type")
    if kind != TYPE:
        raise MalformedPayload(f"expected {TYPE!r}, got {kind!r}", "type")
    if envelope.get("timestamp") is not None:
        parse_iso_time(envelope["timestamp"], "timestamp")
    if "data" not in envelope:
        raise MalformedPayload("missing", "data")
    return [_checkpoint(obj, where) for where, obj in elements(envelope["data"], "data")]


def _checkpoint(obj: dict[str, Any], where: str) -> InboundCheckpoint:
    item_id = clean_item_id(required_text(obj, "item_id", where), f"{where}.item_id")
    raw_event = required_text(obj, "event", where)
    event = CODE_MAP.get(raw_event)
    return InboundCheckpoint(
        item_id=item_id,
        event=event,
        occurred_at=parse_iso_time(obj.get("occurred_at"), f"{where}.occurred_at"),
        raw_code=raw_event,
        raw_label=None,
        location=parse_location(obj.get("location"), f"{where}.location"),
        note=optional_text(obj, "note", where),
        flags=() if event is not None else (UNKNOWN_CODE,),
    )
