"""``tracking.db.pipelined``: writes sent together (PostgreSQL) or one by one (SQLite), all
applied, and an error of any of them raised as SQLAlchemy's exception when the block ends."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import FIXED_NOW
from tracking.db import pipelined
from tracking.models import AuditLog, Courier, OutboxEvent
from tracking.services import audit_row, event_row, write_records


def _count(app: Flask, model: type) -> int:
    with app.extensions["tracking.sessionmaker"]() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_the_writes_of_a_block_are_all_applied(app: Flask) -> None:
    audits, events = _count(app, AuditLog), _count(app, OutboxEvent)
    with app.extensions["tracking.sessionmaker"]() as s:
        with pipelined(s) as conn:
            write_records(
                conn,
                [audit_row(FIXED_NOW, "test", "a", "x", n) for n in range(3)],
                [event_row(FIXED_NOW, "dossier.status", None, {"n": 1})],
            )
            write_records(conn, [audit_row(FIXED_NOW, "test", "b", "x", 9)], [])
        s.commit()
    assert _count(app, AuditLog) == audits + 4
    assert _count(app, OutboxEvent) == events + 1


def test_pending_orm_changes_are_flushed_before_the_block(app: Flask) -> None:
    with app.extensions["tracking.sessionmaker"]() as s:
        courier = s.scalars(select(Courier).order_by(Courier.id)).first()
        assert courier is not None
        courier.name = "Renamed before the block"
        with pipelined(s) as conn:
            write_records(conn, [audit_row(FIXED_NOW, "test", "c", "courier", courier.id)], [])
        s.commit()
        code = courier.code
    with app.extensions["tracking.sessionmaker"]() as s:
        assert s.scalar(select(Courier.name).where(Courier.code == code)) == (
            "Renamed before the block"
        )


def test_an_error_in_the_block_is_sqlalchemys_and_nothing_is_kept(app: Flask) -> None:
    before = _count(app, AuditLog)
    with app.extensions["tracking.sessionmaker"]() as s:
        courier = s.scalars(select(Courier).order_by(Courier.id)).first()
        assert courier is not None
        with pytest.raises(IntegrityError), pipelined(s) as conn:
            write_records(conn, [audit_row(FIXED_NOW, "test", "d", "x", 1)], [])
            conn.execute(
                Courier.__table__.insert().inline(),
                {
                    "code": courier.code,  # taken: the unique key refuses it
                    "name": "Twin",
                    "adapter": "generic",
                    "public_postal": False,
                    "active": True,
                    "created_at": FIXED_NOW,
                },
            )
        s.rollback()
    assert _count(app, AuditLog) == before


# ── the reference cache ──────────────────────────────────────────────────────────────────────
def test_the_reference_cache_loads_once_forgets_a_kind_and_expires() -> None:
    import time

    from tracking.db import ReferenceCache

    loads: list[str] = []

    def load(value: str) -> Callable[[], str]:
        def inner() -> str:
            loads.append(value)
            return value

        return inner

    cache = ReferenceCache(ttl=60)
    assert cache.get(("transit", 1), load("a")) == "a"
    assert cache.get(("transit", 1), load("b")) == "a" and loads == ["a"]
    assert cache.get(("calendar", None), load("c")) == "c"
    cache.forget("transit")
    assert cache.get(("transit", 1), load("d")) == "d"
    assert cache.get(("calendar", None), load("e")) == "c"
    short = ReferenceCache(ttl=0.05)
    short.get(("transit", 1), load("f"))
    time.sleep(0.1)
    assert short.get(("transit", 1), load("g")) == "g"


def test_a_calendar_override_written_in_the_process_is_used_by_the_next_estimate(
    app: Flask,
) -> None:
    from datetime import date

    from tracking import estimating
    from tracking.models import CalendarOverride

    maker = app.extensions["tracking.sessionmaker"]
    with maker() as s:
        before = estimating._calendar(s, None)
        monday = date(2026, 12, 7)
        assert before.is_working_day(monday)
        s.add(CalendarOverride(day=monday, working=False, reason="test", source="test"))
        s.commit()
    with app.extensions["tracking.read_sessionmaker"]() as s:
        assert not estimating._calendar(s, None).is_working_day(monday)
