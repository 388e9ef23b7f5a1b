"""Service-level tables, post working days (Saturdays worked), learned lane times."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from courier.transit import (
    INBOUND,
    OUTBOUND,
    REMOTE_MOUNTAIN_COMMUNES,
    LaneKey,
    LaneStats,
    TransitError,
    add_post_days,
    blend,
    default_table,
    durations_from_times,
    estimate_lane,
    lane_stats,
    percentile,
    post_calendar,
    post_days_between,
    table_from_dict,
    table_to_dict,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
POST = post_calendar()
VINH_WARD, DIEN_CHAU, MUONG_XEN = "16690", "17464", "16813"


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (at(2026, 6, 1, 9), 1, at(2026, 6, 2, 12)),  # Monday morning → Tuesday noon
        (at(2026, 6, 1, 14), 1, at(2026, 6, 2, 17)),  # afternoon → next afternoon
        (at(2026, 6, 1, 9), 0, at(2026, 6, 1, 12)),
        (at(2026, 6, 1, 9), 0.5, at(2026, 6, 1, 17)),
        (at(2026, 6, 1, 14), 0.5, at(2026, 6, 2, 12)),
        (at(2026, 6, 1, 9), 1.2, at(2026, 6, 2, 17)),  # rounded up to 1.5
        (at(2026, 6, 5, 14), 1, at(2026, 6, 6, 17)),  # Friday → Saturday: the post works
        (at(2026, 6, 6, 10), 1, at(2026, 6, 8, 12)),  # Saturday → Monday: Sunday skipped
        (at(2026, 6, 6, 18), 0.5, at(2026, 6, 8, 17)),  # after closing: next working morning
        (at(2026, 6, 7, 10), 0, at(2026, 6, 8, 12)),  # Sunday pickup
        (at(2026, 6, 6, 9), 2.5, at(2026, 6, 9, 17)),  # Sat, (Sun), Mon, Tue
        (at(2026, 4, 29, 14), 1, at(2026, 5, 2, 17)),  # 30/4 and 1/5 are holidays
        (at(2027, 2, 3, 14), 1, at(2027, 2, 11, 17)),  # Tết 2027: 4/2–10/2 off
        (at(2027, 2, 3, 9), 0.5, at(2027, 2, 3, 17)),
        (at(2027, 2, 5, 10), 1, at(2027, 2, 12, 12)),  # posted during Tết
        (at(2027, 2, 3, 14), 2.5, at(2027, 2, 13, 12)),  # ... and a Saturday after it
    ],
)
def test_add_post_days(start: datetime, days: float, end: datetime) -> None:
    assert add_post_days(start, days, POST) == end


def test_add_post_days_needs_an_aware_time_and_a_sane_duration() -> None:
    with pytest.raises(TransitError):
        add_post_days(datetime(2026, 6, 1, 9), 1, POST)
    with pytest.raises(TransitError):
        add_post_days(at(2026, 6, 1), -1, POST)


def test_a_post_closed_on_saturdays_is_configurable() -> None:
    five_day_post = post_calendar(weekend=frozenset({5, 6}))
    assert add_post_days(at(2026, 6, 5, 14), 1, five_day_post) == at(2026, 6, 8, 17)


def test_post_days_between_inverts_add_post_days() -> None:
    rng = random.Random(7)
    for _ in range(400):
        start = at(2026, 12, 20) + timedelta(minutes=rng.randrange(0, 80 * 24 * 60))
        days = rng.randrange(0, 12) / 2
        assert post_days_between(start, add_post_days(start, days, POST), POST) == days


def test_post_days_between_counts_a_late_arrival_as_the_next_half_day() -> None:
    assert post_days_between(at(2026, 6, 1, 9), at(2026, 6, 2, 12), POST) == 1.0
    assert post_days_between(at(2026, 6, 1, 9), at(2026, 6, 2, 12, 1), POST) == 1.5
    assert post_days_between(at(2026, 6, 1, 9), at(2026, 6, 2, 18, 30), POST) == 2.0
    with pytest.raises(TransitError, match="before it left"):
        post_days_between(at(2026, 6, 2), at(2026, 6, 1), POST)


# ---- tables -----------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", [INBOUND, OUTBOUND])
@pytest.mark.parametrize(
    ("commune", "km", "province", "zone", "days"),
    [
        (VINH_WARD, 0.0, "40", "near", 1.0),
        (VINH_WARD, 20.0, "40", "near", 1.0),
        (DIEN_CHAU, 20.01, "40", "province", 1.5),
        (DIEN_CHAU, 46.7, "40", "province", 1.5),
        (MUONG_XEN, 240.1, "40", "province+remote_mountain", 2.5),
        ("00070", 300.0, "01", "other_province", 3.0),
    ],
)
def test_default_zones(direction, commune, km, province, zone, days) -> None:
    z = default_table().zone(direction, commune, km, province)
    assert (z.name, z.days) == (zone, days)


def test_remote_mountain_list_matches_the_library_conversion_data() -> None:
    from courier import geography

    former = {"huyenkyson", "huyentuongduong", "huyenquephong"}
    derived = {
        c.code: c.name
        for c in geography.list_communes("40")
        if {u.split("_")[1] for u in geography.former_units(c.code)} & former
    }
    assert derived == REMOTE_MOUNTAIN_COMMUNES
    assert len(derived) == 26


def test_farther_is_never_faster_for_many_distances() -> None:
    table, rng = default_table(), random.Random(3)
    for direction in (INBOUND, OUTBOUND):
        for code in (VINH_WARD, MUONG_XEN):  # with and without a surcharge
            kms = sorted(rng.uniform(0, 400) for _ in range(500))
            days = [table.zone(direction, code, km).days for km in kms]
            assert days == sorted(days)
            assert all(d <= table.zone(direction, code, 0, "01").days + 1 for d in days)


def test_farther_is_never_faster_over_every_commune_of_the_province() -> None:
    from courier import geography

    table = default_table()
    places = [geography.place_commune(c.code) for c in geography.list_communes("40")]
    for direction in (INBOUND, OUTBOUND):
        zones = [
            (p.distance_km, table.zone(direction, p.commune.code, p.distance_km)) for p in places
        ]
        for remote in (True, False):
            same = sorted((km, z.days) for km, z in zones if bool(z.surcharges) is remote)
            assert [d for _, d in same] == sorted(d for _, d in same)


def test_table_round_trips_through_json() -> None:
    table = default_table("viettelpost", "express")
    data = json.loads(json.dumps(table_to_dict(table), ensure_ascii=False))
    assert data["inbound"]["surcharges"][0]["communes"][0] == {
        "code": "16738",
        "name": "Xã Quế Phong",
    }
    assert table_from_dict(data) == table
    assert "Tuy Phước" in data["source"]


def _broken(path: list[str | int], value: object) -> dict:
    data = table_to_dict(default_table())
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["courier"], "", "courier"),
        (["outbound"], KeyError, "outbound"),
        (["inbound", "bands"], [], "inbound.bands"),
        (["inbound", "bands", 1, "days"], 0.5, "inbound.bands[1].days"),
        (["inbound", "bands", 0, "days"], True, "inbound.bands[0].days"),
        (["outbound", "bands", 0, "days"], "1", "outbound.bands[0].days"),
        (["outbound", "bands", 0, "days"], 150, "outbound.bands[0].days"),
        (["outbound", "bands", 1, "max_km"], 500, "outbound.bands[1]"),
        (["outbound", "bands", 0, "max_km"], None, "outbound.bands[0].max_km"),
        (["outbound", "other_province_days"], 1.0, "outbound"),
        (["inbound", "surcharges", 0, "communes", 2], "1681", "inbound.surcharges[0].communes[2]"),
        (["inbound", "surcharges", 0, "add_days"], -1, "inbound.surcharges[0].add_days"),
    ],
)
def test_validation_names_the_bad_field(path: list, value: object, field: str) -> None:
    with pytest.raises(TransitError) as info:
        table_from_dict(_broken(path, value))
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_validation_can_check_commune_codes_exist() -> None:
    data = _broken(["inbound", "surcharges", 0, "communes", 0], "99999")
    with pytest.raises(TransitError) as info:
        table_from_dict(data, known_communes=set(REMOTE_MOUNTAIN_COMMUNES))
    assert info.value.field == "inbound.surcharges[0].communes[0]"


# ---- learned lane times ------------------------------------------------------------------------


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert percentile([1, 2, 3, 4, 5], 0.9) == pytest.approx(4.6)
    assert percentile([2.0], 0.9) == 2.0
    assert lane_stats([]) is None
    with pytest.raises(TransitError):
        lane_stats([1, -0.5])


def _synthetic_history(rng: random.Random, n: int) -> list[tuple[datetime, datetime]]:
    """Pickups over a winter (Tết 2027 inside); 60% take 1 day, 25% 1.5, 15% 3."""
    pairs = []
    for _ in range(n):
        start = at(2027, 1, 4) + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
        days = rng.choices([1.0, 1.5, 3.0], [60, 25, 15])[0]
        pairs.append((start, add_post_days(start, days, POST)))
    return pairs


def test_learned_percentiles_from_a_synthetic_history() -> None:
    pairs = _synthetic_history(random.Random(11), 1000)
    durations = durations_from_times(pairs, POST)
    assert sorted(set(durations)) == [1.0, 1.5, 3.0]  # Tết and Sundays do not count
    stats = lane_stats(durations)
    assert stats is not None and stats.n == 1000
    assert (stats.p50, stats.p90) == (1.0, 3.0)
    assert estimate_lane(
        default_table(),
        INBOUND,
        commune_code=DIEN_CHAU,
        distance_km=46.7,
        history={LaneKey("vnpost", "standard", INBOUND, commune=DIEN_CHAU): durations},
    ).p90_days == pytest.approx((1000 * 3.0 + 10 * 1.5) / 1010)


def test_blend_shrinks_toward_the_table_with_k_10() -> None:
    assert blend((1.5, 1.5), None) == (1.5, 1.5)
    assert blend((1.5, 1.5), LaneStats(10, 1.0, 2.5)) == (1.25, 2.0)  # n = k: halfway
    p50, p90 = blend((1.5, 1.5), LaneStats(990, 1.0, 2.5))
    assert p50 == pytest.approx(1.005) and p90 == pytest.approx(2.49)
    p50, p90 = blend((1.0, 1.0), LaneStats(1, 3.0, 0.5), k=1)  # odd data: p90 kept >= p50
    assert p90 >= p50


def test_lane_falls_back_commune_then_zone_then_table() -> None:
    table = default_table()
    kw = {"commune_code": DIEN_CHAU, "distance_km": 46.7}
    plain = estimate_lane(table, INBOUND, **kw)
    assert (plain.source, plain.p50_days, plain.p90_days) == ("table", 1.5, 1.5)

    zone_key = LaneKey("vnpost", "standard", INBOUND, zone="province")
    by_zone = estimate_lane(table, INBOUND, history={zone_key: [1.0] * 10}, **kw)
    assert (by_zone.source, by_zone.p50_days, by_zone.n_zone) == ("zone", 1.25, 10)

    commune_key = LaneKey("vnpost", "standard", INBOUND, commune=DIEN_CHAU)
    history = {zone_key: [1.0] * 10, commune_key: [2.0] * 10}
    by_commune = estimate_lane(table, INBOUND, history=history, **kw)
    assert by_commune.source == "commune"
    assert by_commune.p50_days == pytest.approx(0.5 * 2.0 + 0.5 * 1.25)

    other_courier = {LaneKey("ghn", "standard", INBOUND, commune=DIEN_CHAU): [5.0] * 50}
    assert estimate_lane(table, INBOUND, history=other_courier, **kw).source == "table"
    assert estimate_lane(table, OUTBOUND, history=history, **kw).source == "table"
