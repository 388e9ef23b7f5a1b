"""Subscriptions of outside systems (the provincial information system, others) to the product's
events, and their deliveries as the API and the commands show them.

Services: each takes a session first and never commits. Rule violations are the product's own
errors (``ValidationFailed`` with the field, ``NotFound``), mapped once by the web layer. The
rules themselves – URL and address policy, event types, secrets – live in ``webhooks.policy``.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from tracking.errors import NotFound, ValidationFailed
from tracking.models import Delivery, DeliveryAttempt, OutboxEvent, Subscription
from tracking.services import audit, iso
from webhooks import ordering, policy

Resolver = Callable[[str, int], list[str]]
STATES = ("pending", "succeeded", "dead", "cancelled")
COUNTED_STATES = ("pending", "dead")  # cheap to count (index); "succeeded" grows without end


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (none when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def check_receiver_url(url: str, *, allow_private: bool, resolve: Resolver = resolve_host) -> str:
    """The URL if a receiver may live there; loopback, link-local and private addresses only
    when ``allow_private`` (WEBHOOKS_ALLOW_PRIVATE)."""
    try:
        target = policy.parse_target(url)
        if not allow_private:
            addresses = [target.host] if target.literal else resolve(target.host, target.port)
            policy.check_addresses(target.host, addresses)
    except policy.PolicyError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from exc
    return url.strip()


def check_events(events: Sequence[str]) -> list[str]:
    try:
        return policy.normalize_events(events)
    except policy.PolicyError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from exc


# ── subscriptions ────────────────────────────────────────────────────────────────────────────
def create_subscription(
    session: Session,
    *,
    url: str,
    events: Sequence[str],
    now: datetime,
    actor: str,
    allow_private: bool,
    description: str | None = None,
    resolve: Resolver = resolve_host,
) -> Subscription:
    """A new subscription with a fresh secret (``sub.secret``: show it once, to its creator)."""
    checked_events = check_events(events)
    checked_url = check_receiver_url(url, allow_private=allow_private, resolve=resolve)
    sub = Subscription(
        url=checked_url,
        events=checked_events,
        secret=policy.new_secret(secrets.token_bytes(32)),
        active=True,
        description=description,
        created_by=actor,
        created_at=now,
    )
    session.add(sub)
    session.flush()
    audit(
        session,
        now,
        actor,
        "subscription.created",
        "subscription",
        sub.id,
        {"url": checked_url, "events": checked_events},
    )
    return sub


def get_subscription(session: Session, sub_id: int) -> Subscription:
    sub = session.get(Subscription, sub_id)
    if sub is None:
        raise NotFound(f"no subscription {sub_id}")
    return sub


def list_subscriptions(session: Session) -> list[Subscription]:
    return list(session.scalars(select(Subscription).order_by(Subscription.id)))


def delete_subscription(session: Session, sub_id: int, *, now: datetime, actor: str) -> None:
    """Remove a subscription with its deliveries and their attempts (the outbox stays)."""
    sub = get_subscription(session, sub_id)
    audit(session, now, actor, "subscription.deleted", "subscription", sub.id, {"url": sub.url})
    session.execute(delete(Subscription).where(Subscription.id == sub.id))
    session.expunge(sub)


def set_active(
    session: Session,
    sub_id: int,
    active: bool,
    *,
    now: datetime,
    actor: str,
    reason: str | None = None,
) -> Subscription:
    """Enable or disable. Disabled: events keep queueing and wait; enabled again: they go out in
    order, starting with what waited."""
    sub = get_subscription(session, sub_id)
    sub.active = active
    sub.disabled_reason = None if active else (reason or f"disabled by {actor}")
    action = "subscription.enabled" if active else "subscription.disabled"
    audit(session, now, actor, action, "subscription", sub.id, {"reason": sub.disabled_reason})
    session.flush()
    return sub


def replay(
    session: Session,
    sub_id: int,
    *,
    now: datetime,
    actor: str,
    delivery_ids: Sequence[int] | None = None,
) -> int:
    """Send parked (dead) deliveries again with a fresh schedule and the same ``webhook-id``.

    In their dossier's order they come before the events still waiting (after the one in
    flight, if any).
    """
    sub = get_subscription(session, sub_id)
    ordering.lock(session, exclusive=True)
    which = [Delivery.subscription_id == sub.id, Delivery.state == "dead"]
    if delivery_ids is not None:
        which.append(Delivery.id.in_(list(delivery_ids)))
    pairs = {
        (int(s), str(c))
        for s, c in session.execute(
            select(Delivery.subscription_id, Delivery.dossier_code).where(*which).distinct()
        )
        if c is not None
    }
    done = session.execute(
        update(Delivery)
        .where(*which)
        .values(
            state="pending",
            attempts=0,
            next_attempt_at=case((Delivery.dossier_code.is_(None), now), else_=ordering.BLOCKED),
            claimed_by=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    count = int(done.rowcount or 0)  # type: ignore[attr-defined]
    ordering.promote_heads(session, now, pairs)
    audit(session, now, actor, "subscription.replayed", "subscription", sub.id, {"count": count})
    return count


def state_counts(session: Session, sub_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Pending and parked deliveries per subscription."""
    out: dict[int, dict[str, int]] = {i: dict.fromkeys(COUNTED_STATES, 0) for i in sub_ids}
    if not sub_ids:
        return out
    rows = session.execute(
        select(Delivery.subscription_id, Delivery.state, func.count())
        .where(Delivery.subscription_id.in_(list(sub_ids)), Delivery.state.in_(COUNTED_STATES))
        .group_by(Delivery.subscription_id, Delivery.state)
    )
    for sub_id, state, n in rows:
        out[sub_id][state] = int(n)
    return out


def subscription_dict(
    sub: Subscription, tz: ZoneInfo, counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """A subscription as the API shows it: never its secret (shown once, at creation)."""
    out: dict[str, Any] = {
        "id": sub.id,
        "url": sub.url,
        "events": list(sub.events),
        "active": sub.active,
        "disabled_reason": sub.disabled_reason,
        "description": sub.description,
        "created_by": sub.created_by,
        "created_at": iso(sub.created_at, tz),
    }
    if counts is not None:
        out["deliveries"] = counts
    return out


# ── deliveries and attempts ──────────────────────────────────────────────────────────────────
def list_deliveries(
    session: Session,
    sub_id: int,
    tz: ZoneInfo,
    *,
    state: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[dict[str, Any]]:
    """A subscription's deliveries, newest first (``before``: a delivery id, for paging)."""
    sub = get_subscription(session, sub_id)
    query = (
        select(Delivery, OutboxEvent.type)
        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
        .where(Delivery.subscription_id == sub.id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    if state is not None:
        if state not in STATES:
            raise ValidationFailed(f"state is one of {', '.join(STATES)}", field="state")
        query = query.where(Delivery.state == state)
    if before is not None:
        query = query.where(Delivery.id < before)
    return [delivery_dict(d, type_, tz) for d, type_ in session.execute(query)]


def get_delivery(session: Session, sub_id: int, delivery_id: int, tz: ZoneInfo) -> dict[str, Any]:
    """One delivery with its event and every attempt, oldest first."""
    row = session.execute(
        select(Delivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
        .where(Delivery.id == delivery_id, Delivery.subscription_id == sub_id)
    ).first()
    if row is None:
        raise NotFound(f"no delivery {delivery_id} for subscription {sub_id}")
    d, event = row
    attempts = session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id == d.id)
        .order_by(DeliveryAttempt.id)
    )
    out = delivery_dict(d, event.type, tz)
    out["event"] = {
        "id": event.id,
        "type": event.type,
        "timestamp": iso(event.created_at, tz),
        "data": event.payload,
    }
    out["attempt_log"] = [
        {
            "at": iso(a.at, tz),
            "status_code": a.status_code,
            "latency_ms": None if a.latency_ms is None else round(a.latency_ms, 1),
            "error": a.error,
            "worker": a.worker,
        }
        for a in attempts
    ]
    return out


def delivery_dict(d: Delivery, type_: str, tz: ZoneInfo) -> dict[str, Any]:
    due = d.state == "pending" and d.next_attempt_at < ordering.BLOCKED
    return {
        "id": d.id,
        "event_id": d.event_id,
        "type": type_,
        "dossier_code": d.dossier_code,
        "webhook_id": d.webhook_id,
        "state": d.state,
        "attempts": d.attempts,
        "next_attempt_at": iso(d.next_attempt_at, tz) if due else None,
        "waits_for_earlier": d.state == "pending" and not due,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "created_at": iso(d.created_at, tz),
        "updated_at": iso(d.updated_at, tz),
    }
