"""The status rules as data (tracking/status.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracking import status
from tracking.status import Happened, derive_status, dossier_status

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def seq(*events: str) -> list[Happened]:
    return [Happened(e, T0 + timedelta(hours=i), i) for i, e in enumerate(events)]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ((), "label_created"),
        (("picked_up",), "picked_up"),
        (("picked_up", "at_post_office", "in_transit"), "in_transit"),
        (("handed_to_courier", "out_for_delivery", "delivery_failed"), "delivery_failed"),
        (
            (
                "handed_to_courier",
                "out_for_delivery",
                "delivery_failed",
                "out_for_delivery",
                "delivered",
            ),
            "delivered",
        ),
        (("handed_to_courier", "delivered", "in_transit"), "delivered"),  # after the end
        (("handed_to_courier", "delivered", "returned"), "returned"),
        (("picked_up", "received_by_center", "at_post_office"), "received_by_center"),
        (("picked_up", "cancelled"), "cancelled"),
    ],
)
def test_derive_status(events: tuple[str, ...], expected: str) -> None:
    assert derive_status(seq(*events)) == expected


def test_order_of_arrival_does_not_matter() -> None:
    events = seq("handed_to_courier", "in_transit", "out_for_delivery", "delivered")
    assert derive_status(reversed(events)) == "delivered"
    late_earlier = [*events, Happened("at_post_office", T0 - timedelta(hours=1), 99)]
    assert derive_status(late_earlier) == "delivered"


def test_dossier_status_follows_the_current_shipment() -> None:
    assert dossier_status(None, None) == "registered"
    assert dossier_status(seq("picked_up"), None) == "picked_up"
    assert dossier_status(seq("picked_up", "received_by_center"), []) == "received_by_center"
    assert dossier_status(seq("picked_up"), seq("result_ready")) == "result_ready"


def test_vocabulary_and_roles_are_consistent() -> None:
    for role, events in status.ROLE_EVENTS.items():
        assert events <= set(status.EVENTS), role
    for event in status.EVENTS:
        assert status.label(event, "vi") != event and status.label(event, "en") != event
        assert any(event in evs for evs in status.EVENTS_BY_DIRECTION.values())
    assert status.valid_for_direction("inbound", "picked_up")
    assert not status.valid_for_direction("inbound", "delivered")
    assert not status.valid_for_direction("outbound", "received_by_center")
    assert status.allowed_for_role("postal", "delivered")
    assert not status.allowed_for_role("postal", "received_by_center")
    assert status.allowed_for_role("center", "handed_to_courier")
    assert status.label("nonsense") == "nonsense"
