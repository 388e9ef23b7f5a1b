"""Sustained courier webhooks per second through the real server on PostgreSQL.

Two endpoints of one server (gunicorn, 2 processes × 4 threads, the product's ``run.py --workers
2``; or waitress with ``--workers 1``): the product's ``/webhooks/{courier}``
(verify, store the raw body, parse, lock the shipment, record the checkpoint, derive statuses,
audit, outbox) and a bare endpoint that only verifies the signature and inserts the raw body.
A client process sends signed deliveries of distinct checkpoints from several threads and
measures throughput and latency.

    python bench/webhooks.py [--seconds 15] [--connections 16] [--write]

The load comes from wrk (Debian package `wrk`) with every request pre-signed, so that the client
takes little of the two cores; without wrk (or with --python-client) Python threads send.

Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/
bench_webhooks; the database is created and its schema rebuilt). ``--write`` puts the table
into bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from queue import Empty, Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procstat import cpu_model, cpu_seconds, per_item_ms  # noqa: E402
from tracking.serving import GUNICORN_THREADS  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_webhooks"
HISTORY = 50_000  # dossiers already stored when the bench begins (a quarter of a busy year)
# A dossier's journey to the center (CONTRACT.md vocabulary): two of its six checkpoints are
# facts that refresh the estimate (the pickup; the receipt, which also fixes the appointment
# date and teaches the lane its duration).
JOURNEY = [
    "picked_up",
    "at_post_office",
    "in_transit",
    "at_post_office",
    "handed_to_center",
    "received_by_center",
]


def delivery(items: list[str], n: int, start_at: datetime) -> tuple[str, str, datetime]:
    """The n-th delivery: (item, event, occurred_at). Deliveries go round the items, and each
    item's checkpoints arrive in a rotated order (item i starts at step i mod 6), so every
    stretch of deliveries carries the journey's mix: a third are facts. Earlier events that
    arrive late join the timeline, as couriers' webhooks do; none breaks a rule."""
    i, k = n % len(items), n // len(items)
    if k >= len(JOURNEY):
        raise SystemExit(f"only {len(items) * len(JOURNEY)} distinct deliveries: more --shipments")
    step = (k + i) % len(JOURNEY)
    return items[i], JOURNEY[step], start_at + timedelta(hours=step, seconds=i % 3600)


def _url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def prepare(shipments: int, history: int = HISTORY) -> tuple[str, list[str]]:
    """A fresh schema and reference data; ``history`` dossiers of a busy past with their
    checkpoints and the webhook receipts that brought them (bulk rows, as ``bench/scan.py``
    seeds them); a generic courier and ``shipments`` dossiers registered the normal way for
    the deliveries; then statistics, as autovacuum keeps them on a production server.

    The history matters: on empty tables the planner picks plans that scan (the dossier's
    history read by a hash join over every checkpoint, the receipt's foreign key checked by a
    sequential scan), each connection keeps them as the tables grow, and the full path's
    PostgreSQL time grows with every request the bench sends. This machine's PostgreSQL runs
    with autovacuum off, so nothing would ever correct them."""
    from sqlalchemy import text

    from bench.scan import fresh_database, seed, templates
    from tracking import couriers
    from tracking.app import create_app
    from tracking.schemas import DossierIn
    from tracking.services import register_dossier

    url = _url()
    now = datetime.now(UTC)
    engine = fresh_database(url)
    seeded = seed(engine, history, now, templates(engine, url, now))["counts"]
    app = create_app({"ENGINE": engine, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    items = []
    with app.extensions["tracking.sessionmaker"]() as s:
        courier, secret = couriers.add(
            s, "bench", "Bench Post", now=now, adapter="generic", adapters=("generic",)
        )
        couriers.add_range(s, "bench", "EB", 40_000_000, 49_999_999, now=now)
        for i in range(shipments):
            d = register_dossier(
                s,
                DossierIn.model_validate(
                    {
                        "processing_days": 2,
                        "service": "send_dossier",
                        "courier": "bench",
                        "applicant": {
                            "name": f"Người gửi {i}",
                            "phone": "0912345678",
                            "address": "Xã Mường Xén, Nghệ An",
                        },
                        "submitted_at": (now - timedelta(days=1)).isoformat(),
                    }
                ),
                actor="bench",
                now=now,
            )
            items.append(d.shipments[0].item_id)
        s.commit()
        courier_id = courier.id
    with engine.begin() as conn:
        # one past receipt per seeded checkpoint, as if every one had come by webhook
        conn.execute(
            text(
                "INSERT INTO webhook_receipt (courier_id, webhook_id, received_at, headers, body,"
                " status) SELECT :courier, 'past-' || g, :at - g * interval '1 minute',"
                " '{}'::json, '{}'::bytea, 'applied' FROM generate_series(1, :n) AS g"
            ),
            {"courier": courier_id, "at": now, "n": seeded["checkpoints"]},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return secret, items


def serve(port: int, workers: int, threads: int) -> None:
    """The product plus a bare endpoint (the server side of the bench): waitress in one
    process, or gunicorn with several worker processes."""
    from flask import Blueprint, jsonify, request

    from tracking.app import create_app
    from tracking.couriers import valid_secrets
    from tracking.models import Courier
    from tracking.web import csrf, db, now
    from webhooks import inbound, signature

    app = create_app({"DATABASE_URL": _url(), "SECRET_KEY": "bench"})
    bare = Blueprint("bare", __name__)

    @bare.post("/bare/<code>")
    def bare_endpoint(code: str):  # type: ignore[no-untyped-def]
        from sqlalchemy import select
        from sqlalchemy.orm import joinedload

        session = db()
        courier = (
            session.scalars(
                select(Courier).where(Courier.code == code).options(joinedload(Courier.secrets))
            )
            .unique()
            .first()
        )
        body = request.get_data()
        at = now()
        msg_id = signature.verify(valid_secrets(courier, at), request.headers, body, at)
        inbound.store_receipt(
            session, inbound.receipt_row(courier, msg_id, dict(request.headers), body, at)
        )
        session.commit()
        return jsonify({"status": "accepted"})

    app.register_blueprint(bare)
    csrf.exempt(bare)
    from tracking.serving import serve_gunicorn, serve_waitress

    if workers > 1:
        serve_gunicorn(app, "127.0.0.1", port, workers=workers, threads=threads)
    else:
        serve_waitress(app, "127.0.0.1", port, threads=8)


def load(
    base: str,
    path: str,
    secret: str,
    items: list[str],
    total: int,
    senders: int,
    id_prefix: str,
    start: int = 0,
) -> dict[str, float]:
    import requests
    from standardwebhooks import Webhook

    start_at = datetime.now(UTC) - timedelta(hours=6)
    work: Queue[tuple[int, str, str, datetime]] = Queue()
    for n in range(start, start + total):
        work.put((n, *delivery(items, n, start_at)))
    wh = Webhook(secret)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def sender() -> None:
        http = requests.Session()
        while True:
            try:
                n, item, ev, at = work.get_nowait()
            except Empty:
                return
            body = json.dumps(
                {
                    "type": "shipment.checkpoint",
                    "data": {"item_id": item, "event": ev, "occurred_at": at.isoformat()},
                }
            )
            msg_id = f"{id_prefix}-{n}"
            ts = datetime.now(UTC)
            headers = {
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(ts.timestamp())),
                "webhook-signature": wh.sign(msg_id, ts, body),
                "Content-Type": "application/json",
            }
            t = time.perf_counter()
            r = http.post(base + path, data=body.encode(), headers=headers, timeout=60)
            dt = time.perf_counter() - t
            with lock:
                latencies.append(dt)
                if r.status_code != 200 or r.json().get("status") != "accepted":
                    failures.append(f"{r.status_code} {r.text[:120]}")

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    if failures:
        raise SystemExit(f"{len(failures)} failures, e.g. {failures[:3]}")
    latencies.sort()
    return {
        "requests": total,
        "seconds": elapsed,
        "per_second": total / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


WRK_SCRIPT = r"""
local reqs = {}
local n = 0
tid = 0 -- a global: setup() gives each thread its own through thread:set
local nthreads = 1
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  nthreads = tonumber(args[2])
  local f = io.open(args[1], "r")
  local i = 0
  while true do
    local id = f:read("*l")
    if id == nil then break end
    local sig = f:read("*l")
    local body = f:read("*l")
    i = i + 1
    reqs[i] = {id, sig, body}
  end
  f:close()
  n = i
  k = tid
end
function request()
  k = k + nthreads
  local r = reqs[(k % n) + 1]
  wrk.headers["webhook-id"] = r[1]
  wrk.headers["webhook-signature"] = r[2]
  return wrk.format("POST", nil, nil, r[3])
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f %.3f %.3f\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def load_wrk(
    base: str,
    path: str,
    secret: str,
    items: list[str],
    seconds: int,
    connections: int,
    id_prefix: str,
    expected_rate: int = 4000,  # each wrk thread gets its own half; more than it can send
    start: int = 0,
) -> dict[str, float]:
    """The same deliveries sent by wrk (C, event-driven) so that the client costs little CPU;
    every request is pre-signed with one timestamp (the bench lasts well under 5 minutes)."""
    import tempfile

    from standardwebhooks import Webhook

    total = seconds * expected_rate
    capacity = len(items) * len(JOURNEY)
    full = not path.startswith("/bare")
    if full:  # the product's path: only distinct checkpoints (wrk wrapping round is caught)
        total = min(total, capacity - start)
    ts = datetime.now(UTC)
    wh = Webhook(secret)
    start_at = ts - timedelta(hours=12)
    tmp = Path(tempfile.mkdtemp())
    with (tmp / "reqs.txt").open("w", encoding="utf-8") as f:
        for n in range(start, start + total):
            item, ev, at = delivery(items, n if full else n % capacity, start_at)
            body = json.dumps(
                {
                    "type": "shipment.checkpoint",
                    "data": {
                        "item_id": item,
                        "event": ev,
                        "occurred_at": at.isoformat(),
                    },
                }
            )
            msg_id = f"{id_prefix}-{n}"
            f.write(f"{msg_id}\n{wh.sign(msg_id, ts, body)}\n{body}\n")
    (tmp / "bench.lua").write_text(
        WRK_SCRIPT.replace(
            'wrk.headers["webhook-id"]',
            f'wrk.headers["webhook-timestamp"] = "{int(ts.timestamp())}"\n'
            '  wrk.headers["Content-Type"] = "application/json"\n'
            '  wrk.headers["webhook-id"]',
            1,
        ),
        encoding="utf-8",
    )
    threads = 2
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(tmp / "bench.lua"),
            base + path,
            "--",
            str(tmp / "reqs.txt"),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    _tag, reqs, dur, p50, p99 = line.split()
    non2xx = next((int(ln.split()[-1]) for ln in out.splitlines() if "Non-2xx" in ln), 0)
    if int(reqs) > total:
        raise SystemExit(f"wrk sent {reqs} requests, more than the {total} distinct ones")
    if non2xx:
        raise SystemExit(f"{non2xx} of {reqs} requests to {path} were not answered 2xx")
    return {
        "sent": float(total),
        "requests": float(reqs),
        "seconds": float(dur),
        "per_second": (int(reqs) - non2xx) / float(dur),
        "p50_ms": float(p50),
        "p99_ms": float(p99),
        "non_2xx": float(non2xx),
    }


def check_distinct(prefix: str, requests: float, in_flight: int) -> None:
    """Every request of a phase must have been a distinct delivery, stored once: a client
    that repeats requests would measure the cheap duplicate answer instead. (Up to one request
    per connection may be stored but cut off uncounted when the client stops.)"""
    from sqlalchemy import create_engine, func, select

    from tracking.models import WebhookReceipt

    engine = create_engine(_url())
    with engine.connect() as conn:
        stored = conn.scalar(
            select(func.count()).where(WebhookReceipt.webhook_id.startswith(prefix))
        )
    engine.dispose()
    if not int(requests) <= (stored or 0) <= int(requests) + in_flight:
        raise SystemExit(f"{prefix}: {requests:.0f} requests but {stored} distinct deliveries")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", default="run")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--seconds", type=int, default=15, help="per endpoint and round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="bare then full, this many times (interleaved)"
    )
    parser.add_argument("--only", choices=["both", "full"], default="both")
    parser.add_argument(
        "--threads",
        type=int,
        default=GUNICORN_THREADS,
        help="threads per gunicorn worker (the product's default)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes (gunicorn); 1 = waitress"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--shipments",
        type=int,
        default=6000,
        help="registered items the deliveries go round, six checkpoints each at most "
        "(a journey; 6,000 cover the default rounds)",
    )
    parser.add_argument(
        "--python-client", action="store_true", help="load with Python threads instead of wrk"
    )
    args = parser.parse_args()
    if args.mode == "serve":
        serve(args.port, args.workers, args.threads)
        return

    secret, items = prepare(shipments=args.shipments)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        cwd=ROOT,
        env={**os.environ, "DISPATCHER_THREAD": "0"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        for _ in range(100):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        load(base, "/bare/bench", secret, items, 200, args.senders, "warm-bare")
        rounds: list[tuple[dict[str, float], dict[str, float]]] = []
        if shutil.which("wrk") and not args.python_client:
            args.client = f"wrk, {args.connections} connections, {args.seconds} s per endpoint"
            sent = {"bare": 0, "full": 0}
            for r in range(args.rounds):
                pair = []
                for name, path in (("bare", "/bare/bench"), ("full", "/webhooks/bench")):
                    before = cpu_seconds({"server": [server.pid]})
                    got = load_wrk(
                        base,
                        path,
                        secret,
                        items,
                        args.seconds,
                        args.connections,
                        f"{name}{r}",
                        start=sent[name],
                    )
                    sent[name] += int(got["requests"]) + args.connections
                    after = cpu_seconds({"server": [server.pid]})
                    check_distinct(f"{name}{r}-", got["requests"], args.connections)
                    cpu = per_item_ms(before, after, got["requests"])
                    got |= {f"{k}_cpu_ms": v for k, v in cpu.items()}
                    pair.append(got)
                    print(f"round {r + 1} {name}: {got['per_second']:.0f}/s", flush=True)
                rounds.append((pair[0], pair[1]))
        else:
            args.client = f"Python requests, {args.senders} threads"
            load(base, "/webhooks/bench", secret, items, 200, args.senders, "warm-full")
            for r in range(args.rounds):
                n0 = r * args.requests
                rounds.append(
                    (
                        load(
                            base,
                            "/bare/bench",
                            secret,
                            items,
                            args.requests,
                            args.senders,
                            f"bare{r}",
                            start=n0,
                        ),
                        load(
                            base,
                            "/webhooks/bench",
                            secret,
                            items,
                            args.requests,
                            args.senders,
                            f"full{r}",
                            start=n0,
                        ),
                    )
                )
    finally:
        server.terminate()
        server.wait(timeout=20)
    report(rounds, args)


def _server_kind(workers: int, threads: int) -> str:
    if workers > 1:
        return f"gunicorn, {workers} processes × {threads} threads"
    return "waitress, 1 process × 8 threads"


def report(
    rounds: list[tuple[dict[str, float], dict[str, float]]], args: argparse.Namespace
) -> None:
    cpu = cpu_model()
    ratios = [full["per_second"] / bare["per_second"] for bare, full in rounds]
    lines = [
        "## Webhooks",
        "",
        f"`python bench/webhooks.py` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, PostgreSQL on "
        f"loopback, server ({_server_kind(args.workers, args.threads)}) and client "
        f"({args.client}) on the same machine; {len(rounds)} rounds, each the bare endpoint "
        "then the full path.",
        "",
        "| round | endpoint | requests | accepted/s | p50 ms | p99 ms | CPU ms/request: server "
        "| PostgreSQL | full / bare |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, ((bare, full), ratio) in enumerate(zip(rounds, ratios, strict=True), start=1):
        for name, got in (("bare (verify + store raw body)", bare), ("full path", full)):
            lines.append(
                f"| {n} | {name} | {got['requests']:.0f} | {got['per_second']:.0f} | "
                f"{got['p50_ms']:.1f} | {got['p99_ms']:.1f} | "
                f"{got.get('server_cpu_ms', float('nan')):.2f} | "
                f"{got.get('postgres_cpu_ms', float('nan')):.2f} | "
                + (f"{ratio:.2f} |" if got is full else " |")
            )
    fulls = [full["per_second"] for _bare, full in rounds]
    lines += [
        "",
        f"Median over the rounds: full path {statistics.median(fulls):.0f} accepted/s, "
        f"{statistics.median(ratios):.2f} of the bare endpoint "
        f"(rounds {min(ratios):.2f}–{max(ratios):.2f}).",
    ]
    if all("server_cpu_ms" in got for pair in rounds for got in pair):

        def cost(got: dict[str, float]) -> float:
            return got["server_cpu_ms"] + got["postgres_cpu_ms"]

        bare_cpu = statistics.median(cost(b) for b, _f in rounds)
        full_cpu = statistics.median(cost(f) for _b, f in rounds)
        lines.append(
            f"CPU per request (server + PostgreSQL, medians): bare {bare_cpu:.2f} ms, full path "
            f"{full_cpu:.2f} ms: where CPU is the limit, the full path can reach "
            f"{bare_cpu / full_cpu:.2f} of the bare endpoint's throughput."
        )
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.write:
        readme = ROOT / "bench" / "README.md"
        current = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
        head, sep, rest = current.partition("## Webhooks")
        tail = ""
        if sep:
            nxt = rest.find("\n## ")
            tail = rest[nxt + 1 :] if nxt >= 0 else ""
        readme.write_text(
            head.rstrip() + "\n\n" + text + ("\n" + tail if tail else ""), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
