"""The dispatcher against real receivers on loopback, on the test database (SQLite or PostgreSQL):
signatures, retries on the schedule, order per dossier, parking and replay, timeouts, 410,
Retry-After – with a clock the test moves, never a sleep."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import FIXED_NOW
from tests.webhooks.conftest import OutboundClock
from tests.webhooks.outbound_receiver import Answer, Received, Receiver
from tracking import services
from tracking.models import Delivery, DeliveryAttempt, Subscription
from webhooks import outbound
from webhooks.dispatcher import Dispatcher

Headers = Callable[[str], dict[str, str]]
MakeReceiver = Callable[..., Receiver]
MakeDispatcher = Callable[..., Dispatcher]
Run = Callable[..., int]


def subscribe(app: Flask, receiver: Receiver, events: tuple[str, ...] = ("*",)) -> int:
    with app.extensions["tracking.sessionmaker"]() as s:
        sub = outbound.create_subscription(
            s, url=receiver.url, events=events, now=FIXED_NOW, actor="test", allow_private=True
        )
        s.commit()
        receiver.secret = sub.secret
        return sub.id


def emit(
    app: Flask, dossiers: int, per_dossier: int, type_: str = "dossier.status", start: int = 0
) -> None:
    """Events interleaved across dossiers, each carrying its place in its dossier (``seq``)."""
    with app.extensions["tracking.sessionmaker"]() as s:
        for seq in range(start, start + per_dossier):
            for d in range(dossiers):
                code = f"D-{d:03d}"
                services.emit(s, FIXED_NOW, type_, code, {"code": code, "seq": seq})
        s.commit()


def by_dossier(received: list[Received]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for r in received:
        out[r.json["data"]["code"]].append(r.json["data"]["seq"])
    return dict(out)


def states(session: Session) -> dict[str, int]:
    session.rollback()  # a fresh snapshot (and identity map) for each look
    out: dict[str, int] = defaultdict(int)
    for state in session.scalars(select(Delivery.state)):
        out[state] += 1
    return dict(out)


def test_signed_in_order_once(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    session: Session,
) -> None:
    rx = outbound_receiver()
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=3, per_dossier=4)
    worker = outbound_dispatcher()
    assert worker.drain() > 0
    got = rx.all()
    assert len(got) == 12 and all(r.verified for r in got), [r.error for r in got]
    assert by_dossier(got) == {f"D-{d:03d}": [0, 1, 2, 3] for d in range(3)}
    assert len({r.webhook_id for r in got}) == 12
    first = got[0]
    assert (
        set(first.json) == {"type", "timestamp", "data"} and first.json["type"] == "dossier.status"
    )
    assert first.headers["content-type"] == "application/json"
    assert first.headers["webhook-id"].startswith("msg_")
    assert states(session) == {"succeeded": 12}
    assert worker.drain() == 0


def test_fails_three_times_then_succeeds(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_run: Run,
    session: Session,
) -> None:
    rx = outbound_receiver(lambda _r, n: Answer(500 if n <= 3 else 204))
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=2, per_dossier=3)
    outbound_run(outbound_dispatcher())

    ok = rx.successes()
    assert len(ok) == 6 and len({r.webhook_id for r in ok}) == 6  # each once successfully
    assert by_dossier(ok) == {"D-000": [0, 1, 2], "D-001": [0, 1, 2]}
    # No event was even tried before the one before it had succeeded.
    for seqs in by_dossier(rx.all()).values():
        assert seqs == sorted(seqs) and len(seqs) == 12
    # The same webhook-id on every retry; the body unchanged.
    per_id: dict[str, set[bytes]] = defaultdict(set)
    for r in rx.all():
        per_id[r.webhook_id].add(r.body)
    assert all(len(bodies) == 1 for bodies in per_id.values()) and len(per_id) == 6
    assert states(session) == {"succeeded": 6}
    codes = session.scalars(
        select(DeliveryAttempt.status_code).order_by(
            DeliveryAttempt.delivery_id, DeliveryAttempt.id
        )
    ).all()
    assert codes == [500, 500, 500, 204] * 6


def test_down_for_the_whole_schedule_then_replay(
    outbound_app: Flask,
    client: FlaskClient,
    token: Headers,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_run: Run,
) -> None:
    rx = outbound_receiver()
    port = rx.server.server_address[1]
    sub_id = subscribe(outbound_app, rx)
    rx.close()  # nothing listens there now: every attempt is refused
    emit(outbound_app, dossiers=2, per_dossier=2)
    worker = outbound_dispatcher()
    outbound_run(worker)

    h = token("admin")
    base = f"/api/v1/subscriptions/{sub_id}"
    assert client.get(base, headers=h).json["deliveries"] == {"pending": 0, "dead": 4}
    dead = client.get(f"{base}/deliveries?state=dead", headers=h).json["deliveries"]
    assert len(dead) == 4 and all(d["attempts"] == 4 for d in dead)
    assert all("ConnectionError" in d["last_error"] for d in dead)
    detail = client.get(f"{base}/deliveries/{dead[0]['id']}", headers=h).json
    assert len(detail["attempt_log"]) == 4 and detail["event"]["type"] == "dossier.status"
    assert all(a["status_code"] is None and a["error"] for a in detail["attempt_log"])
    page = client.get(f"{base}/deliveries?state=dead&limit=3", headers=h).json
    assert len(page["deliveries"]) == 3 and page["next_before"] == page["deliveries"][-1]["id"]
    rest = client.get(f"{base}/deliveries?before={page['next_before']}", headers=h).json
    assert len(rest["deliveries"]) == 1

    back = outbound_receiver(port=port)  # the receiver is back, at the same address
    back.secret = rx.secret
    assert client.post(f"{base}/replay", headers=h).json == {"replayed": 4}
    outbound_run(worker)
    assert len(back.successes()) == 4 and all(r.verified for r in back.all())
    assert by_dossier(back.successes()) == {"D-000": [0, 1], "D-001": [0, 1]}
    assert client.get(base, headers=h).json["deliveries"] == {"pending": 0, "dead": 0}
    ids = {d["webhook_id"] for d in dead}
    assert {r.webhook_id for r in back.all()} == ids  # same ids as the parked ones


def test_slow_receiver_times_out_and_is_retried(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_run: Run,
    session: Session,
) -> None:
    rx = outbound_receiver(lambda _r, n: Answer(200, delay=5.0 if n == 1 else 0.0))
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=1, per_dossier=1)
    outbound_run(outbound_dispatcher(read_timeout=0.3))
    log = session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [a.status_code for a in log] == [None, 200]
    assert log[0].error and "timeout" in log[0].error and (log[0].latency_ms or 0) >= 300
    assert len(rx.successes()) == 1 and len({r.webhook_id for r in rx.all()}) == 1


def test_410_disables_and_enable_resumes(
    outbound_app: Flask,
    client: FlaskClient,
    token: Headers,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_run: Run,
    session: Session,
) -> None:
    answer = {"status": 410}
    rx = outbound_receiver(lambda _r, _n: Answer(answer["status"]))
    sub_id = subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=1, per_dossier=3)
    worker = outbound_dispatcher()
    outbound_run(worker)
    assert len(rx.all()) == 1  # one 410, then nothing more
    sub = session.get(Subscription, sub_id)
    assert sub is not None and sub.active is False and "410" in (sub.disabled_reason or "")
    emit(outbound_app, dossiers=1, per_dossier=1, start=3)  # queued while disabled
    outbound_run(worker)
    assert len(rx.all()) == 1 and states(session) == {"pending": 4}

    answer["status"] = 200
    h = token("admin")
    assert client.post(f"/api/v1/subscriptions/{sub_id}/enable", headers=h).json["active"]
    outbound_run(worker)
    assert by_dossier(rx.successes()) == {"D-000": [0, 1, 2, 3]}  # the 410'd one first, again
    assert states(session) == {"succeeded": 4}


def test_retry_after_is_respected(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_clock: OutboundClock,
) -> None:
    def script(_r: Received, n: int) -> Answer:
        if n == 1:
            return Answer(429, {"Retry-After": "120"})
        if n == 2:
            now = format_datetime(outbound_clock.now.replace(microsecond=0), usegmt=True)
            return Answer(503, {"Retry-After": now})
        return Answer(200)

    rx = outbound_receiver(script)
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=1, per_dossier=1)
    worker = outbound_dispatcher()
    worker.drain()
    assert len(rx.all()) == 1  # 429, Retry-After: 120 (the schedule said 5 s)
    outbound_clock.advance(60)
    worker.drain()
    assert len(rx.all()) == 1
    outbound_clock.advance(61)
    worker.drain()
    assert len(rx.all()) == 2  # 503 with an HTTP date: now → the schedule's 10 s apply
    outbound_clock.advance(9)
    worker.drain()
    assert len(rx.all()) == 2
    outbound_clock.advance(1.5)
    worker.drain()
    assert [r.status for r in rx.all()] == [429, 503, 200]


def test_retry_after_http_date(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_clock: OutboundClock,
) -> None:
    start = outbound_clock.now

    def script(_r: Received, n: int) -> Answer:
        when = format_datetime(start.replace(microsecond=0) + timedelta(seconds=200), usegmt=True)
        return Answer(503, {"Retry-After": when}) if n == 1 else Answer(200)

    rx = outbound_receiver(script)
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=1, per_dossier=1)
    worker = outbound_dispatcher()
    worker.drain()
    outbound_clock.advance(198)
    worker.drain()
    assert len(rx.all()) == 1
    outbound_clock.advance(3)
    worker.drain()
    assert [r.status for r in rx.all()] == [503, 200]
