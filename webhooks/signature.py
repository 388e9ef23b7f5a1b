"""Standard Webhooks signatures, verified (pure: the clock comes in as an argument).

Spec (standardwebhooks.com, CONTRACT.md "Courier webhooks"): headers ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` — one or more space-separated
``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``; the secret is ``whsec_`` + base64. A timestamp
more than 5 minutes off, either way, is refused.

Why not ``standardwebhooks.Webhook.verify``: it reads the clock itself, takes one secret, and
raises raw ``ValueError``/``binascii.Error``/``UnicodeDecodeError`` on hostile headers or bodies.
Here every secret still valid during a rotation is tried, every failure is one error with a
reason, and comparisons are constant-time. The package signs in the tests, as a client would.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

TOLERANCE = timedelta(minutes=5)
MAX_SIGNATURES = 10  # a header with more is refused rather than costing HMACs


class SignatureError(Exception):
    """The request is not signed by any current secret of the sender (answer 401)."""


def secret_bytes(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is 'whsec_' + base64") from exc
    if not key:
        raise ValueError("empty webhook secret")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret_bytes(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def verify(
    secrets: Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance: timedelta = TOLERANCE,
) -> str:
    """The verified ``webhook-id``; raises SignatureError with the reason otherwise."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = (lower.get("webhook-id") or "").strip()
    stamp = (lower.get("webhook-timestamp") or "").strip()
    header = (lower.get("webhook-signature") or "").strip()
    if not (msg_id and stamp and header):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
    if len(msg_id) > 255:
        raise SignatureError("webhook-id is too long")
    if not stamp.isdigit() or len(stamp) > 12:
        raise SignatureError("webhook-timestamp is not Unix seconds")
    sent = int(stamp)
    if abs(now.timestamp() - sent) > tolerance.total_seconds():
        raise SignatureError("webhook-timestamp is more than 5 minutes off")
    given: list[bytes] = []
    for part in header.split()[:MAX_SIGNATURES]:
        version, _, value = part.partition(",")
        if version != "v1":
            continue
        try:
            given.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    if not given:
        raise SignatureError("no v1 signature in webhook-signature")
    signed = f"{msg_id}.{sent}.".encode() + body
    matched = False
    for secret in secrets:
        expected = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
        for sig in given:
            matched |= hmac.compare_digest(expected, sig)
    if not matched:
        raise SignatureError("no signature matches a current secret")
    return msg_id
