"""Claims as leases: a worker that vanishes mid-send loses nothing, a late worker cannot overwrite
the current claim's result, and workers side by side never send the same attempt twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import dossier_body
from tests.webhooks.conftest import OutboundClock
from tests.webhooks.outbound_receiver import Receiver
from tests.webhooks.test_dispatcher import by_dossier, emit, states, subscribe
from tracking.models import Delivery, DeliveryAttempt
from webhooks import queue
from webhooks.dispatcher import Dispatcher

Headers = Callable[[str], dict[str, str]]
MakeReceiver = Callable[..., Receiver]
MakeDispatcher = Callable[..., Dispatcher]
Run = Callable[..., int]


def _claim(app: Flask, worker: Dispatcher) -> list[queue.Claim]:
    with app.extensions["tracking.sessionmaker"]() as s:
        fanned = queue.fan_out(s, worker.clock())
        assert fanned
        s.commit()
    with app.extensions["tracking.sessionmaker"]() as s:
        claims = queue.claim_due(
            s,
            worker.clock(),
            worker=worker.name,
            lease=worker.settings.lease,
            limit=10,
            schedule=worker.settings.schedule,
        )
        s.commit()
    return claims


def test_a_worker_killed_mid_send_loses_nothing(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_clock: OutboundClock,
    session: Session,
) -> None:
    rx = outbound_receiver()
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=1, per_dossier=2)
    dead = outbound_dispatcher("dead-worker")
    claims = _claim(outbound_app, dead)  # … and it never comes back
    assert [c.attempts for c in claims] == [0]  # one per dossier: the second waits

    other = outbound_dispatcher("w2")
    assert other.drain() == 0  # the lease still runs
    outbound_clock.advance(dead.settings.lease + 1)
    assert other.drain() > 0
    assert by_dossier(rx.successes()) == {"D-000": [0, 1]}
    assert states(session) == {"succeeded": 2}
    log = session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == claims[0].delivery_id)
    ).all()
    assert [(a.worker, a.status_code) for a in log] == [("dead-worker", None), ("w2", 200)]
    assert log[0].error and "dead-worker" in log[0].error
    d = session.get(Delivery, claims[0].delivery_id)
    assert d is not None and d.attempts == 2 and d.claims == 2 and d.claimed_by is None


def test_a_late_result_cannot_overwrite_the_current_claim(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_clock: OutboundClock,
    session: Session,
) -> None:
    rx = outbound_receiver()
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=1, per_dossier=1)
    slow = outbound_dispatcher("slow")
    claims = _claim(outbound_app, slow)
    outbound_clock.advance(slow.settings.lease + 1)
    fast = outbound_dispatcher("fast")
    assert fast.drain() > 0 and states(session) == {"succeeded": 1}
    # The slow worker finally reports a failure: logged, but the delivery stays succeeded.
    late = queue.Outcome(claims[0], outbound_clock.now, status=500, error="HTTP 500")
    with outbound_app.extensions["tracking.sessionmaker"]() as s:
        queue.finish(s, outbound_clock.now, [late], worker="slow", schedule=(0, 5))
        s.commit()
    assert states(session) == {"succeeded": 1}
    workers = session.scalars(select(DeliveryAttempt.worker).order_by(DeliveryAttempt.id)).all()
    assert workers == ["slow", "fast", "slow"]  # the lost claim, the success, the late report


def test_workers_side_by_side_send_each_attempt_once(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    session: Session,
) -> None:
    rx = outbound_receiver()
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=20, per_dossier=10)
    workers = [outbound_dispatcher(f"w{i}", batch=7) for i in range(4)]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in workers:  # whatever one worker saw late, another finishes now
        w.drain()
    sent = Counter(r.webhook_id for r in rx.all())
    assert len(sent) == 200 and set(sent.values()) == {1}
    assert by_dossier(rx.all()) == {f"D-{d:03d}": list(range(10)) for d in range(20)}
    assert states(session) == {"succeeded": 200}


def test_through_the_api_and_a_subscription_per_event_type(
    outbound_app: Flask,
    client: FlaskClient,
    token: Headers,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
) -> None:
    statuses, checkpoints = outbound_receiver(), outbound_receiver()
    h = token("admin")
    for rx, events in ((statuses, ["dossier.status"]), (checkpoints, ["shipment.checkpoint"])):
        r = client.post("/api/v1/subscriptions", json={"url": rx.url, "events": events}, headers=h)
        assert r.status_code == 201, r.json
        rx.secret = r.json["secret"]
    code = client.post("/api/v1/dossiers", json=dossier_body(), headers=token("center")).json[
        "code"
    ]
    outbound_dispatcher().drain()
    got = statuses.successes()
    assert len(got) == 1 and got[0].verified
    assert got[0].json["type"] == "dossier.status"
    assert got[0].json["data"]["code"] == code and got[0].json["data"]["status"] == "registered"
    assert checkpoints.all() == []


def test_addresses_are_checked_again_at_send_time(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    session: Session,
) -> None:
    rx = outbound_receiver()
    subscribe(outbound_app, rx)  # made while private receivers were allowed
    emit(outbound_app, dossiers=1, per_dossier=1)
    outbound_dispatcher(allow_private=False).drain()
    assert rx.all() == []
    attempt = session.scalars(select(DeliveryAttempt)).one()
    assert attempt.error and "not sent" in attempt.error and "loopback" in attempt.error
