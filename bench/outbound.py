"""Outbound delivery on PostgreSQL: deliveries per second to a fast loopback receiver with 1 and 3
dispatcher processes (``python run.py dispatch``), and the lag from an event's creation to its
arrival at the receiver (p50/p99) under a steady flow of events.

    createdb -h 127.0.0.1 -U postgres outbound_bench   # once; its public schema is rebuilt
    python bench/outbound.py [--database-url URL] [--events 10000] [--workers 1,3]
                             [--latency-ms 0] [--rate 100] [--seconds 10]

The receiver is a separate process (asyncio, keep-alive, answers 200 after ``--latency-ms``). The
rate counts deliveries between the receiver's first and last arrival, so process start-up is not
in it. Results go to stdout; bench/README.md "## Outbound" records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, insert, select, text  # noqa: E402

from bench.procstat import cpu_model, cpu_seconds, per_item_ms  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/outbound_bench"
WORKER_ENV = {
    "OUTBOUND_POLL_SECONDS": "0.05",
    "OUTBOUND_BATCH": "50",
    "OUTBOUND_JITTER": "0",
    "WEBHOOKS_ALLOW_PRIVATE": "1",
    "DISPATCHER_THREAD": "0",
}


# ── the receiver (a process of its own) ──────────────────────────────────────────────────────
def serve_receiver(port: int, out: str, latency: float) -> None:
    arrivals: list[tuple[str, float]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, wid = 0, ""
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"webhook-id":
                        wid = value.strip().decode()
                await reader.readexactly(length)
                arrivals.append((wid, time.time()))
                if latency:
                    await asyncio.sleep(latency)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with server:
            await stop.wait()
        Path(out).write_text(json.dumps(arrivals))

    asyncio.run(main())


class ReceiverProcess:
    def __init__(self, latency_ms: float) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.out = tempfile.mktemp(suffix=".json", prefix="receiver-")
        args = [sys.executable, __file__, "--serve-receiver", str(self.port), self.out]
        self.proc = subprocess.Popen([*args, str(latency_ms / 1000)])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)

    def stop(self) -> dict[str, float]:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        arrivals = json.loads(Path(self.out).read_text())
        os.unlink(self.out)
        first: dict[str, float] = {}
        for wid, at in arrivals:
            first.setdefault(wid, at)
        return first


# ── the database ─────────────────────────────────────────────────────────────────────────────
def fresh_database(url: str) -> Engine:
    from tracking.db import make_engine
    from tracking.migrate import upgrade

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def reset(engine: Engine, receiver_url: str) -> None:
    from tracking.models import Subscription
    from webhooks.policy import new_secret

    with engine.begin() as conn:
        conn.execute(text("TRUNCATE delivery_attempt, delivery, outbox_event, subscription"))
        conn.execute(
            insert(Subscription).values(
                url=receiver_url,
                events=["*"],
                secret=new_secret(os.urandom(32)),
                active=True,
                created_at=datetime.now(UTC),
            )
        )


def add_events(engine: Engine, n: int, dossiers: int, start: int = 0) -> None:
    from tracking.models import OutboxEvent

    now = datetime.now(UTC)
    rows = [
        {
            "type": "shipment.checkpoint",
            "dossier_code": f"B-{(start + i) % dossiers:05d}",
            "payload": {"item_id": "EC123456785VN", "event": "in_transit", "seq": start + i},
            "created_at": now,
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(insert(OutboxEvent), rows)


def succeeded(engine: Engine) -> int:
    from tracking.models import Delivery

    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).where(Delivery.state == "succeeded")) or 0)


def created_at(engine: Engine) -> dict[str, float]:
    from tracking.models import Delivery, OutboxEvent

    with engine.connect() as conn:
        rows = conn.execute(
            select(Delivery.webhook_id, OutboxEvent.created_at).join(
                OutboxEvent, OutboxEvent.id == Delivery.event_id
            )
        )
        return {wid: at.timestamp() for wid, at in rows}


def start_workers(url: str, count: int, instance: str) -> list[subprocess.Popen[bytes]]:
    """``count`` dispatcher processes, returned once each says it is dispatching."""
    env = {**os.environ, **WORKER_ENV, "DATABASE_URL": url, "INSTANCE_PATH": instance}
    procs = [
        subprocess.Popen(
            [sys.executable, "run.py", "dispatch"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    for p in procs:
        assert p.stdout is not None
        if b"Dispatching" not in p.stdout.readline():
            raise SystemExit("a dispatcher did not start")
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        p.wait(timeout=60)


def wait_for(engine: Engine, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while succeeded(engine) < target:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {succeeded(engine)} of {target} delivered in {timeout} s")
        time.sleep(0.2)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ── the two measurements ─────────────────────────────────────────────────────────────────────
def throughput(
    engine: Engine, url: str, args: argparse.Namespace, workers: int
) -> tuple[float, dict[str, float]]:
    """Deliveries per second, and CPU milliseconds per delivery of the workers, the receiver
    and PostgreSQL (from the first delivery to the last)."""
    rx = ReceiverProcess(args.latency_ms)
    reset(engine, f"http://127.0.0.1:{rx.port}/hook")
    add_events(engine, args.events, args.dossiers)
    with tempfile.TemporaryDirectory() as inst:
        procs = start_workers(url, workers, inst)
        groups = {"workers": [p.pid for p in procs], "receiver": [rx.proc.pid]}
        try:
            wait_for(engine, 1, timeout=60)
            first, before = succeeded(engine), cpu_seconds(groups)
            wait_for(engine, args.events, timeout=600)
            cpu = per_item_ms(before, cpu_seconds(groups), args.events - first)
        finally:
            stop_workers(procs)
    times = sorted(rx.stop().values())
    return (len(times) - 1) / (times[-1] - times[0]), cpu


def lag(engine: Engine, url: str, args: argparse.Namespace, workers: int) -> dict[str, float]:
    rx = ReceiverProcess(args.latency_ms)
    reset(engine, f"http://127.0.0.1:{rx.port}/hook")
    with tempfile.TemporaryDirectory() as inst:
        procs = start_workers(url, workers, inst)
        try:
            batch = max(1, args.rate // 20)  # a transaction every 50 ms
            total = 0
            began = time.monotonic()
            while time.monotonic() - began < args.seconds:
                add_events(engine, batch, args.dossiers, start=total)
                total += batch
                time.sleep(max(0.0, began + total / args.rate - time.monotonic()))
            wait_for(engine, total, timeout=120)
        finally:
            stop_workers(procs)
    arrived = rx.stop()
    made = created_at(engine)
    lags = [(arrived[w] - made[w]) * 1000 for w in arrived if w in made]
    return {
        "events": float(len(lags)),
        "p50_ms": percentile(lags, 50),
        "p99_ms": percentile(lags, 99),
        "mean_ms": statistics.fmean(lags),
    }


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve-receiver"]:
        serve_receiver(int(argv[1]), argv[2], float(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--dossiers", type=int, default=1_000)
    parser.add_argument("--workers", default="1,3")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate", type=int, default=100, help="events per second (lag)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the lag run")
    args = parser.parse_args(argv)
    engine = fresh_database(args.database_url)
    print(f"machine: {machine()}; receiver latency {args.latency_ms:g} ms")
    results: dict[int, Any] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        rate, cpu = throughput(engine, args.database_url, args, workers)
        lags = lag(engine, args.database_url, args, workers)
        results[workers] = rate
        print(
            f"{workers} worker(s): {rate:7.0f} deliveries/s ({args.events} events, "
            f"{args.dossiers} dossiers); lag at {args.rate}/s: p50 {lags['p50_ms']:.0f} ms, "
            f"p99 {lags['p99_ms']:.0f} ms ({lags['events']:.0f} events); CPU ms per delivery: "
            + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()),
            flush=True,
        )
    if 1 in results and 3 in results:
        print(f"3 workers / 1 worker: {results[3] / results[1]:.2f}x")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
