"""The checkpoint vocabulary and the status rules, kept as data.

One list of events serves scans, courier webhooks, handovers, timelines and outbound events
(CONTRACT.md, "Checkpoints"). A shipment's status is derived from all of its checkpoints ordered by
when they happened; a terminal event is never displaced by a late-arriving earlier one.

Pure: no Flask, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Direction = Literal["inbound", "outbound"]
DIRECTIONS: tuple[Direction, ...] = ("inbound", "outbound")

SERVICES = ("send_dossier", "receive_result", "both")

# CONTRACT.md "Event vocabulary", in the order the events normally happen.
INBOUND_EVENTS: tuple[str, ...] = (
    "label_created",
    "picked_up",
    "at_post_office",
    "in_transit",
    "handed_to_center",
    "received_by_center",
)
OUTBOUND_EVENTS: tuple[str, ...] = (
    "label_created",
    "result_ready",
    "handed_to_courier",
    "in_transit",
    "at_post_office",
    "out_for_delivery",
    "delivered",
    "delivery_failed",
    "returned",
)
EITHER_EVENTS: tuple[str, ...] = ("cancelled",)

EVENTS: tuple[str, ...] = tuple(dict.fromkeys(INBOUND_EVENTS + OUTBOUND_EVENTS + EITHER_EVENTS))

EVENTS_BY_DIRECTION: dict[str, frozenset[str]] = {
    "inbound": frozenset(INBOUND_EVENTS + EITHER_EVENTS),
    "outbound": frozenset(OUTBOUND_EVENTS + EITHER_EVENTS),
}

# Terminal events end a shipment's life: nothing that happened earlier displaces them.
# (CONTRACT.md "Status".) An inbound shipment ends when the center has received it.
TERMINAL_EVENTS: frozenset[str] = frozenset(
    {"delivered", "returned", "cancelled", "received_by_center"}
)

# Which role may record which event (CONTRACT.md: "Which role may record which event is
# documented"). Postal staff record what the post does; center staff what the center does.
ROLE_EVENTS: dict[str, frozenset[str]] = {
    "postal": frozenset(
        {
            "picked_up",
            "at_post_office",
            "in_transit",
            "handed_to_center",
            "out_for_delivery",
            "delivered",
            "delivery_failed",
            "returned",
        }
    ),
    "center": frozenset({"received_by_center", "result_ready", "handed_to_courier", "cancelled"}),
    "admin": frozenset(EVENTS),
}

# Vietnamese and English labels for people (public tracking page, timelines).
LABELS: dict[str, dict[str, str]] = {
    "registered": {"vi": "Đã đăng ký", "en": "Registered"},
    "label_created": {"vi": "Đã tạo nhãn", "en": "Label created"},
    "picked_up": {"vi": "Bưu điện đã nhận hồ sơ", "en": "Picked up by the post"},
    "at_post_office": {"vi": "Đã đến bưu cục", "en": "At the post office"},
    "in_transit": {"vi": "Đang vận chuyển", "en": "In transit"},
    "handed_to_center": {"vi": "Bưu điện đã giao cho Trung tâm", "en": "Handed to the center"},
    "received_by_center": {"vi": "Trung tâm đã tiếp nhận", "en": "Received by the center"},
    "result_ready": {"vi": "Đã có kết quả", "en": "Result ready"},
    "handed_to_courier": {"vi": "Đã giao kết quả cho bưu điện", "en": "Handed to the post"},
    "out_for_delivery": {"vi": "Đang phát", "en": "Out for delivery"},
    "delivered": {"vi": "Đã phát thành công", "en": "Delivered"},
    "delivery_failed": {"vi": "Phát không thành công", "en": "Delivery failed"},
    "returned": {"vi": "Đã chuyển hoàn", "en": "Returned"},
    "cancelled": {"vi": "Đã hủy", "en": "Cancelled"},
}


# Ties in time are broken by the usual order of a journey (a handover signed at one moment
# records handed_to_center before received_by_center), never by the order of arrival.
RANK: dict[str, int] = {
    **{e: i for i, e in enumerate(INBOUND_EVENTS)},
    **{e: i for i, e in enumerate(OUTBOUND_EVENTS)},
    "cancelled": 99,
}


def rank(event: str) -> int:
    return RANK.get(event, 50)


def label(event: str, lang: str = "vi") -> str:
    """A person's words for an event or status; the code itself when none is known."""
    return LABELS.get(event, {}).get(lang, event)


def allowed_for_role(role: str, event: str) -> bool:
    return event in ROLE_EVENTS.get(role, frozenset())


def valid_for_direction(direction: str, event: str) -> bool:
    return event in EVENTS_BY_DIRECTION.get(direction, frozenset())


@dataclass(frozen=True)
class Happened:
    """One checkpoint as the status rule sees it."""

    event: str
    occurred_at: datetime
    seq: int = 0  # breaks ties between equal times (tracking.status.rank of the event)


def derive_status(checkpoints: Iterable[Happened]) -> str:
    """The shipment's status from all of its checkpoints.

    The latest event by when it happened wins, except that once a terminal event has happened,
    only a later terminal event replaces it (a late-arriving earlier scan joins the timeline but
    does not move the status back). Before any checkpoint the status is ``label_created``.
    """
    ordered = sorted(checkpoints, key=lambda c: (c.occurred_at, c.seq))
    status = "label_created"
    terminal = False
    for c in ordered:
        if terminal and c.event not in TERMINAL_EVENTS:
            # A later non-terminal event after a terminal one: e.g. a redelivery after a
            # "returned" would be a new shipment. Keep the terminal status; flag elsewhere.
            continue
        status = c.event
        terminal = c.event in TERMINAL_EVENTS
    return status


def dossier_status(inbound: Sequence[Happened] | None, outbound: Sequence[Happened] | None) -> str:
    """A dossier's status: ``registered`` until a checkpoint, then its current shipment's
    status (the outbound one once it has a checkpoint)."""
    if outbound:
        return derive_status(outbound)
    if inbound:
        return derive_status(inbound)
    return "registered"
