"""The delivery queue in the database: fan-out of outbox events, claims, results.

Each function takes a session and never commits; the dispatcher runs each in its own short
transaction and sends HTTP requests only between them, never while holding a lock.

- **Fan-out** turns outbox events (oldest first) into one ``delivery`` per subscription whose
  event types match – disabled subscriptions too: their deliveries wait, nothing is lost while
  an admin pauses a receiver. A delivery whose dossier already has a pending one for that
  subscription waits behind it (``webhooks.ordering``): one in flight per dossier, later events
  only after the earlier one succeeded or was parked.
- **Claiming** takes due deliveries of active subscriptions, oldest due first. PostgreSQL:
  ``FOR UPDATE SKIP LOCKED``, so workers never wait for each other nor take the same row. The
  claim is a lease: ``next_attempt_at`` moves to its end and ``claims`` counts up. A worker killed
  mid-send leaves the lease to expire; the next claim logs the lost attempt and sends again (at
  least once).
- **Finishing** logs every attempt and, if the claim is still current (same ``claims``), moves
  the delivery on: succeeded, retry later on the schedule (``Retry-After`` honoured), or parked as
  dead – and then the next delivery of its dossier becomes due. A 410 disables the subscription.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, insert, select, update
from sqlalchemy.orm import Session

from tracking.models import Delivery, DeliveryAttempt, OutboxEvent, Subscription
from tracking.services import audit
from webhooks import ordering, policy
from webhooks.ordering import BLOCKED

ERROR_MAX = 1000


@dataclass(frozen=True)
class Claim:
    """A delivery a worker holds for one attempt."""

    delivery_id: int
    claim: int  # the fencing token (``delivery.claims`` after this claim)
    attempts: int  # attempts made before this one
    webhook_id: str
    dossier_code: str | None
    subscription_id: int
    url: str
    secret: str
    type: str
    payload: Any
    event_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave; ``sent=False``: released unsent (the worker ran out of lease)."""

    claim: Claim
    at: datetime
    status: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    retry_after: float | None = None
    sent: bool = True


def has_work(session: Session, now: datetime) -> bool:
    """A cheap read: is there an event to fan out or a delivery that may be due?"""
    if session.execute(select(_unfanned())).scalar():
        return True
    active = _active(session)
    due = exists().where(
        Delivery.state == "pending",
        Delivery.next_attempt_at <= now,
        Delivery.subscription_id.in_(active),
    )
    return bool(active) and bool(session.execute(select(due)).scalar())


def _active(session: Session) -> list[int]:
    """Active subscriptions, asked first so that queue lookups stay on the (state,
    next_attempt_at) index instead of joining (a planner may walk a whole backlog otherwise)."""
    return list(session.scalars(select(Subscription.id).where(Subscription.active.is_(True))))


def _unfanned() -> Any:
    return exists().where(OutboxEvent.fanned_out_at.is_(None))


def fan_out(session: Session, now: datetime, limit: int = 1000) -> int:
    """Make the deliveries of up to ``limit`` events; returns how many events were fanned out.

    Deliveries with a dossier are inserted waiting; then, under the exclusive lock, each touched
    queue without a head gets one (``webhooks.ordering``).
    """
    if not session.execute(select(_unfanned())).scalar():
        return 0  # the usual case: no lock taken
    if not ordering.try_fan_out_role(session):
        return 0  # another worker is fanning out; this one sends meanwhile
    events = session.execute(
        select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.dossier_code)
        .where(OutboxEvent.fanned_out_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
    ).all()
    if not events:
        return 0
    subs = session.execute(
        select(Subscription.id, Subscription.events).order_by(Subscription.id)
    ).all()
    rows = [
        {
            "subscription_id": sub_id,
            "event_id": ev.id,
            "dossier_code": ev.dossier_code,
            "webhook_id": f"msg_{uuid.uuid4().hex}",
            "state": "pending",
            "attempts": 0,
            "claims": 0,
            "next_attempt_at": now if ev.dossier_code is None else BLOCKED,
            "created_at": now,
            "updated_at": now,
        }
        for ev in events
        for sub_id, wanted in subs
        if policy.wants(wanted, ev.type)
    ]
    if rows:
        session.execute(insert(Delivery), rows)
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_([ev.id for ev in events]))
        .values(fanned_out_at=now)
        .execution_options(synchronize_session=False)
    )
    pairs = {(r["subscription_id"], r["dossier_code"]) for r in rows if r["dossier_code"]}
    if pairs:
        ordering.lock(session, exclusive=True)
        ordering.promote_heads(session, now, pairs)
    return len(events)


def claim_due(
    session: Session,
    now: datetime,
    *,
    worker: str,
    lease: float,
    limit: int,
    schedule: Sequence[float],
) -> list[Claim]:
    """Claim up to ``limit`` due deliveries (heads of their dossier's queue, or no dossier)."""
    active = _active(session)
    if not active:
        return []
    ordering.lock(session, exclusive=False)  # before any row lock: the one order everywhere
    query = (  # a range of the (state, next_attempt_at) index
        select(
            Delivery.id,
            Delivery.attempts,
            Delivery.claimed_by,
            Delivery.subscription_id,
            Delivery.dossier_code,
        )
        .where(
            Delivery.state == "pending",
            Delivery.next_attempt_at <= now,
            Delivery.subscription_id.in_(active),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if ordering.is_pg(session):
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    lost = [r for r in rows if r.claimed_by is not None]  # worker died or overran its lease
    parked = _lost_claims(session, now, lost, schedule) if lost else set()
    ids = [r.id for r in rows if r.id not in parked]
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(
            claims=Delivery.claims + 1,
            claimed_by=worker,
            next_attempt_at=now + timedelta(seconds=lease),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    found = session.execute(
        select(
            Delivery.id,
            Delivery.claims,
            Delivery.attempts,
            Delivery.webhook_id,
            Delivery.dossier_code,
            Subscription.id.label("subscription_id"),
            Subscription.url,
            Subscription.secret,
            OutboxEvent.type,
            OutboxEvent.payload,
            OutboxEvent.created_at,
        )
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.id)
    ).all()
    return [Claim(*row) for row in found]


def _lost_claims(
    session: Session, now: datetime, rows: Sequence[Any], schedule: Sequence[float]
) -> set[int]:
    """Log the attempts vanished workers may have made; park those that were the last one (and
    let their dossier's next delivery go). Returns the ids parked."""
    parked: set[int] = set()  # (the caller holds the shared lock: this may promote)
    for r in rows:
        session.add(
            DeliveryAttempt(
                delivery_id=r.id,
                at=now,
                error=f"no result: the claim of {r.claimed_by} expired (stopped mid-send?)",
                worker=r.claimed_by,
            )
        )
        values: dict[str, Any] = {"attempts": r.attempts + 1, "claimed_by": None, "updated_at": now}
        if r.attempts + 1 >= len(schedule):
            values.update(state="dead", last_error="no result from the last attempt")
            parked.add(r.id)
        session.execute(
            update(Delivery)
            .where(Delivery.id == r.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    done = [(r.subscription_id, r.dossier_code) for r in rows if r.id in parked and r.dossier_code]
    ordering.promote_next(session, now, done)
    return parked


def finish(
    session: Session,
    now: datetime,
    outcomes: Sequence[Outcome],
    *,
    worker: str,
    schedule: Sequence[float],
    jitter: float = policy.DEFAULT_JITTER,
    retry_after_max: float = policy.RETRY_AFTER_MAX,
    rng: random.Random | None = None,
) -> None:
    """Log the attempts and move each delivery on, if its claim is still the current one."""
    if not outcomes:
        return
    rng = rng or random.Random()
    ordering.lock(session, exclusive=False)
    ids = [o.claim.delivery_id for o in outcomes]
    mine = select(Delivery.id, Delivery.claims, Delivery.state).where(Delivery.id.in_(ids))
    if ordering.is_pg(session):
        mine = mine.with_for_update(of=Delivery)  # a concurrent DELETE waits for us
    current = {r.id: (r.claims, r.state) for r in session.execute(mine)}
    attempts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    released: list[dict[str, Any]] = []
    gone: set[int] = set()
    for o in outcomes:
        c = o.claim
        if c.delivery_id not in current:
            continue  # the subscription was deleted meanwhile
        if o.sent:
            attempts.append(
                {
                    "delivery_id": c.delivery_id,
                    "at": o.at,
                    "status_code": o.status,
                    "latency_ms": o.latency_ms,
                    "error": o.error[:ERROR_MAX] if o.error else None,
                    "worker": worker,
                }
            )
        if current[c.delivery_id] != (c.claim, "pending"):
            continue  # another worker took it over after our lease ran out, or an admin acted
        key = {"b_id": c.delivery_id, "b_claims": c.claim}
        if not o.sent:
            released.append(key)
            continue
        change = {
            **key,
            "b_sub": c.subscription_id,
            "b_code": c.dossier_code,
            "b_state": "pending",
            "b_attempts": c.attempts + 1,
            "b_next": now,
            "b_status": o.status,
            "b_error": o.error[:ERROR_MAX] if o.error else None,
        }
        if policy.is_success(o.status):
            change.update(b_state="succeeded", b_error=None)
        else:
            if o.status == policy.GONE:
                gone.add(c.subscription_id)
            delay = policy.retry_delay(
                c.attempts + 1,
                schedule,
                jitter=jitter,
                unit_random=rng.random(),
                retry_after=o.retry_after,
                retry_after_max=retry_after_max,
            )
            if delay is None:
                change["b_state"] = "dead"
            else:
                change["b_next"] = now + timedelta(seconds=delay)
        changes.append(change)
    if attempts:
        session.execute(insert(DeliveryAttempt), attempts)
    table = cast(Table, Delivery.__table__)
    fenced = table.update().where(
        table.c.id == bindparam("b_id"), table.c.claims == bindparam("b_claims")
    )
    if changes:
        stmt = fenced.values(
            state=bindparam("b_state"),
            attempts=bindparam("b_attempts"),
            next_attempt_at=bindparam("b_next"),
            last_status=bindparam("b_status"),
            last_error=bindparam("b_error"),
            claimed_by=None,
            updated_at=now,
        )
        session.connection().execute(stmt, changes)
    if released:  # unsent: due again at once, no attempt counted
        stmt = fenced.values(next_attempt_at=now, claimed_by=None, updated_at=now)
        session.connection().execute(stmt, released)
    done = [(c["b_sub"], c["b_code"]) for c in changes if c["b_state"] != "pending" and c["b_code"]]
    ordering.promote_next(session, now, done)
    for sub_id in sorted(gone):
        _disable_gone(session, now, sub_id)


def _disable_gone(session: Session, now: datetime, subscription_id: int) -> None:
    reason = f"the receiver answered 410 Gone at {now.isoformat(timespec='seconds')}"
    done = session.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id, Subscription.active.is_(True))
        .values(active=False, disabled_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount:  # type: ignore[attr-defined]
        audit(session, now, "dispatcher", "subscription.disabled", "subscription", subscription_id)
