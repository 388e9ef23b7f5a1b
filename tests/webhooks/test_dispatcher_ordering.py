"""Order per dossier in the corners: a replay into a dossier whose later events are under way, a
queue left without its head (repair), events without a dossier, claims released unsent."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.conftest import FIXED_NOW
from tests.webhooks.conftest import OutboundClock
from tests.webhooks.outbound_receiver import Answer, Received, Receiver
from tests.webhooks.test_dispatcher import by_dossier, emit, states, subscribe
from tracking import services
from tracking.models import Delivery, DeliveryAttempt
from webhooks import queue
from webhooks.dispatcher import Dispatcher
from webhooks.ordering import BLOCKED

Headers = Callable[[str], dict[str, str]]
MakeReceiver = Callable[..., Receiver]
MakeDispatcher = Callable[..., Dispatcher]
Run = Callable[..., int]


def test_a_replayed_event_goes_next_before_the_later_ones(
    outbound_app: Flask,
    client: FlaskClient,
    token: Headers,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    outbound_clock: OutboundClock,
    outbound_run: Run,
    session: Session,
) -> None:
    mode = {"healthy": False}

    def script(r: Received, n: int) -> Answer:
        seq = r.json["data"]["seq"]
        if mode["healthy"]:
            return Answer(200)
        return Answer(500 if seq == 0 or (seq == 1 and n == 1) else 200)

    rx = outbound_receiver(script)
    sub_id = subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=1, per_dossier=3)
    worker = outbound_dispatcher()
    for _ in range(4):  # seq 0: four attempts on the schedule, then parked
        worker.drain()
        outbound_clock.advance(20)
    assert [r.json["data"]["seq"] for r in rx.all()] == [0, 0, 0, 0, 1]  # then seq 1 failed once
    assert states(session) == {"dead": 1, "pending": 2}

    h = token("admin")
    assert client.post(f"/api/v1/subscriptions/{sub_id}/replay", headers=h).json == {"replayed": 1}
    listed = client.get(f"/api/v1/subscriptions/{sub_id}/deliveries", headers=h).json["deliveries"]
    waiting = {d["event_id"]: d["waits_for_earlier"] for d in listed}
    assert sorted(waiting.values()) == [False, True, True]  # seq 1 retries; seq 0 and 2 wait
    mode["healthy"] = True
    outbound_run(worker)
    assert by_dossier(rx.successes()) == {"D-000": [1, 0, 2]}
    assert states(session) == {"succeeded": 3}


def test_repair_gives_a_stranded_queue_its_head(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    session: Session,
) -> None:
    rx = outbound_receiver()
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=2, per_dossier=2)
    worker = outbound_dispatcher()
    with outbound_app.extensions["tracking.sessionmaker"]() as s:  # fan out only
        assert queue.fan_out(s, worker.clock()) == 4
        s.execute(update(Delivery).values(next_attempt_at=BLOCKED))  # every head lost (a bug)
        s.commit()
    assert worker.drain() == 0 and rx.all() == []
    assert worker.repair() == 2
    assert worker.repair() == 0
    worker.drain()
    assert by_dossier(rx.successes()) == {"D-000": [0, 1], "D-001": [0, 1]}


def test_events_without_a_dossier_are_not_held_back(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    session: Session,
) -> None:
    rx = outbound_receiver(lambda r, n: Answer(503 if r.json["data"]["seq"] == 0 else 200))
    subscribe(outbound_app, rx)
    with outbound_app.extensions["tracking.sessionmaker"]() as s:
        for seq in range(3):
            services.emit(s, FIXED_NOW, "dossier.status", None, {"code": None, "seq": seq})
        s.commit()
    outbound_dispatcher().drain()
    assert sorted(r.json["data"]["seq"] for r in rx.successes()) == [1, 2]  # 0 retries later
    assert states(session) == {"pending": 1, "succeeded": 2}


def test_claims_beyond_the_lease_budget_go_back_unsent(
    outbound_app: Flask,
    outbound_receiver: MakeReceiver,
    outbound_dispatcher: MakeDispatcher,
    session: Session,
) -> None:
    rx = outbound_receiver()
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=3, per_dossier=1)
    hurried = outbound_dispatcher("hurried", lease=0.0)  # no time to send anything
    assert hurried.run_once() > 0
    assert rx.all() == [] and session.scalars(select(DeliveryAttempt)).all() == []
    rows = session.scalars(select(Delivery)).all()
    assert all(d.state == "pending" and d.attempts == 0 and d.claimed_by is None for d in rows)
    outbound_dispatcher("w2").drain()
    assert len(rx.successes()) == 3
