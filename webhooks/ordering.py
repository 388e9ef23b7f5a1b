"""Order per dossier: of one subscription's pending deliveries for a dossier, only one – the head
– may be due; the others wait with ``next_attempt_at = BLOCKED`` and become due one by one, oldest
first, as each head succeeds or is parked. Claiming is then a plain range scan on
``(state, next_attempt_at)``, however long the backlog of a receiver that was down for a day.

Who makes a delivery the head, and under which lock (PostgreSQL; SQLite has a single writer):

- ``promote_heads`` – after a fan-out, a replay, or a repair – gives a head to each dossier queue
  that has none. It runs under the queue's advisory lock held *exclusively*, just before commit.
- ``promote_next`` – when an attempt finishes its head – makes the next one due. Finishing holds
  the same lock *shared*: finishes never wait for each other, and a fan-out's heads are decided
  after every finish it could race with has committed, and before any later one starts.

Deliveries are inserted waiting, outside the lock, so the exclusive part of a fan-out is short.
Every transaction takes the advisory lock before any row lock, so they never deadlock.
Every lookup is one index range per (subscription, dossier).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, func, select, text
from sqlalchemy.orm import Session

from tracking.models import Delivery

log = logging.getLogger(__name__)
BLOCKED = datetime(9999, 12, 31, tzinfo=UTC)  # "after the earlier one", never due by the clock
QUEUE_LOCK = 0x6F7574626F78  # "outbox": who may decide heads (see above)
FAN_OUT_LOCK = QUEUE_LOCK + 1  # one fan-out at a time; the others skip it and send instead

Pair = tuple[int, str]  # (subscription id, dossier code)

# The lookups of one queue go through ``ix_delivery_order`` (subscription, dossier, id): a
# dossier's deliveries are few. Waiting rows are exactly those with ``next_attempt_at = BLOCKED``
# (a delivery leaves that value before it leaves "pending"), and "pending" is tested through
# coalesce(), so that no planner – statistics fresh or missing, as in a table just filled –
# walks the (state, next_attempt_at) index over a whole backlog instead.
# PostgreSQL: one statement per batch of queues, LATERAL ... LIMIT 1 probes per queue (never
# flattened into a join), the ids collected first and updated through the primary key.
PROMOTE_PG = """
WITH todo AS MATERIALIZED (
    SELECT oldest.id
    FROM unnest(CAST(:subs AS bigint[]), CAST(:codes AS varchar[])) AS p(sub, code)
    CROSS JOIN LATERAL (
        SELECT w.id FROM delivery AS w
        WHERE w.subscription_id = p.sub AND w.dossier_code = p.code
          AND w.next_attempt_at = :blocked
        ORDER BY w.id LIMIT 1
    ) AS oldest
    LEFT JOIN LATERAL (
        SELECT 1 AS found FROM delivery AS h
        WHERE :only_headless AND h.subscription_id = p.sub AND h.dossier_code = p.code
          AND h.next_attempt_at < :blocked AND coalesce(h.state, '') = 'pending'
        LIMIT 1
    ) AS head ON true
    WHERE head.found IS NULL
)
UPDATE delivery SET next_attempt_at = :now, updated_at = :now
WHERE id = ANY(ARRAY(SELECT id FROM todo)) AND next_attempt_at = :blocked
"""


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def plan_afresh(session: Session) -> None:
    """PostgreSQL: plan this transaction's statements with the queue as it is now. The delivery
    table swings from empty to a day's backlog and back; a generic plan cached while it was small
    (psycopg prepares repeated statements) can walk every pending row on each lookup."""
    if is_pg(session):
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def lock(session: Session, *, exclusive: bool) -> None:
    """Take the queue's advisory lock for this transaction (PostgreSQL; SQLite: nothing)."""
    if is_pg(session):
        fn = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        session.execute(select(fn(QUEUE_LOCK)))


def try_fan_out_role(session: Session) -> bool:
    """Whether this transaction is the one fan-out running now (PostgreSQL; SQLite: always)."""
    if not is_pg(session):
        return True
    return bool(session.execute(select(func.pg_try_advisory_xact_lock(FAN_OUT_LOCK))).scalar())


def _same_queue(t: Any) -> Any:
    """Rows of one (subscription, dossier) queue, as bound parameters."""
    return (t.c.subscription_id == bindparam("p_sub")) & (t.c.dossier_code == bindparam("p_code"))


def _promote(session: Session, now: datetime, pairs: Iterable[Pair], only_headless: bool) -> int:
    todo = sorted(set(pairs))
    if not todo:
        return 0
    if is_pg(session):
        params = {
            "now": now,
            "blocked": BLOCKED,
            "only_headless": only_headless,
            "subs": [s for s, _c in todo],
            "codes": [c for _s, c in todo],
        }
        done = session.execute(text(PROMOTE_PG), params)
        return int(done.rowcount or 0)  # type: ignore[attr-defined]
    table = cast(Table, Delivery.__table__)
    w = table.alias("w")
    h = table.alias("h")
    oldest = select(func.min(w.c.id)).where(_same_queue(w), w.c.next_attempt_at == BLOCKED)
    stmt = table.update().where(
        table.c.id == oldest.scalar_subquery(), table.c.next_attempt_at == BLOCKED
    )
    if only_headless:
        head = exists().where(
            _same_queue(h),
            h.c.next_attempt_at < BLOCKED,
            func.coalesce(h.c.state, "") == "pending",
        )
        stmt = stmt.where(~head)
    done = session.connection().execute(
        stmt.values(next_attempt_at=now, updated_at=now),
        [{"p_sub": s, "p_code": c} for s, c in todo],
    )
    return max(int(done.rowcount or 0), 0)


def promote_next(session: Session, now: datetime, pairs: Iterable[Pair]) -> int:
    """The heads of these queues just finished: make each one's oldest waiting delivery due.
    Call under the shared lock."""
    return _promote(session, now, pairs, only_headless=False)


def promote_heads(session: Session, now: datetime, pairs: Iterable[Pair]) -> int:
    """Give each of these queues a head if it has none. Call under the exclusive lock."""
    return _promote(session, now, pairs, only_headless=True)


def waiting_pairs(session: Session) -> list[Pair]:
    """Every queue with a waiting delivery (for ``repair``; a scan of the waiting ones)."""
    rows = session.execute(
        select(Delivery.subscription_id, Delivery.dossier_code)
        .where(Delivery.next_attempt_at == BLOCKED)
        .distinct()
    )
    return [(int(s), str(c)) for s, c in rows if c is not None]


def repair(session: Session, now: datetime) -> int:
    """Give a head to any queue left without one. Nothing should ever need it; workers run it
    now and then so that a bug could delay events but never strand them. Takes the exclusive
    lock; returns how many queues got a head."""
    lock(session, exclusive=True)
    fixed = promote_heads(session, now, waiting_pairs(session))
    if fixed:
        log.warning("outbound: %d dossier queue(s) had no head; fixed", fixed)
    return fixed
