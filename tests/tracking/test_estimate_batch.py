"""The batch estimate (numpy, precomputed calendars) agrees with tracking.estimate, field by
field."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from courier.geography import NGHE_AN_CENTER, list_communes, lookup_commune, road_km
from courier.transit import LaneKey, default_table, post_calendar
from tracking.appointment import CENTER_TZ, due_at
from tracking.estimate import center_days_between, center_open, estimate
from tracking.estimate_batch import (
    NONE,
    SERVICE_CODES,
    DayTable,
    calendars_for,
    covering,
    estimate_batch,
    lane_steps,
    to_datetime,
    to_seconds,
)
from tracking.workdays import SAT, SUN, Sessions, WorkCalendar

TABLE = default_table()
CENTER = WorkCalendar.center()
POST = post_calendar()
# Times of day where the rules change their mind, and ordinary ones.
EDGES = [
    (0, 0, 0), (7, 0, 0), (7, 29, 59), (7, 30, 0), (11, 30, 0), (11, 59, 59), (12, 0, 0),
    (12, 0, 1), (13, 30, 0), (16, 59, 59), (17, 0, 0), (17, 0, 1), (17, 30, 0), (23, 59, 59),
]  # fmt: skip


def _communes() -> list[tuple[str, float, str]]:
    out = []
    for c in list_communes():
        out.append((c.code, road_km(NGHE_AN_CENTER, c.lat, c.lon), c.province_code))
    for code in ("00004", "18073"):  # Hà Nội, Hà Tĩnh: the "another province" figure
        c = lookup_commune(code)
        out.append((c.code, road_km(NGHE_AN_CENTER, c.lat, c.lon), c.province_code))
    return out


COMMUNES = _communes()


def _history(rng: random.Random) -> dict[LaneKey, list[float]]:
    """Learned lanes for some communes and zones: percentiles that are not whole half-days."""
    history: dict[LaneKey, list[float]] = {}
    for code, _km, _p in rng.sample(COMMUNES, 30):
        for d in ("inbound", "outbound"):
            n = rng.randint(1, 40)
            history[LaneKey("vnpost", "standard", d, commune=code)] = [
                rng.choice((0.5, 1, 1.5, 2, 2.5, 3, 4, 6)) for _ in range(n)
            ]
    history[LaneKey("vnpost", "standard", "outbound", zone="province")] = [1, 2, 2, 3, 5] * 4
    return history


def _cases(rng: random.Random, n: int) -> list[tuple[datetime, int, str, int]]:
    start = datetime(2025, 1, 1, tzinfo=CENTER_TZ)
    cases = []
    for _ in range(n):
        day = start + timedelta(days=rng.randrange(3 * 365))
        if rng.random() < 0.5:
            hh, mm, ss = rng.choice(EDGES)
        else:
            hh, mm, ss = rng.randrange(24), rng.randrange(60), rng.randrange(60)
        when = day.replace(hour=hh, minute=mm, second=ss)
        if rng.random() < 0.3:
            when = when.astimezone(UTC)  # any zone in, the same instant
        half = rng.choice((0, 1, 2, 3, 6, 10, 20, 40, rng.randrange(0, 121)))
        cases.append((when, half, rng.choice(list(SERVICE_CODES)), rng.randrange(len(COMMUNES))))
    return cases


def _check(cases, center_cal: WorkCalendar, post_cal: WorkCalendar, history) -> int:
    communes = np.array([c[3] for c in cases])
    steps = lane_steps(TABLE, COMMUNES, history)[communes]
    t = np.array([to_seconds(c[0]) for c in cases], dtype=np.int64)
    half = np.array([c[1] for c in cases], dtype=np.int64)
    svc = np.array([SERVICE_CODES[c[2]] for c in cases], dtype=np.int8)
    ctab, ptab = calendars_for(t, half, steps, center_cal, post_cal)
    got = estimate_batch(t, half, svc, steps, ctab, ptab)
    checked = 0
    for i, (when, h, service, ci) in enumerate(cases):
        code, km, _province = COMMUNES[ci]
        c = lookup_commune(code)
        want = estimate(
            c,
            km,
            processing_days=h / 2,
            service=service,
            table=TABLE,
            submitted_at=when,
            center_cal=center_cal,
            post_cal=post_cal,
            history=history,
        )
        inb, out = want.inbound, want.outbound
        expected = {
            "direct_due_at": want.direct_due_at,
            "inbound_p50_at": inb.expected_at_center if inb else None,
            "inbound_p90_at": inb.p90_at if inb else None,
            "due_at": want.due_at,
            "outbound_p50_at": out.p50_at if out else None,
            "delivered_by": want.delivered_by,
        }
        for name, value in expected.items():
            assert to_datetime(getattr(got, name)[i]) == value, (name, when, h, service, code)
        assert got.postal_adds_half_days[i] / 2 == want.postal_adds_working_days
        checked += 1
    return checked


def test_batch_agrees_with_the_pure_estimate_on_random_dossiers() -> None:
    rng = random.Random(2026)
    assert _check(_cases(rng, 4000), CENTER, POST, _history(rng)) == 4000


def test_batch_agrees_without_history_across_tet_and_swaps() -> None:
    rng = random.Random(45)
    cases = [
        (datetime(y, m, d, hh, mm, tzinfo=CENTER_TZ), half, service, rng.randrange(len(COMMUNES)))
        for y, m, d in ((2026, 2, 13), (2027, 2, 3), (2026, 1, 9), (2025, 4, 25), (2026, 8, 28))
        for hh, mm in ((9, 0), (12, 0), (15, 0), (17, 0), (18, 30))
        for half in (0, 1, 5, 6)
        for service in SERVICE_CODES
    ]
    assert _check(cases, CENTER, POST, None) == len(cases)


def test_batch_follows_other_session_hours_and_a_post_closed_on_saturdays() -> None:
    rng = random.Random(17)
    center = WorkCalendar.center(sessions=Sessions.parse("08:00-11:00,14:00-17:30"))
    post = post_calendar(weekend=frozenset({SAT, SUN}))
    assert _check(_cases(rng, 1500), center, post, _history(rng)) == 1500


def test_day_table_positions_match_the_calendar_walk() -> None:
    start, end = datetime(2026, 1, 1).date(), datetime(2027, 12, 31).date()
    table = DayTable.build(CENTER, start, end)
    k = 0
    d = start
    while d <= end:
        if CENTER.is_working_day(d):
            k += 1
            assert table.days[k] == (d - datetime(1970, 1, 1).date()).days
        d += timedelta(days=1)
    assert table.ordinal[-1] == k


def test_pieces_match_their_pure_counterparts() -> None:
    rng = random.Random(3)
    table = covering(CENTER, datetime(2025, 12, 1).date(), datetime(2027, 3, 1).date(), 30)
    for _ in range(2000):
        a = datetime(2026, 1, 1, tzinfo=CENTER_TZ) + timedelta(seconds=rng.randrange(400 * 86400))
        b = a + timedelta(seconds=rng.randrange(20 * 86400))
        ta, tb = np.array([to_seconds(a)]), np.array([to_seconds(b)])
        assert to_datetime(table.center_open(ta)[0]) == center_open(a, CENTER)
        assert (table.arrival(tb) - table.arrival(ta))[0] / 2 == center_days_between(a, b, CENTER)
        half = rng.randrange(12)
        assert to_datetime(table.end(table.receipt(ta) + half)[0]) == due_at(a, half / 2, CENTER)


def test_missing_legs_are_none_and_bounds_are_checked() -> None:
    t = np.array([to_seconds(datetime(2026, 6, 5, 9, tzinfo=CENTER_TZ))] * 2, dtype=np.int64)
    half = np.array([6, 6], dtype=np.int64)
    svc = np.array([SERVICE_CODES["send_dossier"], SERVICE_CODES["receive_result"]])
    steps = lane_steps(TABLE, COMMUNES[:1])[[0, 0]]
    got = estimate_batch(t, half, svc, steps, *calendars_for(t, half, steps, CENTER, POST))
    assert got.delivered_by[0] == NONE and got.outbound_p50_at[0] == NONE
    assert got.inbound_p50_at[1] == NONE and got.inbound_p90_at[1] == NONE
    assert len(got) == 2 and to_datetime(NONE) is None
    short = DayTable.build(CENTER, datetime(2026, 6, 1).date(), datetime(2026, 6, 10).date())
    with pytest.raises(ValueError, match="precomputed calendar"):
        estimate_batch(t, half, svc, steps, short, short)
    with pytest.raises(ValueError, match="time zone"):
        to_seconds(datetime(2026, 6, 5, 9))


def test_the_batch_module_is_pure() -> None:
    """Like tests/test_purity.py: importing it loads no web framework and no ORM."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, tracking.estimate_batch\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug')]\n"
        "print(','.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, f"loads {out.stdout.strip()} {out.stderr[-500:]}"
