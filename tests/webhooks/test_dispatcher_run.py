"""Running the dispatcher: the thread inside ``python run.py``, ``python run.py dispatch``, and
its settings from the configuration or the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import dossier_body
from tests.test_run import free_port, start, stop
from tests.webhooks.outbound_receiver import Receiver
from tests.webhooks.test_dispatcher import emit, subscribe
from webhooks import policy
from webhooks.dispatcher import Settings, settings_from, start_background, thread_enabled

ROOT = Path(__file__).resolve().parents[2]
MakeReceiver = Callable[..., Receiver]


def wait_for(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_settings_from_config_then_environment() -> None:
    assert settings_from({}, {}) == Settings()
    env = {
        "OUTBOUND_SCHEDULE": "0,1,2",
        "OUTBOUND_READ_TIMEOUT": "3",
        "OUTBOUND_BATCH": "9",
        "WEBHOOKS_ALLOW_PRIVATE": "1",
    }
    got = settings_from({"OUTBOUND_READ_TIMEOUT": 7.5, "OUTBOUND_JITTER": 0}, env)
    assert got.schedule == (0.0, 1.0, 2.0) and got.read_timeout == 7.5 and got.batch == 9
    assert got.jitter == 0 and got.allow_private is True
    assert settings_from({"WEBHOOKS_ALLOW_PRIVATE": False}, env).allow_private is False
    assert Settings().schedule == policy.DEFAULT_SCHEDULE
    with pytest.raises(policy.PolicyError):
        settings_from({"OUTBOUND_SCHEDULE": "soon"}, {})
    assert thread_enabled({}, {}) is True
    assert thread_enabled({}, {"DISPATCHER_THREAD": "0"}) is False
    assert thread_enabled({"DISPATCHER_THREAD": False}, {"DISPATCHER_THREAD": "1"}) is False


def test_dispatch_once_command(
    outbound_app: Flask, runner: FlaskCliRunner, outbound_receiver: MakeReceiver
) -> None:
    rx = outbound_receiver()
    subscribe(outbound_app, rx)
    emit(outbound_app, dossiers=2, per_dossier=2)
    r = runner.invoke(args=["dispatch", "--once"])
    assert r.exit_code == 0, r.output
    assert len(rx.successes()) == 4 and all(x.verified for x in rx.all())
    listed = runner.invoke(args=["subscription", "deliveries", "1", "--state", "succeeded"])
    assert listed.output.count("succeeded") == 4


def test_background_thread(
    outbound_app: Flask, outbound_receiver: MakeReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPATCHER_THREAD", "0")
    assert start_background(outbound_app) is None
    monkeypatch.setenv("DISPATCHER_THREAD", "1")
    outbound_app.config["OUTBOUND_POLL_SECONDS"] = 0.05
    rx = outbound_receiver()
    subscribe(outbound_app, rx)
    worker = start_background(outbound_app)
    assert worker is not None and worker.thread is not None and worker.thread.daemon
    try:
        emit(outbound_app, dossiers=1, per_dossier=3)
        assert wait_for(lambda: len(rx.successes()) == 3)
    finally:
        worker.stop.set()
        worker.thread.join(timeout=10)
    assert not worker.thread.is_alive()


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), WEBHOOKS_ALLOW_PRIVATE="1")
    env["OUTBOUND_POLL_SECONDS"] = "0.1"
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_run_py_delivers(tmp_path: Path, outbound_receiver: MakeReceiver) -> None:
    """``python run.py`` sends by its own thread (on by default)."""
    env = _env(tmp_path)
    port = free_port()
    proc = start(env, port)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        token = _cli(env, "create-token", "--role", "admin", "--name", "a")
        admin = {"Authorization": f"Bearer {token}"}
        rx = outbound_receiver()
        r = requests.post(
            f"{base}/subscriptions",
            json={"url": rx.url, "events": ["*"]},
            headers=admin,
            timeout=10,
        )
        assert r.status_code == 201, r.text
        rx.secret = r.json()["secret"]
        r = requests.post(f"{base}/dossiers", json=dossier_body(), headers=admin, timeout=10)
        assert r.status_code == 201, r.text
        assert wait_for(lambda: len(rx.successes()) == 1)
        got = rx.successes()[0]
        assert got.verified and got.json["data"]["code"] == r.json()["code"]
    finally:
        stop(proc)
