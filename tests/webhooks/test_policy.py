"""The pure rules of outbound delivery, table by table (webhooks.policy)."""

from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from webhooks import policy

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
SCHEDULE = policy.DEFAULT_SCHEDULE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0,5,300", (0.0, 5.0, 300.0)),
        (" 0 , 1.5 ,", (0.0, 1.5)),
        ([0, 5, 300], (0.0, 5.0, 300.0)),
        (["1", 2], (1.0, 2.0)),
    ],
)
def test_parse_schedule(value: object, expected: tuple[float, ...]) -> None:
    assert policy.parse_schedule(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["", "a,b", "5,-1", [], "inf", "nan"])
def test_parse_schedule_refuses(value: object) -> None:
    with pytest.raises(policy.PolicyError):
        policy.parse_schedule(value)  # type: ignore[arg-type]


def test_default_schedule_is_the_documented_one() -> None:
    hours = sum(SCHEDULE) / 3600
    assert SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    assert 27 < hours < 28  # a receiver down for a day loses nothing


@pytest.mark.parametrize(
    ("attempts_made", "unit_random", "retry_after", "expected"),
    [
        (0, 0.5, None, 0.0),  # first attempt: at once
        (1, 0.5, None, 5.0),
        (2, 0.5, None, 300.0),
        (3, 0.5, None, 1800.0),
        (7, 0.5, None, 36000.0),
        (8, 0.5, None, None),  # all 8 made: parked
        (9, 0.5, None, None),
        (2, 0.0, None, 270.0),  # jitter −10 %
        (2, 1.0, None, 330.0),  # … +10 % (the upper bound is never drawn)
        (1, 0.5, 120.0, 120.0),  # Retry-After later than the schedule wins
        (2, 0.5, 10.0, 300.0),  # … earlier than the schedule does not hurry it
        (1, 0.5, 10**9, policy.RETRY_AFTER_MAX),  # capped at a day
        (8, 0.5, 5.0, None),  # no attempts left: parked whatever the receiver says
    ],
)
def test_retry_delay(
    attempts_made: int, unit_random: float, retry_after: float | None, expected: float | None
) -> None:
    got = policy.retry_delay(
        attempts_made, SCHEDULE, jitter=0.1, unit_random=unit_random, retry_after=retry_after
    )
    assert got == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("delay", "jitter", "unit_random", "expected"),
    [(0, 0.1, 0.9, 0.0), (100, 0, 0.9, 100.0), (100, 0.5, 0.0, 50.0), (100, 2.0, 0.0, 0.0)],
)
def test_jittered(delay: float, jitter: float, unit_random: float, expected: float) -> None:
    assert policy.jittered(delay, jitter, unit_random) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Sat, 28 Nov 2026 03:01:30 GMT", 90.0),
        ("Saturday, 28-Nov-26 03:01:30 GMT", 90.0),  # the obsolete RFC 850 form
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),  # in the past: now
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert policy.parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("status", "ok"),
    [(200, True), (204, True), (299, True), (301, False), (410, False), (None, False)],
)
def test_is_success(status: int | None, ok: bool) -> None:
    assert policy.is_success(status) is ok


def test_envelope_is_compact_utf8_json_with_a_utc_timestamp() -> None:
    at = datetime(2026, 11, 28, 10, 0, tzinfo=timezone(timedelta(hours=7)))
    body = policy.envelope("dossier.status", at, {"code": "Đ-1", "status": "registered"})
    assert body == (
        '{"type":"dossier.status","timestamp":"2026-11-28T03:00:00+00:00",'
        '"data":{"code":"Đ-1","status":"registered"}}'
    )
    assert json.loads(body)["data"]["code"] == "Đ-1"
    with pytest.raises(ValueError):
        policy.envelope("dossier.status", datetime(2026, 1, 1), {})


def test_new_secret_is_standard_webhooks_and_signs() -> None:
    secret = policy.new_secret(bytes(range(32)))
    assert secret.startswith("whsec_")
    assert base64.b64decode(secret.removeprefix("whsec_")) == bytes(range(32))
    sig = Webhook(secret).sign("msg_1", NOW, "{}")
    assert sig.startswith("v1,")
    for bad in (b"", b"x" * 23, b"x" * 65):
        with pytest.raises(ValueError):
            policy.new_secret(bad)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        (["dossier.status"], ["dossier.status"]),
        (["shipment.checkpoint", "dossier.status"], ["shipment.checkpoint", "dossier.status"]),
        (["dossier.status", "dossier.status"], ["dossier.status"]),
        (["*"], ["*"]),
        (["dossier.status", "*"], ["*"]),
    ],
)
def test_normalize_events(events: list[str], expected: list[str]) -> None:
    assert policy.normalize_events(events) == expected


@pytest.mark.parametrize("events", [[], ["dossier.created"], ["dossier.status", "Dossier.Status"]])
def test_normalize_events_refuses(events: list[str]) -> None:
    with pytest.raises(policy.PolicyError) as err:
        policy.normalize_events(events)
    assert err.value.field == "events"


@pytest.mark.parametrize(
    ("subscribed", "type_", "wanted"),
    [
        (["*"], "shipment.checkpoint", True),
        (["dossier.status"], "dossier.status", True),
        (["dossier.status"], "shipment.checkpoint", False),
    ],
)
def test_wants(subscribed: list[str], type_: str, wanted: bool) -> None:
    assert policy.wants(subscribed, type_) is wanted


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (
            "https://dvc.nghean.gov.vn/hooks",
            policy.Target("https", "dvc.nghean.gov.vn", 443, False),
        ),
        ("http://example.vn:8080/x?y=1", policy.Target("http", "example.vn", 8080, False)),
        ("https://203.0.113.9/h", policy.Target("https", "203.0.113.9", 443, True)),
        ("https://[2001:db8::1]:8443/h", policy.Target("https", "2001:db8::1", 8443, True)),
        (" HTTPS://Example.VN/h ", policy.Target("https", "example.vn", 443, False)),
    ],
)
def test_parse_target(url: str, target: policy.Target) -> None:
    assert policy.parse_target(url) == target


@pytest.mark.parametrize(
    "url",
    [
        "example.vn/hooks",  # no scheme
        "//example.vn/hooks",
        "ftp://example.vn/hooks",
        "javascript:alert(1)",
        "https://",
        "https://user:pw@example.vn/h",
        "https://example.vn/h#frag",
        "https://example.vn:99999/h",
        "https://[::1/h",
    ],
)
def test_parse_target_refuses(url: str) -> None:
    with pytest.raises(policy.PolicyError) as err:
        policy.parse_target(url)
    assert err.value.field == "url"


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1%eth0", "link-local"),
        ("100.64.0.1", "not a public"),  # carrier-grade NAT
        ("0.0.0.0", "not a public"),
        ("224.0.0.1", "not a public"),
        ("not-an-ip", "not an IP"),
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
        ("14.225.0.1", None),
    ],
)
def test_address_refusal(address: str, refused: str | None) -> None:
    reason = policy.address_refusal(address)
    assert (reason is None) if refused is None else (refused in (reason or ""))


def test_check_addresses() -> None:
    policy.check_addresses("example.vn", ["8.8.8.8", "2001:4860:4860::8888"])
    with pytest.raises(policy.PolicyError, match="does not resolve"):
        policy.check_addresses("nowhere.invalid", [])
    with pytest.raises(policy.PolicyError, match=r"10\.0\.0\.1 is a private address"):
        policy.check_addresses("split.example.vn", ["8.8.8.8", "10.0.0.1"])


def test_policy_is_pure() -> None:
    """No framework loaded, no HTTP library, database or clock imported (ARCHITECTURE.md)."""
    code = (
        "import sys, webhooks.policy\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'werkzeug', 'requests', 'urllib3')]\n"
        "print(','.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr[-500:]
    tree = ast.parse((ROOT / "webhooks" / "policy.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in {"flask", "sqlalchemy", "requests", "socket", "time"}
