"""Rate limits of the public doors, on an app that has them switched on (the other tests run
without: ``TESTING`` turns them off unless ``RATELIMIT_ENABLED`` is set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.conftest import FIXED_NOW, _wipe
from tests.pages.demo import register
from tracking.accounts import create_token, create_user
from tracking.app import create_app
from tracking.seed import seed_reference


@pytest.fixture
def limited(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    _wipe(engine)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "RATELIMIT_ENABLED": True,
            "TRACK_RATE_LIMIT": "8 per minute",
            "TRACK_MISS_LIMIT": "3 per minute",
            "LOGIN_RATE_LIMIT": "2 per minute",
            "ENGINE": engine,
            "DATABASE_URL": str(engine.url),
            "SECRET_KEY": "test",
            "NOW": lambda: FIXED_NOW,
        }
    )
    with app.extensions["tracking.sessionmaker"]() as s:
        seed_reference(s, FIXED_NOW)
        create_user(s, "lan", "center", "mật-khẩu-dài", now=FIXED_NOW)
        _t, plain = create_token(s, "center", "counter", now=FIXED_NOW)
        s.commit()
    app.config["TEST_TOKEN"] = plain
    yield app


def _status(client: Any, path: str) -> int:
    return int(client.get(path).status_code)


def test_misses_are_limited_sooner_than_lookups_and_pages_share_the_json_bucket(
    limited: Flask,
) -> None:
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {limited.config['TEST_TOKEN']}"}
    code = register(client, headers, 0, "receive_result", "2026-11-26T09:00")["code"]
    # Three misses, by page and by JSON alike: the fourth miss is refused.
    assert [_status(client, p) for p in ("/track/EC1", "/api/v1/track/EC2", "/track/EC3")] == [
        404,
        404,
        404,
    ]
    refused = client.get("/api/v1/track/EC4")
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_requests"
    page = client.get("/track/EC5", headers={"Accept": "text/html"})
    assert page.status_code == 429 and "Quá nhiều yêu cầu" in page.text
    # Too many misses block every lookup of this client until the window has passed.
    assert [_status(client, f"/api/v1/track/{code}") for _ in range(2)] == [429, 429]


def test_found_codes_have_the_general_limit(limited: Flask) -> None:
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {limited.config['TEST_TOKEN']}"}
    code = register(client, headers, 0, "receive_result", "2026-11-26T09:00")["code"]
    got = [
        _status(client, f"/track/{code}" if i % 2 else f"/api/v1/track/{code}") for i in range(9)
    ]
    assert got == [200] * 8 + [429]
    assert client.get("/api/v1/track/x").headers.get("Retry-After")
    # Another client address has its own bucket.
    other = client.get(f"/api/v1/track/{code}", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200


def test_failed_logins_are_limited(limited: Flask) -> None:
    client = limited.test_client()
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    wrong = {"username": "lan", "password": "sai-mật-khẩu", "csrf_token": token}
    assert [client.post("/login", data=wrong).status_code for _ in range(3)] == [401, 401, 429]
    assert client.get("/login").status_code == 200  # the form itself stays open
