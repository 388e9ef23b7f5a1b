"""The estimate of CONTRACT.md "Estimates": legs on their calendars, facts over expectations."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from courier.transit import INBOUND, OUTBOUND, LaneKey, add_post_days, default_table, post_calendar
from tracking.appointment import due_at
from tracking.estimate import (
    EstimateError,
    Facts,
    center_days_between,
    center_open,
    estimate,
    estimate_for_place,
    refresh,
)
from tracking.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TABLE = default_table()
CENTER = WorkCalendar.center()
POST = post_calendar()


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    lat: float
    lon: float
    province_code: str = "40"


TRUONG_VINH = (Commune("16690", "Phường Trường Vinh", 18.6798, 105.74), 6.6)
DIEN_CHAU = (Commune("17464", "Xã Diễn Châu", 18.9848, 105.596), 46.7)
MUONG_XEN = (Commune("16813", "Xã Mường Xén", 19.3627, 104.095), 240.1)
HOAN_KIEM = (Commune("00070", "Phường Hoàn Kiếm", 21.02, 105.85, "01"), 380.0)


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def run(where=TRUONG_VINH, **kw):
    args = {
        "processing_days": 3,
        "service": "both",
        "table": TABLE,
        "submitted_at": at(2026, 6, 5, 9),
    }
    args.update(kw)
    return estimate(*where, **args)


def test_to_dict_has_exactly_the_contract_fields() -> None:
    d = run().to_dict()
    assert list(d) == [
        "commune",
        "distance_km",
        "direct_due_at",
        "inbound",
        "due_at",
        "outbound",
        "delivered_by",
        "postal_adds_working_days",
    ]
    assert list(d["commune"]) == ["code", "name", "lat", "lon"]
    assert list(d["inbound"]) == ["picked_up_at", "expected_at_center", "p50_at", "p90_at"]
    assert list(d["outbound"]) == ["handed_to_courier_at", "delivered_by", "p50_at", "p90_at"]
    assert d["due_at"] == "2026-06-11T11:30:00+07:00"
    assert datetime.fromisoformat(d["delivered_by"]).utcoffset() == timedelta(hours=7)


def test_times_given_in_utc_come_back_in_the_center_zone() -> None:
    utc = at(2026, 6, 5, 9).astimezone(UTC)
    assert run(submitted_at=utc).to_dict() == run().to_dict()


# Worked examples of docs/estimates.md: (place, submitted_at) → expected fields.
WEEKEND = at(2026, 6, 5, 9)  # Friday morning; the post works Saturday, the center does not
TET = at(2027, 2, 2, 15)  # Tuesday afternoon before Tết 2027 (4/2–10/2)


@pytest.mark.parametrize(
    ("where", "submitted", "expected_at_center", "due", "delivered", "adds"),
    [
        (
            TRUONG_VINH,
            WEEKEND,
            at(2026, 6, 8, 7, 30),
            at(2026, 6, 11, 11, 30),
            at(2026, 6, 12, 12),
            2.0,
        ),
        (
            DIEN_CHAU,
            WEEKEND,
            at(2026, 6, 8, 7, 30),
            at(2026, 6, 11, 11, 30),
            at(2026, 6, 12, 17),
            2.5,
        ),
        (MUONG_XEN, WEEKEND, at(2026, 6, 8, 17), at(2026, 6, 11, 17), at(2026, 6, 15, 12), 3.0),
        (TRUONG_VINH, TET, at(2027, 2, 3, 17), at(2027, 2, 15, 17), at(2027, 2, 16, 17), 2.0),
        (DIEN_CHAU, TET, at(2027, 2, 11, 12), at(2027, 2, 16, 17), at(2027, 2, 18, 12), 3.5),
        (MUONG_XEN, TET, at(2027, 2, 12, 12), at(2027, 2, 17, 17), at(2027, 2, 20, 12), 5.5),
    ],
)
def test_worked_examples(where, submitted, expected_at_center, due, delivered, adds) -> None:
    e = run(where, submitted_at=submitted)
    assert e.direct_due_at == due_at(submitted, 3, CENTER)
    assert e.inbound is not None and e.inbound.expected_at_center == expected_at_center
    assert e.due_at == due == e.outbound.handed_to_courier_at
    assert e.delivered_by == delivered == e.outbound.delivered_by == e.outbound.p90_at
    assert e.postal_adds_working_days == adds


def test_a_saturday_arrival_is_handed_to_the_center_on_monday_morning() -> None:
    assert center_open(at(2026, 6, 6, 12), CENTER) == at(2026, 6, 8, 7, 30)
    assert center_open(at(2026, 6, 5, 18), CENTER) == at(2026, 6, 8, 7, 30)
    assert center_open(at(2026, 6, 8, 6), CENTER) == at(2026, 6, 8, 7, 30)
    assert center_open(at(2026, 6, 8, 12), CENTER) == at(2026, 6, 8, 12)


def test_receive_result_only_has_no_inbound_leg() -> None:
    e = run(DIEN_CHAU, service="receive_result")
    assert e.inbound is None and e.to_dict()["inbound"] is None
    assert e.due_at == e.direct_due_at
    assert e.delivered_by == add_post_days(e.due_at, 1.5, POST)
    assert e.postal_adds_working_days == 1.5


def test_send_dossier_only_delivers_nothing() -> None:
    e = run(DIEN_CHAU, service="send_dossier")
    assert e.outbound is None and e.delivered_by is None
    assert e.to_dict()["outbound"] is None
    assert e.postal_adds_working_days == center_days_between(e.direct_due_at, e.due_at, CENTER)
    assert e.postal_adds_working_days == 1.0


def test_another_province_takes_three_days_each_way() -> None:
    e = run(HOAN_KIEM, service="receive_result")
    assert e.lanes[OUTBOUND].zone.name == "other_province"
    assert e.delivered_by == add_post_days(e.due_at, 3, POST)


def test_an_actual_pickup_replaces_the_submission_time() -> None:
    first = run(DIEN_CHAU)
    later = refresh(first, Facts(picked_up_at=at(2026, 6, 8, 14)))
    assert later.inbound.picked_up_at == at(2026, 6, 8, 14)
    assert later.inbound.expected_at_center == at(2026, 6, 10, 12)
    assert later.direct_due_at == first.direct_due_at  # still counted from submitted_at


def test_an_actual_receipt_fixes_due_at() -> None:
    got = at(2026, 6, 9, 10, 15)
    e = refresh(run(MUONG_XEN), Facts(received_at_center=got))
    assert e.inbound.actual
    assert e.inbound.expected_at_center == e.inbound.p50_at == e.inbound.p90_at == got
    assert e.due_at == due_at(got, 3, CENTER) == at(2026, 6, 12, 11, 30)
    assert e.delivered_by == add_post_days(e.due_at, 2.5, POST)


def test_a_late_handover_moves_the_delivery() -> None:
    late = at(2026, 6, 12, 15)
    e = run(DIEN_CHAU, facts=Facts(handed_to_courier_at=late))
    assert e.outbound.handed_to_courier_at == late
    assert e.delivered_by == add_post_days(late, 1.5, POST)


def test_learned_lanes_move_the_percentiles() -> None:
    base = ("vnpost", "standard")
    history = {
        LaneKey(*base, INBOUND, commune="16813"): [1.0] * 500 + [2.0] * 500,
        LaneKey(*base, OUTBOUND, zone="province+remote_mountain"): [4.0] * 1000,
    }
    e = run(MUONG_XEN, history=history)
    assert e.lanes[INBOUND].source == "commune" and e.lanes[OUTBOUND].source == "zone"
    assert e.inbound.p50_at < e.inbound.p90_at
    assert e.inbound.expected_at_center == e.inbound.p50_at
    assert e.delivered_by > run(MUONG_XEN).delivered_by


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"submitted_at": datetime(2026, 6, 5, 9)}, "submitted_at"),
        ({"service": "pickup"}, "service"),
        ({"processing_days": 0.3}, "processing_days"),
        ({"processing_days": "abc"}, "processing_days"),
        (
            {"facts": Facts(picked_up_at=at(2026, 6, 5), received_at_center=at(2026, 6, 4))},
            "received_at_center",
        ),
        ({"facts": Facts(received_at_center=datetime(2026, 6, 8, 9))}, "received_at_center"),
        ({"facts": Facts(picked_up_at=at(2001, 6, 5))}, "picked_up_at"),  # a courier's wrong date
        ({"facts": Facts(handed_to_courier_at=at(2027, 6, 7))}, "handed_to_courier_at"),
    ],
)
def test_bad_input_names_its_field(kw: dict, field: str) -> None:
    with pytest.raises(EstimateError) as info:
        run(**kw)
    assert info.value.field == field


def test_estimate_for_a_placed_address() -> None:
    from courier.geography import place_address

    e = estimate_for_place(
        place_address("X. Muong Xen, H. Ky Son, T. Nghe An"),
        processing_days=3,
        service="both",
        table=TABLE,
        submitted_at=WEEKEND,
    )
    assert e.commune.code == "16813" and e.lanes[INBOUND].zone.surcharges == ("remote_mountain",)


def _random_cases(n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        submitted = at(2026, 12, 1) + timedelta(minutes=rng.randrange(0, 120 * 24 * 60))
        yield submitted, rng.randrange(0, 21) / 2, rng.choice(["both", "receive_result"])


def test_delivered_by_is_never_before_due_at() -> None:
    rng = random.Random(5)
    for submitted, days, service in _random_cases(300, 1):
        where = rng.choice([TRUONG_VINH, DIEN_CHAU, MUONG_XEN, HOAN_KIEM])
        history = {
            LaneKey("vnpost", "standard", OUTBOUND, commune=where[0].code): [
                rng.uniform(0, 4) for _ in range(rng.randrange(0, 30))
            ]
        }
        e = run(
            where, submitted_at=submitted, processing_days=days, service=service, history=history
        )
        assert e.delivered_by >= e.due_at >= e.direct_due_at
        assert e.postal_adds_working_days >= 0
        assert (e.postal_adds_working_days * 2).is_integer()


def test_farther_is_never_faster_within_one_courier_and_table() -> None:
    commune = TRUONG_VINH[0]  # no surcharge: only the distance varies
    for submitted, days, service in _random_cases(60, 2):
        previous = None
        for km in sorted(random.Random(days).uniform(0, 400) for _ in range(25)):
            e = estimate(
                commune,
                km,
                processing_days=days,
                service=service,
                table=TABLE,
                submitted_at=submitted,
            )
            if previous:
                assert e.delivered_by >= previous.delivered_by
                assert e.due_at >= previous.due_at
            previous = e
