"""What every courier adapter returns, the errors it raises, and the helpers they share.

Couriers describe an item's journey in their own words (Viettel Post's integer ``ORDER_STATUS``,
Vietnam Post's track-line texts). An adapter turns one courier's webhook body into
:class:`InboundCheckpoint` values that speak the product's vocabulary (``tracking.status.EVENTS``),
so that the core never learns a courier's dialect. Adapters are pure: bytes or decoded JSON in,
plain values out; no clock, no database, no Flask, no network (a test proves it).

Errors (one root, translated once by the webhook layer into a 400 answer)::

    AdapterError
    ├── MalformedPayload   the body cannot be read; ``field`` names the part at fault
    └── UnknownAdapter     no adapter of that name is registered (also a LookupError)

A code the courier sends that its map does not know is *not* an error: it becomes a checkpoint
with ``event=None`` and the flag ``unknown_code``, so the raw body is kept and a person decides.
Adapters never guess an event.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from labels import s10
from tracking.status import DIRECTIONS, EVENTS

# CONTRACT.md "Conventions": a time without an offset is read in the center's time zone.
CENTER_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Flags: short facts an adapter adds to a checkpoint. The core stores them with the checkpoint;
# only DIRECTION_DEPENDENT changes what the core does (see for_direction).
UNKNOWN_CODE = "unknown_code"  # the courier's code is not in the adapter's map; event is None
NO_MOVEMENT = "no_movement"  # a known code that says nothing moved (paperwork); event is None
NEEDS_REVIEW = "needs_review"  # a known code that may change the item's fate; a person decides
DIRECTION_DEPENDENT = "direction_dependent"  # the event reads differently per direction
RETURNING = "returning"  # the item is on its way back to the sender
HELD = "held"  # the item is held at the delivering office (Postal Law 2010, Art. 17)
REDELIVERY = "redelivery"  # a further delivery attempt, or a request for one
COURIER_ITEM_ID = "courier_item_id"  # item_id is the courier's own number, not our S10 id

FLAGS: frozenset[str] = frozenset(
    {
        UNKNOWN_CODE,
        NO_MOVEMENT,
        NEEDS_REVIEW,
        DIRECTION_DEPENDENT,
        RETURNING,
        HELD,
        REDELIVERY,
        COURIER_ITEM_ID,
    }
)

# How a courier's "delivery" vocabulary reads for each direction of a dossier's journey.
# Couriers describe every item as "sender → addressee". For an inbound dossier the addressee is
# the center, so the courier's "delivered" is the handover to the center (Decision 45/2016,
# Art. 6; CONTRACT.md "Checkpoints"). For an outbound result the sender is the center, so the
# courier's "picked up" is the center handing the result to the post.
DIRECTION_REMAP: dict[str, dict[str, str]] = {
    "inbound": {
        "delivered": "handed_to_center",
        "out_for_delivery": "in_transit",  # the postman is carrying the dossier to the center
        "delivery_failed": "at_post_office",  # not handed over; the dossier waits at the office
    },
    "outbound": {
        "picked_up": "handed_to_courier",
    },
}
DIRECTION_DEPENDENT_EVENTS: frozenset[str] = frozenset(
    event for remap in DIRECTION_REMAP.values() for event in remap
)


class AdapterError(Exception):
    """Root of every error a courier adapter raises."""


class MalformedPayload(AdapterError):
    """A body the adapter cannot read. The caller answers 400 and keeps the raw body."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field


class UnknownAdapter(AdapterError, LookupError):
    """No adapter is registered under that name."""


@dataclass(frozen=True)
class InboundCheckpoint:
    """One thing a courier says happened to one item, in the product's vocabulary.

    ``raw_code`` and ``raw_label`` keep the courier's own words, so a checkpoint can always be
    traced back to what was sent, even after ``for_direction`` remapped its event.
    """

    item_id: str
    event: str | None
    occurred_at: datetime
    raw_code: str
    raw_label: str | None = None
    location: dict[str, Any] | None = None
    note: str | None = None
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Programming errors, not bad input: adapters must never produce these.
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise ValueError("occurred_at must be timezone-aware")
        if self.event is not None and self.event not in EVENTS:
            raise ValueError(f"{self.event!r} is not in the event vocabulary")


@dataclass(frozen=True)
class CodeRule:
    """One entry of a courier's code map: the event (None: no event) and the flags it adds."""

    event: str | None
    flags: tuple[str, ...] = ()
    meaning: str = ""  # the courier's own words for the code, as the source gives them


def for_direction(cp: InboundCheckpoint, direction: str) -> InboundCheckpoint:
    """The checkpoint as it reads for a shipment of ``direction`` ("inbound" or "outbound").

    Only checkpoints an adapter flagged ``direction_dependent`` change; everything else, and an
    event already in the product's words, is returned as it is (so calling twice is harmless).
    The core still validates the result against ``tracking.status.EVENTS_BY_DIRECTION``.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction is one of {DIRECTIONS}, not {direction!r}")
    if DIRECTION_DEPENDENT not in cp.flags or cp.event is None:
        return cp
    mapped = DIRECTION_REMAP[direction].get(cp.event)
    return cp if mapped is None else replace(cp, event=mapped)


def checkpoint_from_rule(
    rules: Mapping[Any, CodeRule],
    code: Any,
    *,
    item_id: str,
    occurred_at: datetime,
    raw_label: str | None,
    location: dict[str, Any] | None,
    note: str | None,
    extra_flags: tuple[str, ...] = (),
) -> InboundCheckpoint:
    """A checkpoint for a courier code, looked up in that courier's map (never guessed)."""
    rule = rules.get(code)
    if rule is None:
        event, flags = None, (UNKNOWN_CODE,)
    else:
        event, flags = rule.event, rule.flags
        if event in DIRECTION_DEPENDENT_EVENTS:
            flags = (*flags, DIRECTION_DEPENDENT)
    return InboundCheckpoint(
        item_id=item_id,
        event=event,
        occurred_at=occurred_at,
        raw_code=str(code),
        raw_label=raw_label,
        location=location,
        note=note,
        flags=tuple(dict.fromkeys((*flags, *extra_flags))),
    )


# --- reading bodies ----------------------------------------------------------------------------


def load_body(body: bytes | str | dict | list) -> Any:
    """The decoded JSON of a webhook body; already-decoded values pass through."""
    if isinstance(body, dict | list):
        return body
    if isinstance(body, bytes | bytearray):
        try:
            body = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MalformedPayload("the body is not UTF-8 text", "body") from exc
    if not isinstance(body, str):
        raise MalformedPayload(f"expected JSON, got {type(body).__name__}", "body")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise MalformedPayload(f"the body is not JSON ({exc})", "body") from exc


def require_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"expected an object, got {_json_type(value)}", where)
    return value


def elements(value: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """One object or a list of objects (a batch), each with the path that names it in errors."""
    if isinstance(value, list):
        return [(f"{where}[{i}]", require_object(v, f"{where}[{i}]")) for i, v in enumerate(value)]
    return [(where, require_object(value, where))]


def required_text(obj: Mapping[str, Any], key: str, where: str) -> str:
    """A non-empty string (a number is accepted and written as text: couriers mix the two)."""
    value = obj.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        what = "missing" if value is None else f"expected non-empty text, got {_json_type(value)}"
        raise MalformedPayload(what, f"{where}.{key}")
    return value.strip()


def optional_text(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    """A string or nothing; empty and blank strings count as nothing."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise MalformedPayload(f"expected text, got {_json_type(value)}", f"{where}.{key}")
    return value.strip() or None


ITEM_ID_MAX = 32  # the longest item id a held checkpoint keeps (a courier's own number)


def clean_item_id(value: str, where: str) -> str:
    """Our S10 identifiers in their canonical form (spaces removed, upper case); anything else
    (a courier's own number) exactly as sent, trimmed. One that cannot be kept (longer than
    ``ITEM_ID_MAX``, or with a control character) is malformed."""
    normalized = s10.normalize(value)
    if s10.is_valid(normalized):
        return normalized
    own = value.strip()
    if len(own) > ITEM_ID_MAX:
        raise MalformedPayload(f"an item id is at most {ITEM_ID_MAX} characters", where)
    if not own.isprintable():
        raise MalformedPayload("an item id has no control characters", where)
    return own


def parse_iso_time(value: Any, where: str) -> datetime:
    """An ISO 8601 time; without an offset it is read in the center's zone (CONTRACT.md)."""
    if not isinstance(value, str) or not value.strip():
        what = "missing" if value is None else f"expected an ISO 8601 time, got {_json_type(value)}"
        raise MalformedPayload(what, where)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise MalformedPayload(f"not an ISO 8601 time: {value!r}", where) from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CENTER_TZ)


def parse_local_time(value: Any, where: str, formats: tuple[str, ...]) -> datetime:
    """A time in one of ``formats`` (strptime), read in Vietnam time."""
    if not isinstance(value, str) or not value.strip():
        what = "missing" if value is None else f"expected a time as text, got {_json_type(value)}"
        raise MalformedPayload(what, where)
    for fmt in formats:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=CENTER_TZ)
        except ValueError:
            continue
    raise MalformedPayload(f"not a time in the form dd/MM/yyyy HH:mm:ss: {value!r}", where)


def parse_location(value: Any, where: str) -> dict[str, Any] | None:
    """The contract's location object ``{"name"?, "code"?, "lat"?, "lon"?}``; other keys dropped."""
    if value is None:
        return None
    obj = require_object(value, where)
    location: dict[str, Any] = {}
    for key in ("name", "code"):
        text = optional_text(obj, key, where)
        if text is not None:
            location[key] = text
    for key, limit in (("lat", 90.0), ("lon", 180.0)):
        number = obj.get(key)
        if number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise MalformedPayload(f"expected a number, got {_json_type(number)}", f"{where}.{key}")
        if not math.isfinite(number) or abs(number) > limit:
            raise MalformedPayload(f"out of range: {number}", f"{where}.{key}")
        location[key] = float(number)
    return location or None


def fold_text(text: str) -> str:
    """Text for matching people's words: no diacritics, lower case, single spaces.

    "Phát  thành công", "PHAT THANH CONG" and "phat thanh cong" all fold to the same key. The
    letter đ is a letter of its own in Unicode (it has no decomposition), so it is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_BARRED_D))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", bare).strip().casefold()


# đ/Đ, and the look-alike Ð/ð (eth) that some couriers' tables type instead ("Ðóng túi gói").
_BARRED_D = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")
