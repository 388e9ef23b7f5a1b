"""The one write path: a dossier's whole life through scans, webhooks and handovers, and the
same end state whatever the order and duplication of arrivals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import FIXED_NOW
from tests.support import generic_body, generic_courier, register, send, stored_dossier
from tracking.checkpoints import CheckpointIn, lock_shipment, record_checkpoint
from tracking.models import Checkpoint, Dossier, LaneObservation, Shipment

Headers = Callable[[str], dict[str, str]]
T0 = FIXED_NOW - timedelta(days=3)
VINH = ZoneInfo("Asia/Ho_Chi_Minh")

INBOUND = ["picked_up", "at_post_office", "in_transit", "handed_to_center", "received_by_center"]
OUTBOUND = [
    "result_ready",
    "handed_to_courier",
    "in_transit",
    "at_post_office",
    "out_for_delivery",
    "delivered",
]


def test_the_whole_life_of_a_both_dossier_through_all_three_sources(
    app: Flask, client: FlaskClient, token: Headers, now_holder: dict
) -> None:
    secret = generic_courier(app)
    center, postal = token("center"), token("postal")
    d = register(
        client, center, service="both", courier="ghn", submitted_at="2026-11-25T08:00:00+07:00"
    )
    code, inbound = d["code"], d["shipments"][0]["item_id"]

    def at(hours: float) -> str:
        return (T0 + timedelta(hours=hours)).isoformat()

    # the post's scans and the courier's own system
    assert (
        client.post(
            "/api/v1/scans",
            json={"item_id": inbound, "event": "picked_up", "occurred_at": at(0)},
            headers=postal,
        ).status_code
        == 201
    )
    r = send(
        client,
        secret,
        "w1",
        generic_body((inbound, "at_post_office", at(2)), (inbound, "in_transit", at(3))),
        courier="ghn",
    )
    assert r.status_code == 200 and r.json["applied"] == 2
    # the signed handover at the center's counter
    hid = client.post(
        "/api/v1/handovers",
        json={"kind": "to_center", "courier": "ghn", "item_ids": [inbound]},
        headers=postal,
    ).json["id"]
    c = client.post(
        f"/api/v1/handovers/{hid}/confirm",
        json={"scanned": [inbound], "received_by": "Cán bộ tiếp nhận"},
        headers=center,
    )
    assert c.json["matched"] == [inbound]
    got = client.get(f"/api/v1/dossiers/{code}", headers=center).json
    assert got["status"] == "received_by_center"
    assert got["received_at"] == "2026-11-28T10:00:00+07:00" and got["due_at"]

    outbound = client.post(
        f"/api/v1/dossiers/{code}/shipments", json={"direction": "outbound"}, headers=center
    ).json["item_id"]
    assert (
        client.post(
            "/api/v1/scans", json={"item_id": outbound, "event": "result_ready"}, headers=center
        ).status_code
        == 201
    )
    hid = client.post(
        "/api/v1/handovers",
        json={"kind": "to_courier", "courier": "ghn", "item_ids": [outbound]},
        headers=center,
    ).json["id"]
    assert client.post(
        f"/api/v1/handovers/{hid}/confirm",
        json={"scanned": [outbound], "received_by": "Bưu tá Lô Văn Pó"},
        headers=postal,
    ).json["matched"] == [outbound]
    now_holder["now"] = FIXED_NOW + timedelta(hours=3)
    later = (FIXED_NOW + timedelta(hours=2)).isoformat()
    r = send(
        client,
        secret,
        "w2",
        generic_body((outbound, "out_for_delivery", later)),
        at=now_holder["now"],
        courier="ghn",
    )
    assert r.status_code == 200, r.json
    r = client.post(
        "/api/v1/scans", json={"item_id": outbound, "event": "delivered"}, headers=postal
    )
    assert r.status_code == 201
    # a courier's late report of an earlier moment joins the timeline, the status stays
    r = send(
        client,
        secret,
        "w3",
        generic_body((outbound, "in_transit", at(71))),
        at=now_holder["now"],
        courier="ghn",
    )
    assert r.status_code == 200 and r.json["applied"] == 1
    got = client.get(f"/api/v1/dossiers/{code}", headers=center).json
    assert got["status"] == "delivered"
    events = [(t["event"], t["source"]) for t in got["timeline"]]
    assert ("picked_up", "scan") in events and ("at_post_office", "webhook") in events
    assert ("received_by_center", "handover") in events
    assert ("handed_to_courier", "handover") in events and ("delivered", "scan") in events


def _new_dossier(app: Flask) -> str:
    return stored_dossier(app, service="both", submitted_at=T0, outbound=True)[0]


def _events(app: Flask, code: str) -> list[CheckpointIn]:
    with app.extensions["tracking.sessionmaker"]() as s:
        d = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        items = {sh.direction: sh.item_id for sh in d.shipments}
    out = []
    for i, e in enumerate(INBOUND):
        out.append(CheckpointIn(items["inbound"], e, T0 + timedelta(hours=i), "webhook", "t"))
    for i, e in enumerate(OUTBOUND):
        out.append(CheckpointIn(items["outbound"], e, T0 + timedelta(hours=20 + i), "webhook", "t"))
    return out


def _apply(app: Flask, events: list[CheckpointIn]) -> None:
    for ev in events:  # one transaction per arrival, as requests do
        with app.extensions["tracking.sessionmaker"]() as s:
            record_checkpoint(s, ev, now=FIXED_NOW)
            s.commit()


def _state(app: Flask, code: str) -> tuple:
    with app.extensions["tracking.read_sessionmaker"]() as s:
        d = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        n = s.scalar(
            select(func.count())
            .select_from(Checkpoint)
            .join(Shipment)
            .where(Shipment.dossier_id == d.id)
        )
        flagged = s.scalar(
            select(func.count())
            .select_from(Checkpoint)
            .join(Shipment)
            .where(Shipment.dossier_id == d.id, Checkpoint.flagged.is_(True))
        )
        return (
            d.status,
            tuple(sorted((sh.direction, sh.status) for sh in d.shipments)),
            d.received_at,
            d.due_at,
            n,
            flagged,
        )


def test_reverse_order_ends_in_the_same_state(app: Flask) -> None:
    a, b = _new_dossier(app), _new_dossier(app)
    _apply(app, _events(app, a))
    _apply(app, list(reversed(_events(app, b))))
    sa, sb = _state(app, a), _state(app, b)
    assert sa == sb
    assert sa[0] == "delivered" and sa[4] == len(INBOUND) + len(OUTBOUND) and sa[5] == 0
    assert sa[2] == T0 + timedelta(hours=4)  # received_by_center


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_interleaving_and_duplication_ends_in_the_same_state(
    app: Flask, data: st.DataObject
) -> None:
    reference = _new_dossier(app)
    _apply(app, _events(app, reference))
    expected = _state(app, reference)

    code = _new_dossier(app)
    events = _events(app, code)
    dupes = data.draw(st.lists(st.sampled_from(events), max_size=10), label="duplicates")
    order = data.draw(st.permutations(events + dupes), label="arrival order")
    _apply(app, list(order))
    got = _state(app, code)
    assert got[0] == expected[0] and got[1] == expected[1]
    assert got[2:] == expected[2:]


def test_flagged_checkpoints_are_listed_for_review_newest_first_and_paged(
    app: Flask, client: FlaskClient, token: Headers
) -> None:
    secret = generic_courier(app)
    center = token("center")
    d = register(client, center, service="both", courier="ghn")
    inbound = d["shipments"][0]["item_id"]
    at = (T0 + timedelta(hours=1)).isoformat()
    ok = send(client, secret, "ok", generic_body((inbound, "picked_up", at)), courier="ghn")
    assert ok.status_code == 200 and ok.json["applied"] == 1
    for n, event in enumerate(["delivered", "out_for_delivery", "result_ready"]):
        body = generic_body((inbound, event, (T0 + timedelta(hours=2 + n)).isoformat()))
        assert send(client, secret, f"bad{n}", body, courier="ghn").status_code == 422

    first = client.get("/api/v1/checkpoints/flagged?limit=2", headers=token("postal"))
    assert first.status_code == 200
    page = first.json
    assert [c["event"] for c in page["checkpoints"]] == ["result_ready", "out_for_delivery"]
    assert all(c["flagged"] and "inbound" in c["flag_reason"] for c in page["checkpoints"])
    assert page["checkpoints"][0]["item_id"] == inbound
    assert page["checkpoints"][0]["dossier_code"] == d["code"]
    rest = client.get(
        f"/api/v1/checkpoints/flagged?limit=2&before={page['next_before']}", headers=center
    ).json
    assert [c["event"] for c in rest["checkpoints"]] == ["delivered"]
    assert rest["next_before"] is None

    bad = client.get("/api/v1/checkpoints/flagged?limit=0", headers=center)
    assert bad.status_code == 400 and bad.json["error"]["field"] == "limit"
    assert client.get("/api/v1/checkpoints/flagged").status_code == 401


def _dossier_updates(s: Session, statements: list[str]) -> int:
    """UPDATEs of dossier rows so far: PostgreSQL counts the rows (the driver's statements
    bypass SQLAlchemy's events; the count is the backend's, read twice in one transaction)."""
    if s.get_bind().dialect.name == "postgresql":
        found = s.execute(
            text("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'dossier'")
        ).scalar()
        return int(found or 0)
    return sum(1 for st in statements if st.lstrip().upper().startswith("UPDATE DOSSIER"))


def test_a_receipt_writes_the_dossier_once_with_status_legal_date_and_estimate(
    app: Flask,
) -> None:
    code = _new_dossier(app)
    receipt = _events(app, code)[: len(INBOUND)]
    _apply(app, receipt[:-1])
    engine = app.extensions["tracking.engine"]
    statements: list[str] = []

    def seen(_conn: object, _cur: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    with app.extensions["tracking.sessionmaker"]() as s:
        before = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        old_estimate = before.estimate
        s.commit()
        sa_event.listen(engine, "before_cursor_execute", seen)
        try:
            updated = _dossier_updates(s, statements)
            record_checkpoint(s, receipt[-1], now=FIXED_NOW)
            assert _dossier_updates(s, statements) - updated == 1
            s.commit()
        finally:
            sa_event.remove(engine, "before_cursor_execute", seen)
    with app.extensions["tracking.read_sessionmaker"]() as s:
        d = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        assert d.status == "received_by_center"
        assert d.received_at == receipt[-1].occurred_at and d.due_at is not None
        assert d.estimate is not None and d.estimate != old_estimate
        assert d.updated_at == FIXED_NOW
        inbound = next(sh for sh in d.shipments if sh.direction == "inbound")
        lane = s.scalars(select(LaneObservation).where(LaneObservation.shipment_id == inbound.id))
        leg = lane.one()
        assert (leg.started_at, leg.ended_at) == (T0, receipt[-1].occurred_at)


def test_lock_shipment_reads_the_history_and_keeps_the_objects_the_session_holds(
    app: Flask,
) -> None:
    code = _new_dossier(app)
    events = _events(app, code)
    _apply(app, events[:2] + events[len(INBOUND) : len(INBOUND) + 1])
    inbound = events[0].item_id
    with app.extensions["tracking.sessionmaker"]() as s:
        held = s.scalars(select(Shipment).where(Shipment.item_id == inbound)).one()
        estimate = held.dossier.estimate
        locked = lock_shipment(s, f" {inbound.lower()} ")
        assert locked is not None and locked.shipment is held
        assert sorted((p.direction, p.event) for p in locked.past) == [
            ("inbound", "at_post_office"),
            ("inbound", "picked_up"),
            ("outbound", "result_ready"),
        ]
        assert all(p.occurred_at.tzinfo is not None for p in locked.past)
        assert lock_shipment(s, "EB999999995VN") is None
        s.rollback()
    with app.extensions["tracking.sessionmaker"]() as s:
        locked = lock_shipment(s, inbound)
        assert locked is not None
        shipment = locked.shipment
        assert shipment in s and shipment.dossier in s and shipment.dossier.code == code
        assert shipment.status == "at_post_office" and shipment.dossier.submitted_at == T0
        assert shipment.dossier.estimate == estimate  # left out of the lock, read on first use
        assert not s.dirty and not s.new


def test_a_receipt_takes_the_calendar_as_it_stands_even_changed_by_another_process(
    app: Flask,
) -> None:
    """The legal date reads the calendar afresh: an override written a moment ago outside this
    process (raw SQL, so no cache of this process hears of it) counts for the next receipt."""
    first, second = _new_dossier(app), _new_dossier(app)
    receipts = [_events(app, code)[len(INBOUND) - 1] for code in (first, second)]
    _apply(app, receipts[:1])
    due_before = _state(app, first)[3]
    assert due_before is not None
    day_off = due_before.astimezone(VINH).date()
    engine = app.extensions["tracking.engine"]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO calendar_override (day, working, reason, source) "
                "VALUES (:day, :working, 'nghỉ (test)', 'test')"
            ),
            {"day": day_off, "working": False},
        )
    _apply(app, receipts[1:])
    due_after = _state(app, second)[3]
    assert due_after is not None and due_after.astimezone(VINH).date() > day_off
    assert due_after.astimezone(VINH).time() == due_before.astimezone(VINH).time()
