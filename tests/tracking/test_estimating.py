"""Estimates from the database: tables, learned lanes through their indexes, every dossier's
estimate at registration, and its refresh when checkpoints bring facts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from courier.geography import lookup_commune, place_address
from courier.transit import LaneKey, default_table, estimate_lane, table_to_dict
from tests.conftest import FIXED_NOW, dossier_body
from tracking import estimating, services, transit_data
from tracking.appointment import CENTER_TZ
from tracking.db import reference_cache
from tracking.errors import Unprocessable, ValidationFailed
from tracking.models import Checkpoint, Courier, Dossier, LaneObservation, TransitTableRecord
from tracking.schemas import DossierIn, ShipmentIn

MUONG_XEN = "16813"
KY_SON = "X. Mường Xén, H. Kỳ Sơn, T. Nghệ An"


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CENTER_TZ)


@pytest.fixture
def ws(app: Flask) -> Iterator[Session]:
    """A writing session (the services never commit; the test does)."""
    s = app.extensions["tracking.sessionmaker"]()
    yield s
    s.close()


def courier(s: Session, code: str = "vnpost") -> Courier:
    return services.get_courier(s, code)


def register(s: Session, **over: Any) -> Dossier:
    body = dossier_body(**{"service": "both", "submitted_at": "2026-10-01T09:00:00+07:00", **over})
    return services.register_dossier(s, DossierIn.model_validate(body), actor="t", now=FIXED_NOW)


def checkpoint(
    s: Session, dossier: Dossier, direction: str, event: str, when: datetime, **kw: Any
) -> Checkpoint:
    """Store a checkpoint as the checkpoint service would, then refresh the estimate and
    write what it gives."""
    shipment, _ = services.ensure_shipment(
        s, dossier, ShipmentIn(direction=direction), actor="t", now=FIXED_NOW
    )
    cp = Checkpoint(
        shipment=shipment, event=event, occurred_at=when, recorded_at=FIXED_NOW, source="scan", **kw
    )
    s.add(cp)
    s.flush()
    done = estimating.refresh(s, shipment, cp, FIXED_NOW)
    if done is not None:
        done.write(s.connection(), dossier.id)
    return cp


# ── tables ───────────────────────────────────────────────────────────────────────────────────
def test_seeded_couriers_have_the_default_table_and_seeding_is_idempotent(ws: Session) -> None:
    rows = ws.scalars(select(TransitTableRecord)).all()
    assert {r.courier_id for r in rows} == set(ws.scalars(select(Courier.id)))
    assert transit_data.load_table(ws, courier(ws)) == default_table("vnpost")
    assert transit_data.seed_transit_tables(ws, FIXED_NOW) == 0


def test_a_courier_without_a_stored_table_gets_the_defaults(ws: Session) -> None:
    c = courier(ws, "viettelpost")
    ws.delete(transit_data.table_record(ws, c, "standard"))
    ws.flush()
    assert transit_data.load_table(ws, c) == default_table("viettelpost")
    broken = TransitTableRecord(courier_id=c.id, data={"inbound": 1}, updated_at=FIXED_NOW)
    ws.add(broken)
    ws.flush()
    assert transit_data.load_table(ws, c) == default_table("viettelpost")


def test_saving_a_table_validates_and_names_the_field(ws: Session) -> None:
    c = courier(ws)
    data = table_to_dict(default_table())
    data["outbound"]["bands"][0]["days"] = 1.5
    data["courier"] = "someone-else"  # stored under the courier it is saved for
    table = transit_data.save_table(ws, c, data, now=FIXED_NOW, actor="t")
    assert (
        table.courier == "vnpost" and transit_data.load_table(ws, c).outbound.bands[0].days == 1.5
    )
    data["inbound"]["bands"][1]["days"] = -1
    with pytest.raises(ValidationFailed) as exc:
        transit_data.save_table(ws, c, data, now=FIXED_NOW, actor="t")
    assert exc.value.field == "inbound.bands[1].days" and "between 0" in exc.value.message
    data = table_to_dict(default_table())
    data["outbound"]["surcharges"][0]["communes"].append({"code": "99999", "name": "x"})
    with pytest.raises(ValidationFailed) as exc:
        transit_data.save_table(ws, c, data, now=FIXED_NOW, actor="t")
    assert exc.value.field.startswith("outbound.surcharges[0].communes[")


# ── learned lanes ────────────────────────────────────────────────────────────────────────────
def observe(s: Session, days: list[float], *, ended: datetime = FIXED_NOW) -> None:
    """Lane observations without dossiers: each needs a shipment of its own."""
    dossier = register(s)
    for i, d in enumerate(days):
        sh, _ = services.ensure_shipment(
            s, dossier, ShipmentIn(direction="outbound"), actor="t", now=FIXED_NOW
        )
        s.add(
            LaneObservation(
                shipment_id=sh.id,
                courier_id=sh.courier_id,
                direction="outbound",
                commune_code=MUONG_XEN,
                zone="province+remote_mountain",
                started_at=ended - timedelta(days=d),
                ended_at=ended - timedelta(minutes=i),
                post_days=d,
            )
        )
        s.flush()
        dossier = register(s)  # the next observation's shipment


def lanes(s: Session, settings: estimating.EstimateSettings | None = None):
    q = estimating.EstimateQuery(service="both", address=KY_SON, processing_days=3)
    return estimating.estimate_request(s, q, FIXED_NOW, settings=settings).lanes


def test_the_lane_p90_follows_the_observations(ws: Session) -> None:
    assert lanes(ws)["outbound"].p90_days == 2.5  # the table: remote commune, 1.5 + 1
    observe(ws, [2, 2, 3, 4, 5, 5, 6, 6, 6, 7] * 3)
    # the lanes as read a moment ago serve until REFERENCE_CACHE_SECONDS have passed …
    assert lanes(ws)["outbound"].p90_days == 2.5
    reference_cache(ws).forget("lanes")  # … as they now have
    lane = lanes(ws)["outbound"]
    place = place_address(KY_SON)
    xs = [2, 2, 3, 4, 5, 5, 6, 6, 6, 7] * 3
    expected = estimate_lane(
        default_table(),
        "outbound",
        commune_code=MUONG_XEN,
        distance_km=place.distance_km,
        province_code="40",
        history={
            LaneKey("vnpost", "standard", "outbound", commune=MUONG_XEN): xs,
            LaneKey("vnpost", "standard", "outbound", zone="province+remote_mountain"): xs,
        },
    )
    assert lane == expected and lane.source == "commune" and lane.n_commune == 30
    assert 5.5 < lane.p90_days < 6.3  # observed p90 6.1, table 2.5, 30 of 40 weight twice
    assert lanes(ws)["inbound"].p90_days == 2.5  # the other direction learned nothing


def test_the_window_and_the_cap_bound_what_is_read(ws: Session) -> None:
    observe(ws, [9.0] * 5, ended=FIXED_NOW - timedelta(days=200))  # outside 180 days
    assert lanes(ws)["outbound"].n_commune == 0
    wide = estimating.EstimateSettings(window_days=365)
    assert lanes(ws, wide)["outbound"].n_commune == 5
    capped = estimating.EstimateSettings(window_days=365, max_observations=3)
    assert lanes(ws, capped)["outbound"].n_commune == 3


def test_lane_reads_use_their_indexes(ws: Session) -> None:
    since = FIXED_NOW - timedelta(days=180)
    stmt = (
        select(LaneObservation.post_days)
        .where(
            LaneObservation.courier_id == 1,
            LaneObservation.direction == "outbound",
            LaneObservation.commune_code == MUONG_XEN,
            LaneObservation.ended_at >= since,
            LaneObservation.service_level == "standard",
        )
        .order_by(LaneObservation.ended_at.desc())
        .limit(1000)
    )
    sql = str(stmt.compile(ws.get_bind(), compile_kwargs={"literal_binds": True}))
    if ws.get_bind().dialect.name == "postgresql":
        ws.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in ws.execute(text("EXPLAIN " + sql)))
    else:
        plan = " ".join(str(r[-1]) for r in ws.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "TEMP B-TREE" not in plan  # the index gives the order too
    assert "ix_lane_commune" in plan, plan
    built = transit_data._lane_select(
        1, "standard", "outbound", LaneObservation.commune_code, MUONG_XEN, since, 1000
    )
    assert str(built.compile(ws.get_bind())) == str(stmt.compile(ws.get_bind()))


# ── every dossier carries its estimate ───────────────────────────────────────────────────────
def test_registration_places_the_address_and_stores_the_estimate(ws: Session) -> None:
    d = register(ws, applicant={**dossier_body()["applicant"], "address": KY_SON})
    assert (d.commune_code, d.commune_name) == (MUONG_XEN, "Xã Mường Xén")
    assert d.distance_km > 150 and d.due_at is None  # the rule's due_at waits for the center
    est = d.estimate
    assert est["commune"]["code"] == MUONG_XEN and est["distance_km"] == round(d.distance_km, 1)
    assert est["due_at"] > est["direct_due_at"]
    assert d.delivered_by == datetime.fromisoformat(est["delivered_by"])


def test_registration_refuses_an_address_it_cannot_place(ws: Session) -> None:
    bad = {**dossier_body()["applicant"], "address": "Xóm 5, Kỳ Sơn, Nghệ An"}
    with pytest.raises(Unprocessable) as exc:
        register(ws, applicant=bad)
    assert exc.value.field == "applicant.address" and "commune" in exc.value.message
    ws.rollback()
    assert ws.scalar(select(func.count()).select_from(Dossier)) == 0


# ── checkpoints: facts and learned legs ──────────────────────────────────────────────────────
def test_a_completed_inbound_leg_is_learned_and_the_receipt_fixes_due_at(ws: Session) -> None:
    d = register(ws, submitted_at="2026-11-26T09:00:00+07:00")
    before = dict(d.estimate)
    checkpoint(ws, d, "inbound", "picked_up", at(2026, 11, 26, 9))
    checkpoint(ws, d, "inbound", "in_transit", at(2026, 11, 27, 9))  # nothing to learn
    assert ws.scalar(select(func.count()).select_from(LaneObservation)) == 0
    checkpoint(ws, d, "inbound", "received_by_center", at(2026, 11, 30, 10))
    [obs] = ws.scalars(select(LaneObservation)).all()
    assert (obs.direction, obs.commune_code, obs.zone) == (
        "inbound",
        MUONG_XEN,
        "province+remote_mountain",
    )
    assert obs.post_days == 3.0  # Thu morning → Mon morning: Fri, Sat (the post works), Mon
    est = d.estimate
    assert est["inbound"]["expected_at_center"] == "2026-11-30T10:00:00+07:00"
    assert est["due_at"] == "2026-12-03T11:30:00+07:00"  # 3 days from Monday morning
    assert est["delivered_by"] == "2026-12-05T17:00:00+07:00"  # + 2.5 post days, Saturday
    assert est["direct_due_at"] == before["direct_due_at"]
    assert d.delivered_by == datetime.fromisoformat(est["delivered_by"])


def test_the_outbound_leg_and_late_or_repeated_checkpoints(ws: Session) -> None:
    d = register(ws, submitted_at="2026-11-26T09:00:00+07:00")
    d.received_at = at(2026, 11, 30, 10)  # as the checkpoint service sets it
    checkpoint(ws, d, "outbound", "handed_to_courier", at(2026, 12, 3, 15))
    assert d.estimate["outbound"]["handed_to_courier_at"] == "2026-12-03T15:00:00+07:00"
    assert d.estimate["delivered_by"] == "2026-12-07T12:00:00+07:00"  # Thu pm + 2.5 post days
    checkpoint(ws, d, "outbound", "delivered", at(2026, 12, 7, 9))
    [obs] = ws.scalars(select(LaneObservation)).all()
    assert obs.post_days == 2.5
    # the same leg again, and an earlier handover arriving late: still one row, recomputed
    checkpoint(ws, d, "outbound", "delivered", at(2026, 12, 7, 9, 30))
    checkpoint(ws, d, "outbound", "handed_to_courier", at(2026, 12, 3, 9))
    # (the leg is written with one upsert, beside the session's copy of the row)
    [obs] = ws.scalars(select(LaneObservation).execution_options(populate_existing=True)).all()
    assert obs.post_days == 3.0 and obs.ended_at == at(2026, 12, 7, 9)


def test_flagged_checkpoints_teach_nothing(ws: Session) -> None:
    d = register(ws)
    checkpoint(ws, d, "inbound", "picked_up", at(2026, 10, 1, 9))
    checkpoint(
        ws,
        d,
        "inbound",
        "received_by_center",
        at(2026, 9, 1, 9),
        flagged=True,
        flag_reason="before the pickup",
    )
    assert ws.scalar(select(func.count()).select_from(LaneObservation)) == 0
    assert d.estimate["inbound"]["picked_up_at"] == "2026-10-01T09:00:00+07:00"


def test_a_history_of_checkpoints_moves_the_lane(ws: Session) -> None:
    """Done when: after a history of checkpoints on one lane, that lane's p90 follows them."""
    for i in range(15):
        d = register(ws)
        start = at(2026, 10, 5 + i % 5, 15)  # Monday–Friday afternoons
        checkpoint(ws, d, "outbound", "handed_to_courier", start)
        checkpoint(ws, d, "outbound", "delivered", start + timedelta(days=7))  # 6 post days
    rows = ws.scalars(select(LaneObservation.post_days)).all()
    assert sorted(set(rows)) == [6.0] and len(rows) == 15
    lane = lanes(ws)["outbound"]
    assert lane.n_commune == 15 and lane.n_zone == 15
    # zone: 2.5 shrunk toward 6 with w = 15/25 → 4.6; commune: 4.6 toward 6 → 5.44
    assert lane.p90_days == pytest.approx(5.44)
    assert lane.p50_days == pytest.approx(5.44)


def test_a_dossier_registered_before_estimates_is_placed_on_its_first_fact(ws: Session) -> None:
    d = register(ws)
    d.commune_code = d.commune_name = d.distance_km = None
    d.estimate = {}
    checkpoint(ws, d, "inbound", "picked_up", at(2026, 10, 1, 10))
    assert d.commune_code == MUONG_XEN and d.estimate["inbound"]["picked_up_at"].startswith(
        "2026-10-01T10:00"
    )
    assert lookup_commune(d.commune_code).name == d.commune_name
