"""Rules of outbound delivery as plain functions: when to retry, what a receiver's ``Retry-After``
means, what the signed body looks like, which URLs and addresses a subscription may name.

Pure: no Flask, no SQLAlchemy, no HTTP client, no clock and no randomness of its own – callers pass
``now`` and a random number, so that every rule is tested with a table and no sleeping.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

# Event types a subscription may ask for ("*": all of them). Payloads: docs/integration.md.
EVENT_TYPES = ("shipment.checkpoint", "dossier.status")
ALL_EVENTS = "*"

# Seconds before attempt 1, 2, … (attempt 1 is the first send). After the last one the delivery is
# parked as dead. About 27.6 hours in all: a receiver may be down for a day and lose nothing.
DEFAULT_SCHEDULE: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
DEFAULT_JITTER = 0.1  # each delay is stretched or shrunk by up to 10 % so retries do not align
RETRY_AFTER_MAX = 86400.0  # a receiver may push its retry back by a day at most
SECRET_PREFIX = "whsec_"


class PolicyError(ValueError):
    """Input that breaks a rule; ``field`` names the part of a subscription at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# ── retry schedule ───────────────────────────────────────────────────────────────────────────
def parse_schedule(value: str | Sequence[float | int | str]) -> tuple[float, ...]:
    """A schedule from configuration: ``"0,5,300"`` or a list of seconds (non-negative)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    try:
        delays = tuple(float(str(v).strip()) for v in items if str(v).strip())
    except ValueError as exc:
        raise PolicyError(f"a schedule is a list of seconds, not {value!r}", "schedule") from exc
    if not delays or any(not math.isfinite(d) or d < 0 for d in delays):
        raise PolicyError("a schedule needs at least one delay, none negative", "schedule")
    return delays


def jittered(delay: float, jitter: float, unit_random: float) -> float:
    """``delay`` moved by up to ±``jitter`` of itself; ``unit_random`` is uniform in [0, 1)."""
    return max(0.0, delay * (1 + jitter * (2 * unit_random - 1)))


def retry_delay(
    attempts_made: int,
    schedule: Sequence[float],
    *,
    jitter: float = DEFAULT_JITTER,
    unit_random: float = 0.5,
    retry_after: float | None = None,
    retry_after_max: float = RETRY_AFTER_MAX,
) -> float | None:
    """Seconds until the next attempt after ``attempts_made`` failed ones, or None: park it.

    A receiver's ``Retry-After`` is honoured (never earlier than it asks, up to a cap) but never
    makes a retry sooner than the schedule would.
    """
    if attempts_made >= len(schedule):
        return None
    delay = jittered(float(schedule[attempts_made]), jitter, unit_random)
    if retry_after is not None:
        delay = max(delay, min(retry_after, retry_after_max))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date; junk → None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


GONE = 410  # the receiver says the endpoint is gone for good: the subscription is disabled


# ── what is sent ─────────────────────────────────────────────────────────────────────────────
def envelope(type_: str, timestamp: datetime, data: Any) -> str:
    """The request body: ``{"type", "timestamp", "data"}`` as compact UTF-8 JSON.

    ``timestamp`` is when the change happened (the outbox event's time), so the body – and the
    ``webhook-id`` – stay the same on every retry; only ``webhook-timestamp`` moves.
    """
    if timestamp.tzinfo is None:
        raise ValueError("the envelope's timestamp needs a time zone")
    body = {"type": type_, "timestamp": timestamp.astimezone(UTC).isoformat(), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)


def new_secret(random_bytes: bytes) -> str:
    """A signing secret as Standard Webhooks spells it: ``whsec_`` + base64 of 24–64 bytes."""
    if not 24 <= len(random_bytes) <= 64:
        raise ValueError("a secret has 24 to 64 random bytes")
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode("ascii")


# ── subscriptions: event types ───────────────────────────────────────────────────────────────
def normalize_events(events: Iterable[str]) -> list[str]:
    """Known event types without repeats; ``["*"]`` when all are asked for."""
    out: list[str] = []
    for name in events:
        if name == ALL_EVENTS:
            return [ALL_EVENTS]
        if name not in EVENT_TYPES:
            known = ", ".join((*EVENT_TYPES, ALL_EVENTS))
            raise PolicyError(f"unknown event type {name!r}; known: {known}", "events")
        if name not in out:
            out.append(name)
    if not out:
        raise PolicyError("name at least one event type, or '*' for all", "events")
    return out


def wants(subscribed: Sequence[str], type_: str) -> bool:
    return ALL_EVENTS in subscribed or type_ in subscribed


# ── subscriptions: where they may point ──────────────────────────────────────────────────────
@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    literal: bool  # the host is an IP address, not a name


def parse_target(url: str) -> Target:
    """The scheme, host and port of a receiver URL, or PolicyError(field="url")."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise PolicyError(f"not a valid URL: {exc}", "url") from exc
    if parts.scheme not in ("http", "https"):
        raise PolicyError("the URL must start with http:// or https://", "url")
    host = parts.hostname
    if not host:
        raise PolicyError("the URL has no host", "url")
    if parts.username is not None or parts.password is not None:
        raise PolicyError("no credentials in the URL: requests are signed instead", "url")
    if parts.fragment:
        raise PolicyError("the URL must not have a #fragment", "url")
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), literal)


def address_refusal(address: str) -> str | None:
    """Why a receiver may not live at this address (loopback, private, …), or None."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone index
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:  # 0.0.0.0 and :: reach this very machine
        return f"{ip} is not a public address"
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_private:
        return f"{ip} is a private address"
    if ip.is_multicast or ip.is_reserved or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def check_addresses(host: str, addresses: Sequence[str]) -> None:
    """Every address the host resolves to must be public (a name with one private address could
    be pointed at it later); PolicyError(field="url") otherwise."""
    if not addresses:
        raise PolicyError(f"the host {host!r} does not resolve", "url")
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise PolicyError(
                f"receivers on loopback, link-local or private addresses are refused "
                f"({host}: {reason}) unless WEBHOOKS_ALLOW_PRIVATE is set",
                "url",
            )
