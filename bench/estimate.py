"""Benchmark: estimates for 1,000,000 dossiers whose commune is known, in batch, against a naive
day-by-day loop of the same rule.

Run from the repository root: ``python bench/estimate.py [--count N] [--sample M]``. Prints
Markdown: the machine, the batch time (best of three runs, everything included: lane figures
per commune, the two calendars as arrays, the estimate), the naive loop's rate on a random
sample of the same dossiers, their ratio, and the agreement checks.

The naive path is what one writes first with the pure modules: for each dossier, the
appointment rule (``tracking.appointment.due_at``), post days (``courier.transit.
add_post_days``), the center's opening (``tracking.estimate.center_open``) and the count of
center days (``center_days_between``), each walking the calendar a day at a time
(``WorkCalendar.next_working_day``, ``working_days_between``). Both paths take the same lane
figures per commune, so the difference is the calendar arithmetic alone. A smaller sample is
also checked against the full ``tracking.estimate.estimate``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.procstat import cpu_model
from courier.geography import NGHE_AN_CENTER, list_communes, lookup_commune, road_km
from courier.transit import LaneKey, add_post_days, default_table, post_calendar
from tracking.appointment import CENTER_TZ, due_at
from tracking.estimate import center_days_between, center_open, estimate
from tracking.estimate_batch import (
    NONE,
    SERVICE_CODES,
    BatchEstimate,
    calendars_for,
    estimate_batch,
    lane_steps,
    to_datetime,
)
from tracking.workdays import WorkCalendar

TABLE = default_table()
CENTER = WorkCalendar.center()
POST = post_calendar()
SERVICES = list(SERVICE_CODES)
FIELDS = (
    "direct_due_at",
    "inbound_p50_at",
    "inbound_p90_at",
    "due_at",
    "outbound_p50_at",
    "delivered_by",
)


def corpus(count: int, seed: int = 2026):
    """Dossiers of 2026–2027: times in and out of office hours, the catalogue's processing
    times, 40% both / 35% receive_result / 25% send_dossier, every commune of Nghệ An."""
    rng = np.random.default_rng(seed)
    communes = [
        (c.code, road_km(NGHE_AN_CENTER, c.lat, c.lon), c.province_code) for c in list_communes()
    ]
    start = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    t = start + rng.integers(0, 730 * 86400, count, dtype=np.int64)
    half = rng.choice(np.array([0, 1, 2, 4, 6, 10, 20, 30, 40, 60], dtype=np.int64), count)
    svc = rng.choice(np.array([0, 1, 2], dtype=np.int8), count, p=[0.25, 0.35, 0.40])
    commune = rng.integers(0, len(communes), count)
    history = {}
    for code, _km, _p in communes[::4]:  # a learned history on a quarter of the lanes
        for d in ("inbound", "outbound"):
            history[LaneKey("vnpost", "standard", d, commune=code)] = list(
                rng.choice([0.5, 1, 1.5, 2, 3, 4], int(rng.integers(3, 60)))
            )
    return t, half, svc, commune, communes, history


def run_batch(t, half, svc, commune, communes, history) -> tuple[BatchEstimate, float]:
    began = time.perf_counter()
    steps = lane_steps(TABLE, communes, history)[commune]
    center, post = calendars_for(t, half, steps, CENTER, POST)
    got = estimate_batch(t, half, svc, steps, center, post)
    return got, time.perf_counter() - began


def naive_one(t: int, half: int, service: int, steps: np.ndarray) -> tuple:
    """The same rule, one dossier at a time, walking the calendars day by day."""
    sub = datetime.fromtimestamp(t, tz=CENTER_TZ)
    direct = due_at(sub, half / 2, CENTER)
    in50 = in90 = out50 = out90 = None
    receipt = sub
    if service != 1:
        in50 = center_open(add_post_days(sub, steps[0] / 2, POST), CENTER)
        in90 = center_open(add_post_days(sub, steps[1] / 2, POST), CENTER)
        receipt = in50
    due = due_at(receipt, half / 2, CENTER)
    if service != 0:
        out50 = add_post_days(due, steps[2] / 2, POST)
        out90 = add_post_days(due, steps[3] / 2, POST)
    adds = center_days_between(direct, out90 or due, CENTER)
    return direct, in50, in90, due, out50, out90, adds


def _row(got: BatchEstimate, i: int) -> tuple:
    times = tuple(to_datetime(getattr(got, f)[i]) for f in FIELDS)
    return (*times, got.postal_adds_half_days[i] / 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="dossiers run naively")
    parser.add_argument("--full", type=int, default=2_000, help="checked with estimate()")
    args = parser.parse_args()

    t, half, svc, commune, communes, history = corpus(args.count)
    run_batch(t[:1000], half[:1000], svc[:1000], commune[:1000], communes, history)  # warm-up
    runs = [run_batch(t, half, svc, commune, communes, history) for _ in range(3)]
    got, best = min(runs, key=lambda r: r[1])
    mean = sum(r[1] for r in runs) / len(runs)

    rng = np.random.default_rng(7)
    sample = rng.choice(args.count, min(args.sample, args.count), replace=False)
    steps = lane_steps(TABLE, communes, history)
    began = time.perf_counter()
    naive = [naive_one(int(t[i]), int(half[i]), int(svc[i]), steps[commune[i]]) for i in sample]
    naive_s = time.perf_counter() - began
    mismatches = sum(naive[j] != _row(got, i) for j, i in enumerate(sample))

    full_bad = 0
    for i in sample[: args.full]:
        code, km, _p = communes[commune[i]]
        want = estimate(
            lookup_commune(code),
            km,
            processing_days=half[i] / 2,
            service=SERVICES[svc[i]],
            table=TABLE,
            submitted_at=datetime.fromtimestamp(int(t[i]), tz=CENTER_TZ),
            center_cal=CENTER,
            post_cal=POST,
            history=history,
        )
        i_, o_ = want.inbound, want.outbound
        row = (
            want.direct_due_at,
            i_ and i_.p50_at,
            i_ and i_.p90_at,
            want.due_at,
            o_ and o_.p50_at,
            want.delivered_by,
            want.postal_adds_working_days,
        )
        full_bad += row != _row(got, i)

    batch_rate, naive_rate = args.count / best, len(sample) / naive_s
    n_full = min(args.full, len(sample))
    lines = [
        f'Machine: {os.cpu_count()} cores, CPU "{cpu_model()}", '
        f"Python {platform.python_version()}, "
        f"numpy {np.__version__}. Date: {datetime.now(UTC):%a %d %b %Y %H:%M} UTC.",
        "",
        "| path | dossiers | time | dossiers/s |",
        "| --- | ---: | ---: | ---: |",
        f"| batch (numpy), best of 3 | {args.count:,} | {best:.3f} s | {batch_rate:,.0f} |",
        f"| batch, mean of 3 | {args.count:,} | {mean:.3f} s | {args.count / mean:,.0f} |",
        f"| naive day-by-day loop | {len(sample):,} | {naive_s:.2f} s | {naive_rate:,.0f} |",
        "",
        f"batch / naive: ×{batch_rate / naive_rate:,.0f} (naive for {args.count:,} "
        f"≈ {args.count / naive_rate:,.0f} s). Target ≥ 200,000 dossiers/s: "
        f"{'met' if batch_rate >= 200_000 else 'NOT met'}.",
        f"Agreement: {len(sample) - mismatches:,}/{len(sample):,} sampled dossiers equal to the "
        f"naive loop in all 7 fields; {n_full - full_bad:,}/{n_full:,} equal to "
        "tracking.estimate.estimate().",
        f"Dossiers with a delivery leg: {int((got.delivered_by != NONE).sum()):,}; with an "
        f"inbound leg: {int((got.inbound_p50_at != NONE).sum()):,}; submitted "
        f"{to_datetime(int(t.min())):%d/%m/%Y} – {to_datetime(int(t.max())):%d/%m/%Y}.",
    ]
    print("\n".join(lines))
    return 0 if mismatches == 0 and full_bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
