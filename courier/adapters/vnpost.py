"""Vietnam Post (Bưu điện Việt Nam) track lines.

Vietnam Post publishes no webhook specification (DOMAIN.md). What it does show everywhere, on its
tracking pages and in its staff systems, is a list of *track lines*: a short Vietnamese text, a
time and the post office. This adapter reads a JSON format that **this product defines** for
Vietnam Post's integration to send; it carries those track lines as they are, so the post does not
have to learn our vocabulary::

    {"ItemCode": "EC136431858VN",
     "TraceLines": [
        {"StatusName": "Chấp nhận gửi", "Time": "14/03/2025 08:05:00",
         "PostOfficeCode": "463600", "PostOfficeName": "Bưu cục Mường Xén", "Note": "..."},
        ...]}

* A body is one item object or a list of item objects (a batch); each item has one or more
  track lines. One malformed item or line rejects the whole body.
* ``ItemCode`` is the S10 identifier printed on the label (ours, or one the post issued).
* ``Time`` is "dd/MM/yyyy HH:mm:ss" (the form Vietnam Post and its EMS subsidiary print) or ISO
  8601; without an offset it is Vietnam time.
* ``StatusName`` is matched ignoring diacritics, case and spacing ("PHAT THANH CONG" and
  "Phát  thành công" are the same line). A text not in the map below is kept with the flag
  ``unknown_code`` and ``event=None``, never guessed.
* ``raw_code`` is the folded text (a stable key for reports: "phat thanh cong"); ``raw_label``
  is the text exactly as sent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from courier.adapters.base import (
    RETURNING,
    CodeRule,
    InboundCheckpoint,
    MalformedPayload,
    checkpoint_from_rule,
    clean_item_id,
    elements,
    fold_text,
    load_body,
    optional_text,
    parse_iso_time,
    parse_local_time,
    required_text,
)

# The track-line texts this product understands, in Vietnam Post's own words (``meaning``).
# Keys are matched folded (base.fold_text). "direction_dependent" is added automatically to
# picked_up / out_for_delivery / delivered / delivery_failed (see base.for_direction).
_RULES: tuple[CodeRule, ...] = (
    # Source for the first five: Vietnam Post track lines as third-party integrations record
    # them (DOMAIN.md "Couriers' own vocabularies"; unofficial).
    CodeRule("picked_up", meaning="Chấp nhận gửi"),  # posting accepted (counter or address)
    CodeRule("in_transit", meaning="Đi khỏi bưu cục"),  # departure from a post office
    CodeRule("at_post_office", meaning="Đã đến bưu cục"),  # arrival at a post office
    CodeRule("out_for_delivery", meaning="Giao bưu tá đi phát"),  # handed to the postman
    CodeRule("delivered", meaning="Phát thành công"),  # delivered
    # The failure and return lines follow the Postal Law 2010 (Art. 17: an item that cannot be
    # delivered is returned to the sender, "chuyển hoàn") and the product's own Vietnamese labels
    # (tracking.status.LABELS: "Phát không thành công", "Đã chuyển hoàn"). Part of this product's
    # format: Vietnam Post's integration is asked to send exactly these texts.
    CodeRule("delivery_failed", meaning="Phát không thành công"),  # an attempt failed
    CodeRule("in_transit", (RETURNING,), "Chuyển hoàn"),  # on its way back to the sender
    CodeRule("returned", meaning="Đã chuyển hoàn"),  # back in the sender's hands
)
CODE_MAP: dict[str, CodeRule] = {fold_text(rule.meaning): rule for rule in _RULES}

TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
_LOCAL_TIME = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{4}\b")


def parse(body: bytes | str | dict | list) -> list[InboundCheckpoint]:
    """Every track line of every item in a body; any malformed part rejects the whole body."""
    checkpoints: list[InboundCheckpoint] = []
    for where, item in elements(load_body(body), "body"):
        item_id = clean_item_id(required_text(item, "ItemCode", where), f"{where}.ItemCode")
        lines = item.get("TraceLines")
        if lines is None:
            raise MalformedPayload("missing", f"{where}.TraceLines")
        if not isinstance(lines, list):
            raise MalformedPayload("expected a list of track lines", f"{where}.TraceLines")
        for at, line in elements(lines, f"{where}.TraceLines"):
            checkpoints.append(_checkpoint(item_id, line, at))
    return checkpoints


def _checkpoint(item_id: str, line: dict[str, Any], where: str) -> InboundCheckpoint:
    text = required_text(line, "StatusName", where)
    location = {
        key: value
        for key, value in (
            ("name", optional_text(line, "PostOfficeName", where)),
            ("code", optional_text(line, "PostOfficeCode", where)),
        )
        if value is not None
    }
    return checkpoint_from_rule(
        CODE_MAP,
        fold_text(text),
        item_id=item_id,
        occurred_at=_time(line.get("Time"), f"{where}.Time"),
        raw_label=text,
        location=location or None,
        note=optional_text(line, "Note", where),
    )


def _time(value: Any, where: str) -> datetime:
    if isinstance(value, str) and _LOCAL_TIME.match(value):
        return parse_local_time(value, where, TIME_FORMATS)
    return parse_iso_time(value, where)
