"""Benchmark: how fast a scan answers, through the real server, with 100,000 dossiers stored.

A postal worker scans envelope after envelope; each Enter is one ``POST /api/v1/scans``
(issue 6: under 150 ms at the 95th percentile). This seeds a database with ``--dossiers``
dossiers (bulk inserts: applicants, dossiers, shipments and checkpoints in the proportions of a
busy year), starts the product in a child process (waitress, 8 threads, as ``python run.py``
serves it), and times scans from this process over keep-alive HTTP connections:

- 85 % real checkpoints (``picked_up`` of dossiers not collected yet, ``at_post_office`` of
  collected ones, ``out_for_delivery`` of results with the post), 10 % the same scan again
  within the minute (200, ``"duplicate": true``), 5 % unknown items (404);
- once with one scanner (``--workers 1``: one after another, the page's way) and once with
  several at the same time (``--concurrent``, default 4).

    python bench/scan.py                       # SQLite in a temporary folder (the default store)
    python bench/scan.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_scan
    python bench/scan.py --write               # put the table into bench/README.md, "## Scans"

A PostgreSQL database named in the URL is created when missing and its schema rebuilt.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procstat import cpu_model  # noqa: E402

TARGET_P95_MS = 150.0
CHUNK = 5_000
COMMUNES = (
    "Bản Huồi Giảng 1, xã Mường Xén, tỉnh Nghệ An",
    "Xóm 3, xã Nghi Lộc, tỉnh Nghệ An",
    "Bản Xiềng, xã Con Cuông, tỉnh Nghệ An",
    "12 Lê Lợi, phường Thành Vinh, tỉnh Nghệ An",
    "Khối 4, phường Cửa Lò, tỉnh Nghệ An",
    "Xóm Trung, xã Diễn Châu, tỉnh Nghệ An",
    "Bản Cửa Rào, xã Tương Dương, tỉnh Nghệ An",
    "Bản Mường Hinh, xã Quế Phong, tỉnh Nghệ An",
)


# ── the database ─────────────────────────────────────────────────────────────────────────────
def fresh_database(url: str) -> Any:
    from sqlalchemy import create_engine, text

    from tracking.db import make_engine
    from tracking.migrate import upgrade

    if url.startswith("postgresql"):
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            known = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not known.first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    elif url.startswith("sqlite:///") and ":memory:" not in url:
        for suffix in ("", "-wal", "-shm"):  # a fresh file
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def templates(engine: Any, url: str, now: datetime) -> list[dict[str, Any]]:
    """One dossier registered the normal way per commune: the places and estimates to copy."""
    from tracking.app import create_app
    from tracking.schemas import DossierIn
    from tracking.seed import seed_reference
    from tracking.services import register_dossier

    app = create_app({"ENGINE": engine, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    out = []
    with app.extensions["tracking.sessionmaker"]() as s:
        seed_reference(s, now)
        for i, address in enumerate(COMMUNES):
            body = {
                "code": f"TEMPLATE-{i}",
                "processing_days": 5,
                "service": "both",
                "applicant": {"name": "Mẫu", "phone": "0912345678", "address": address},
                "submitted_at": (now - timedelta(days=1)).isoformat(),
            }
            d = register_dossier(s, DossierIn.model_validate(body), actor="bench", now=now)
            keys = ("commune_code", "commune_name", "commune_lat", "commune_lon", "distance_km")
            out.append({k: getattr(d, k) for k in keys} | {"estimate": d.estimate, "addr": address})
        s.commit()
    return out


def seed(engine: Any, count: int, now: datetime, places: list[dict[str, Any]]) -> dict[str, Any]:
    """Bulk rows: ``count`` dossiers with their applicants, shipments and checkpoints.

    Services 40 % both, 35 % receive_result, 25 % send_dossier; of the dossiers sent by post a
    third not collected yet, a third on the way, a third received; half of the results with the
    post. Returns the item ids the scans will use, by what may happen to them next.
    """
    from sqlalchemy import func, insert, select, text

    from labels import s10
    from tracking.models import Applicant, Center, Checkpoint, Courier, Dossier, Shipment

    rng = random.Random(2026)
    with engine.connect() as conn:
        vnpost = conn.scalar(select(Courier.id).where(Courier.code == "vnpost"))
        center = conn.scalar(select(Center.id))
        start = {
            m: int(conn.scalar(select(func.coalesce(func.max(m.id), 0))) or 0) + 1
            for m in (Applicant, Dossier, Shipment, Checkpoint)
        }
    applicants, dossiers, shipments, checkpoints = [], [], [], []
    fresh, collected, travelling = [], [], []
    serial = 50_000_000
    sid, cid = start[Shipment], start[Checkpoint]
    for n in range(count):
        aid, did = start[Applicant] + n, start[Dossier] + n
        place = places[n % len(places)]
        submitted = now - timedelta(days=rng.randint(1, 360), minutes=rng.randint(0, 600))
        service = rng.choices(["both", "receive_result", "send_dossier"], [40, 35, 25])[0]
        applicants.append(
            {"id": aid, "name": f"Người nộp {n}", "phone": "0912345678", "address": place["addr"]}
        )
        row = {k: v for k, v in place.items() if k != "addr"}
        status = "registered"
        legs = []
        if service in ("both", "send_dossier"):
            stage = n % 3  # 0: not collected, 1: on the way, 2: received by the center
            events = [[], ["picked_up"], ["picked_up", "handed_to_center", "received_by_center"]]
            legs.append(("inbound", events[stage]))
        if service in ("both", "receive_result") and (service == "receive_result" or n % 3 == 2):
            legs.append(("outbound", ["handed_to_courier"] if n % 2 else []))
        for direction, events in legs:
            item = s10.make("EC", serial)
            serial += 1
            shipments.append(
                {
                    "id": sid,
                    "item_id": item,
                    "dossier_id": did,
                    "direction": direction,
                    "courier_id": vnpost,
                    "status": events[-1] if events else "label_created",
                    "created_at": submitted,
                    "updated_at": submitted,
                }
            )
            for step, event in enumerate(events):
                at = submitted + timedelta(hours=6 * (step + 1))
                checkpoints.append(
                    {
                        "id": cid,
                        "shipment_id": sid,
                        "event": event,
                        "occurred_at": at,
                        "recorded_at": at,
                        "source": "webhook",
                        "actor": "courier:vnpost",
                        "flagged": False,
                    }
                )
                cid += 1
            if events:
                status = events[-1]
            bucket = {
                ("inbound", 0): fresh,
                ("inbound", 1): collected,
                ("outbound", 1): travelling,
            }.get((direction, len(events)))
            if bucket is not None:
                bucket.append(item)
            sid += 1
        dossiers.append(
            {
                **row,
                "id": did,
                "code": f"000.00.00.H41-BENCH-{n:06d}",
                "center_id": center,
                "processing_half_days": 10,
                "service": service,
                "status": status,
                "applicant_id": aid,
                "courier_id": vnpost,
                "submitted_at": submitted,
                "created_at": submitted,
                "updated_at": submitted,
            }
        )
    with engine.begin() as conn:
        for model, rows in (
            (Applicant, applicants),
            (Dossier, dossiers),
            (Shipment, shipments),
            (Checkpoint, checkpoints),
        ):
            for i in range(0, len(rows), CHUNK):
                conn.execute(insert(model), rows[i : i + CHUNK])
        if engine.dialect.name == "postgresql":
            for table in ("applicant", "dossier", "shipment", "checkpoint"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                        f"FROM {table}"
                    )
                )
            conn.execute(text("ANALYZE"))
    return {
        "picked_up": fresh,
        "at_post_office": collected,
        "out_for_delivery": travelling,
        "counts": {
            "dossiers": len(dossiers),
            "shipments": len(shipments),
            "checkpoints": len(checkpoints),
        },
    }


def postal_token(engine: Any, url: str) -> str:
    from tracking.accounts import create_token
    from tracking.app import create_app

    app = create_app({"ENGINE": engine, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.extensions["tracking.sessionmaker"]() as s:
        _t, plain = create_token(s, "postal", "bench scanner", now=datetime.now(UTC))
        s.commit()
    return plain


# ── the server, in a child process (the client does not share its interpreter) ───────────────
def serve(url: str, port: int) -> None:
    import waitress

    from tracking.app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    waitress.serve(app, host="127.0.0.1", port=port, threads=8, ident="tracking", _quiet=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "DISPATCHER_THREAD": "0"}
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", url, "--port", str(port)], env=env, cwd=ROOT
    )
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return child, port
        except OSError:
            time.sleep(0.1)
    child.kill()
    raise SystemExit("the server did not start")


# ── the load ─────────────────────────────────────────────────────────────────────────────────
def plan(items: dict[str, Any], scans: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """(item, event, expected status) in order; duplicates follow their first scan closely."""
    pools = {e: list(items[e]) for e in ("picked_up", "at_post_office", "out_for_delivery")}
    for pool in pools.values():
        rng.shuffle(pool)
    weights = {"picked_up": 50, "at_post_office": 25, "out_for_delivery": 10}
    out: list[tuple[str, str, int]] = []
    done: list[tuple[str, str]] = []
    while len(out) < scans:
        roll = rng.random()
        if roll < 0.10 and done:
            item, event = done[-rng.randint(1, min(5, len(done)))]
            out.append((item, event, 200))
        elif roll < 0.15:
            from labels import s10

            out.append((s10.make("EC", rng.randint(90_000_000, 99_999_999)), "picked_up", 404))
        else:
            event = rng.choices(list(weights), list(weights.values()))[0]
            if not pools[event]:
                continue
            item = pools[event].pop()
            out.append((item, event, 201))
            done.append((item, event))
    return out


def run(port: int, token: str, work: list[tuple[str, str, int]], workers: int) -> dict[str, Any]:
    """Send the planned scans from ``workers`` threads, each on one keep-alive connection."""
    timings: list[float] = []
    wrong: list[str] = []
    lock = threading.Lock()
    # One item's scans stay with one scanner, in order (a repeat follows its first scan).
    shares: list[list[tuple[str, str, int]]] = [[] for _ in range(workers)]
    for step in work:
        shares[sum(step[0].encode()) % workers].append(step)

    def worker(share: list[tuple[str, str, int]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        mine = []
        for item, event, expected in share:
            body = json.dumps({"item_id": item, "event": event, "location": "Bưu cục Vinh"})
            begin = time.perf_counter()
            conn.request("POST", "/api/v1/scans", body=body.encode(), headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append((time.perf_counter() - begin) * 1000)
            if resp.status != expected:
                with lock:
                    wrong.append(f"{item} {event}: {resp.status} (expected {expected})")
        conn.close()
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    timings.sort()

    def pct(p: float) -> float:
        return timings[max(0, math.ceil(p / 100 * len(timings)) - 1)]  # nearest rank

    return {
        "workers": workers,
        "scans": len(timings),
        "p50": statistics.median(timings),
        "p95": pct(95),
        "p99": pct(99),
        "max": timings[-1],
        "rate": len(timings) / elapsed,
        "wrong": wrong,
    }


# ── the report ───────────────────────────────────────────────────────────────────────────────
def machine() -> str:
    return (
        f'{os.cpu_count()} cores (`nproc`), CPU "{cpu_model()}", Python {platform.python_version()}'
    )


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| database | scanners | scans | p50 | p95 | p99 | max | scans/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['workers']} | {r['scans']:,} | {r['p50']:.1f} ms "
            f"| **{r['p95']:.1f} ms** | {r['p99']:.1f} ms | {r['max']:.1f} ms | {r['rate']:.0f} |"
        )
    return lines


def write_section(text: str) -> None:
    readme = ROOT / "bench" / "README.md"
    current = readme.read_text(encoding="utf-8")
    head, sep, rest = current.partition("## Scans\n")
    if sep:
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1 :] if nxt >= 0 else ""
        current = head + text + ("\n" + tail if tail else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    readme.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", action="append", dest="urls")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=2_000)
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    tmp = tempfile.mkdtemp(prefix="bench-scan-")
    os.environ.setdefault("INSTANCE_PATH", tmp)  # secret key, compiled catalogues: not in ./
    urls = args.urls or [f"sqlite:///{tmp}/tracking.db"]
    rows, notes = [], []
    for url in urls:
        now = datetime.now(UTC)
        began = time.perf_counter()
        engine = fresh_database(url)
        items = seed(engine, args.dossiers - len(COMMUNES), now, templates(engine, url, now))
        token = postal_token(engine, url)
        engine.dispose()
        seeded = time.perf_counter() - began
        counts = items["counts"]
        kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        notes.append(
            f"{kind}: {counts['dossiers'] + len(COMMUNES):,} dossiers, {counts['shipments']:,} "
            f"shipments, {counts['checkpoints']:,} checkpoints seeded in {seeded:.1f} s"
        )
        print(notes[-1], flush=True)
        child, port = start_server(url)
        try:
            rng = random.Random(6)
            work = plan(items, args.scans * 2 + 100, rng)
            run(port, token, work[:100], 1)  # warm-up: connections, caches, plans
            for workers, share in (
                (1, work[100 : 100 + args.scans]),
                (args.concurrent, work[100 + args.scans :]),
            ):
                result = run(port, token, share, workers)
                result["database"] = kind
                rows.append(result)
                print(table([result])[-1], flush=True)
                if result["wrong"]:
                    print(f"unexpected answers: {result['wrong'][:5]}", file=sys.stderr)
        finally:
            child.terminate()
            child.wait(timeout=10)
    verdicts = []
    for workers in dict.fromkeys(r["workers"] for r in rows):
        who = "one scanner" if workers == 1 else f"{workers} scanners at once"
        parts = [
            f"{'met' if r['p95'] < TARGET_P95_MS else 'NOT met'} on {r['database']}"
            for r in rows
            if r["workers"] == workers
        ]
        verdicts.append(f"{who}: {', '.join(parts)}")
    text = "\n".join(
        [
            "## Scans",
            "",
            "How fast a scan answers (`POST /api/v1/scans`, the scan page's call) through the",
            "real server (waitress, 8 threads, in its own process) with "
            f"{args.dossiers:,} dossiers stored.",
            "The client times each request on a keep-alive connection: 85 % real checkpoints",
            "(`picked_up`, `at_post_office`, `out_for_delivery`), 10 % the same scan again within",
            "the minute (200, duplicate), 5 % unknown items (404); one scanner, then several at",
            "once. Re-run from the repository root:",
            "",
            "```sh",
            "python bench/scan.py             # SQLite in a temporary folder",
            "python bench/scan.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_scan",
            "```",
            "",
            f"Machine: {machine()}. Date: {datetime.now(UTC):%a %d %b %Y, %H:%M} UTC.",
            "",
            *table(rows),
            "",
            f"Target: p95 under {TARGET_P95_MS:.0f} ms. {'; '.join(verdicts)}.",
            "SQLite has one writer: scans from several scanners at once queue for its lock, so",
            "their rows measure that queue as much as the scan; PostgreSQL locks only the",
            "scanned shipment's row.",
            "",
            "Seeding (bulk inserts, `--dossiers N`):",
            "",
            *(f"- {n}" for n in notes),
            "",
        ]
    )
    print()
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
