"""Standard Webhooks verification against signatures made by the `standardwebhooks` package."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from webhooks.signature import SignatureError, sign, verify

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
BODY = '{"type":"shipment.checkpoint","data":{"item_id":"EC100000003VN","event":"picked_up"}}'


def headers(
    secret: str = SECRET, at: datetime = NOW, msg_id: str = "msg_1", body: str = BODY
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def test_a_signature_from_the_package_is_accepted() -> None:
    assert verify([SECRET], headers(), BODY.encode(), NOW) == "msg_1"
    assert (
        sign(SECRET, "msg_1", int(NOW.timestamp()), BODY.encode())
        == (headers()["webhook-signature"])
    )


def test_rotation_accepts_either_secret_and_several_signatures() -> None:
    assert verify([OTHER, SECRET], headers(), BODY.encode(), NOW) == "msg_1"
    h = headers()
    h["webhook-signature"] = "v1,AAAA " + headers(OTHER)["webhook-signature"] + " v2,zzz"
    assert verify([SECRET, OTHER], h, BODY.encode(), NOW) == "msg_1"


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=5, seconds=1), -timedelta(minutes=5, seconds=1), timedelta(hours=3)]
)
def test_stale_and_future_timestamps_are_refused(skew: timedelta) -> None:
    with pytest.raises(SignatureError, match="5 minutes"):
        verify([SECRET], headers(at=NOW + skew), BODY.encode(), NOW)


@pytest.mark.parametrize("skew", [timedelta(minutes=4, seconds=59), -timedelta(minutes=4)])
def test_timestamps_within_tolerance_are_accepted(skew: timedelta) -> None:
    assert verify([SECRET], headers(at=NOW + skew), BODY.encode(), NOW)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h, b: (h, b.replace(b"picked_up", b"delivered")),  # tampered body
        lambda h, b: ({**h, "webhook-id": "msg_2"}, b),  # another id
        lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, b),
        lambda h, b: ({**h, "webhook-signature": "v1,not base64!"}, b),
        lambda h, b: ({**h, "webhook-signature": "v1"}, b),
        lambda h, b: ({**h, "webhook-signature": ""}, b),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-id"}, b),
        lambda h, b: ({**h, "webhook-timestamp": "soon"}, b),
        lambda h, b: ({**h, "webhook-timestamp": "1e9"}, b),
        lambda h, b: ({**h, "webhook-id": "x" * 300}, b),
        lambda h, b: (h, b + b"\xff"),
    ],
)
def test_anything_else_is_refused(mutate) -> None:  # type: ignore[no-untyped-def]
    h, b = mutate(headers(), BODY.encode())
    with pytest.raises(SignatureError):
        verify([SECRET], h, b, NOW)


def test_wrong_secret_and_no_secret_are_refused() -> None:
    with pytest.raises(SignatureError, match="no signature matches"):
        verify([OTHER], headers(), BODY.encode(), NOW)
    with pytest.raises(SignatureError):
        verify([], headers(), BODY.encode(), NOW)


def test_header_names_are_case_insensitive() -> None:
    h = {k.title(): v for k, v in headers().items()}
    assert verify([SECRET], h, BODY.encode(), NOW) == "msg_1"
