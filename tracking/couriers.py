"""Couriers, their webhook secrets (rotating with an overlap) and their S10 serial ranges."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracking.errors import Conflict, NotFound, ValidationFailed
from tracking.models import Courier, CourierSecret, SerialRange
from tracking.services import audit

CODE_RE = re.compile(r"^[a-z0-9_-]{2,32}$")


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes (Standard Webhooks)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def find(session: Session, code: str) -> Courier:
    courier = session.scalars(select(Courier).where(Courier.code == code)).first()
    if courier is None:
        raise NotFound(f"no courier {code!r}")
    return courier


def add(
    session: Session,
    code: str,
    name: str,
    *,
    now: datetime,
    adapter: str = "generic",
    adapters: tuple[str, ...] = ("generic",),
    public_postal: bool = False,
    actor: str = "cli",
) -> tuple[Courier, str]:
    if not CODE_RE.match(code):
        raise ValidationFailed("a courier code is 2-32 of a-z, 0-9, '_' and '-'", field="code")
    if adapter not in adapters:
        raise ValidationFailed(f"adapter is one of {', '.join(adapters)}", field="adapter")
    if session.scalars(select(Courier.id).where(Courier.code == code)).first():
        raise Conflict(f"courier {code!r} exists", field="code", code="duplicate")
    courier = Courier(
        code=code,
        name=name.strip() or code,
        adapter=adapter,
        public_postal=public_postal,
        active=True,
        created_at=now,
    )
    session.add(courier)
    secret = new_secret()
    session.add(CourierSecret(courier=courier, secret=secret, created_at=now))
    session.flush()
    audit(session, now, actor, "courier.added", "courier", code, {"adapter": adapter})
    return courier, secret


def rotate_secret(
    session: Session,
    code: str,
    *,
    now: datetime,
    overlap: timedelta = timedelta(hours=24),
    actor: str = "cli",
) -> str:
    """A new secret; the ones still valid keep working for ``overlap``, then stop."""
    courier = find(session, code)
    for old in courier.secrets:
        if old.expires_at is None or old.expires_at > now + overlap:
            old.expires_at = now + overlap
    secret = new_secret()
    session.add(CourierSecret(courier=courier, secret=secret, created_at=now))
    session.flush()
    audit(session, now, actor, "courier.secret_rotated", "courier", code)
    return secret


def valid_secrets(courier: Courier, now: datetime) -> list[str]:
    return [s.secret for s in courier.secrets if s.expires_at is None or s.expires_at > now]


def add_range(
    session: Session,
    code: str,
    indicator: str,
    first: int,
    last: int,
    *,
    now: datetime,
    country: str = "VN",
    actor: str = "cli",
) -> SerialRange:
    courier = find(session, code)
    if not re.fullmatch(r"[A-Z]{2}", indicator):
        raise ValidationFailed("a service indicator is two capital letters", field="indicator")
    if not 0 <= first <= last <= 99_999_999:
        raise ValidationFailed("serials are 0..99999999 and first <= last", field="first")
    # Ranges of one indicator must not overlap, whichever courier holds them: an identifier
    # is unique across the product.
    others = session.scalars(
        select(SerialRange).where(
            SerialRange.indicator == indicator, SerialRange.country == country
        )
    ).all()
    for rng in others:
        if not (last < rng.first_serial or first > rng.last_serial):
            raise Conflict(
                f"overlaps the range {indicator}{rng.first_serial:08d}-{rng.last_serial:08d}",
                field="first",
            )
    rng = SerialRange(
        courier_id=courier.id,
        indicator=indicator,
        country=country,
        first_serial=first,
        last_serial=last,
        next_serial=first,
        active=True,
    )
    session.add(rng)
    session.flush()
    audit(
        session,
        now,
        actor,
        "courier.range_added",
        "courier",
        code,
        {"indicator": indicator, "first": first, "last": last},
    )
    return rng
