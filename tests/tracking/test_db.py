"""``tracking.db.pipelined``: writes sent together (PostgreSQL) or one by one (SQLite), all
applied, and an error of any of them raised as SQLAlchemy's exception when the block ends."""

from __future__ import annotations

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
