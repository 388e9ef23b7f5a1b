"""Many couriers' deliveries at once through the real HTTP server: duplicated, shuffled, in
parallel. Exactly the distinct events are stored, none lost, none twice, and the final states are
those of the events applied one by one in order.

On PostgreSQL (CI's second run) it sends 10,000 deliveries from 8 senders; on SQLite 2,000.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from queue import Empty, Queue
from threading import local

import pytest
import requests
from flask import Flask
from sqlalchemy import Engine, func, select

from tests.conftest import FIXED_NOW
from tests.support import generic_body, generic_courier, signed_headers
from tracking.models import Checkpoint, Dossier, Shipment, WebhookReceipt
from tracking.schemas import DossierIn
from tracking.services import register_dossier
from tracking.status import Happened, derive_status

SENDERS = 8
# per shipment: a journey of 7 distinct checkpoints, oldest first
JOURNEY = [
    "picked_up",
    "at_post_office",
    "in_transit",
    "at_post_office",
    "in_transit",
    "handed_to_center",
    "received_by_center",
]


def _register(app: Flask, n: int) -> list[str]:
    items = []
    with app.extensions["tracking.sessionmaker"]() as s:
        for i in range(n):
            d = register_dossier(
                s,
                DossierIn.model_validate(
                    {
                        "processing_days": 2,
                        "service": "send_dossier",
                        "courier": "ghn",
                        "applicant": {
                            "name": f"Người gửi {i}",
                            "phone": "0912345678",
                            "address": "Xã Mường Xén, Nghệ An",
                        },
                        "submitted_at": (FIXED_NOW - timedelta(days=3)).isoformat(),
                    }
                ),
                actor="test",
                now=FIXED_NOW,
            )
            items.append(d.shipments[0].item_id)
        s.commit()
    return items


def test_parallel_duplicated_shuffled_deliveries(
    app: Flask, engine: Engine, live_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    total = 10_000 if engine.dialect.name == "postgresql" else 2_000
    distinct = total * 7 // 10
    shipments = distinct // len(JOURNEY)
    secret = generic_courier(app)
    items = _register(app, shipments)
    rng = random.Random(20261128)

    base = FIXED_NOW - timedelta(days=2)
    events: list[tuple[str, str, str, object]] = []  # (msg_id, item, event, time)
    for n, item in enumerate(items):
        for k, ev in enumerate(JOURNEY):
            at = base + timedelta(minutes=10 * k, seconds=n % 60)
            events.append((f"msg-{n}-{k}", item, ev, at))
    deliveries = events + [rng.choice(events) for _ in range(total - len(events))]
    # half of the deliveries keep their order, the other half arrive shuffled
    idx = sorted(rng.sample(range(len(deliveries)), len(deliveries) // 2))
    moved = [deliveries[i] for i in idx]
    rng.shuffle(moved)
    for i, d in zip(idx, moved, strict=True):
        deliveries[i] = d

    work: Queue[tuple[str, str, str, object]] = Queue()
    for d in deliveries:
        work.put(d)
    answers: Counter[str] = Counter()
    errors: list[str] = []
    tls = local()

    def sender() -> None:
        tls.session = requests.Session()
        while True:
            try:
                msg_id, item, ev, at = work.get_nowait()
            except Empty:
                return
            body = generic_body((item, ev, at.isoformat()))  # type: ignore[attr-defined]
            r = tls.session.post(
                f"{live_server}/webhooks/ghn",
                data=body,
                headers=signed_headers(secret, msg_id, body, FIXED_NOW),
                timeout=60,
            )
            if r.status_code == 200:
                answers[r.json()["status"]] += 1
            else:
                errors.append(f"{r.status_code} {r.text[:200]}")

    with ThreadPoolExecutor(SENDERS) as pool:
        for f in [pool.submit(sender) for _ in range(SENDERS)]:
            f.result()

    with app.extensions["tracking.read_sessionmaker"]() as s:
        receipts = s.scalar(select(func.count()).select_from(WebhookReceipt))
        stored = s.scalar(select(func.count()).select_from(Checkpoint))
        flagged = s.scalar(
            select(func.count()).select_from(Checkpoint).where(Checkpoint.flagged.is_(True))
        )
        states = dict(s.execute(select(Shipment.item_id, Shipment.status)).all())
        dossier_states = Counter(s.scalars(select(Dossier.status)))
    with capsys.disabled():  # the counts appear in CI's output
        print(
            f"\ninbound concurrency ({engine.dialect.name}): {total} deliveries from {SENDERS} "
            f"senders, {len(events)} distinct; answers {dict(answers)}; errors {len(errors)}; "
            f"receipts {receipts}; checkpoints {stored} (flagged {flagged}); "
            f"dossiers {dict(dossier_states)}",
            file=sys.stderr,
        )
    assert errors == []
    assert answers == {"accepted": len(events), "duplicate": total - len(events)}
    assert receipts == len(events) and stored == len(events) and flagged == 0

    # the sequential run: each shipment's events applied one by one in order
    expected = {
        item: derive_status(
            Happened(ev, at, k)  # type: ignore[arg-type]
            for k, (_m, it, ev, at) in enumerate(events)
            if it == item
        )
        for item in items
    }
    assert states == expected
    assert dossier_states == {"received_by_center": shipments}
