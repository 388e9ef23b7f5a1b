"""The dashboard's read-only questions (tracking/queries.py)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from tests.conftest import FIXED_NOW
from tests.support import stored_dossier
from tracking.checkpoints import CheckpointIn, record_checkpoint
from tracking.queries import events_today

VINH = ZoneInfo("Asia/Ho_Chi_Minh")


def _inbound_item(app: Flask) -> str:
    submitted = FIXED_NOW - timedelta(days=2)
    return stored_dossier(app, service="send_dossier", submitted_at=submitted)[1]["inbound"]


def test_events_today_counts_the_center_day_and_leaves_out_flagged_and_other_days(
    app: Flask,
) -> None:
    a, b = _inbound_item(app), _inbound_item(app)
    today = FIXED_NOW.astimezone(VINH).replace(hour=8, minute=0, second=0, microsecond=0)
    arrivals = [
        CheckpointIn(a, "picked_up", today - timedelta(days=1), "scan", "t"),  # yesterday
        CheckpointIn(a, "at_post_office", today + timedelta(minutes=5), "webhook", "t"),
        CheckpointIn(b, "picked_up", today + timedelta(minutes=1), "webhook", "t"),
        CheckpointIn(b, "at_post_office", today + timedelta(minutes=7), "webhook", "t"),
        CheckpointIn(b, "delivered", today + timedelta(minutes=9), "webhook", "t"),  # flagged
        CheckpointIn(b, None, today + timedelta(minutes=11), "webhook", "t", raw_code="X9"),
    ]
    with app.extensions["tracking.sessionmaker"]() as s:
        flagged = [record_checkpoint(s, cp, now=FIXED_NOW).flagged for cp in arrivals]
        s.commit()
    assert flagged == [False, False, False, False, True, True]
    with app.extensions["tracking.read_sessionmaker"]() as s:
        assert events_today(s, FIXED_NOW, VINH) == {"at_post_office": 2, "picked_up": 1}
