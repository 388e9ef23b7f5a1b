"""``python run.py`` on a fresh instance: it migrates, seeds, serves, and a restart keeps data."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "run.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return proc
        except requests.ConnectionError:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read() if proc.stdout else "exited") from None
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("run.py did not answer within 60 s")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    return out


def test_run_serves_and_a_second_start_keeps_the_data(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["INSTANCE_PATH"] = str(tmp_path / "instance")
    if os.environ.get("TEST_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
    port = free_port()
    proc = start(env, port)
    try:
        token = (
            subprocess.run(
                [sys.executable, "run.py", "create-token", "--role", "center", "--name", "t"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        body = {
            "processing_days": 2,
            "service": "both",
            "applicant": {
                "name": "Lô Văn Pó",
                "phone": "0987654321",
                "address": "Xã Mường Xén, Nghệ An",
            },
        }
        r = requests.post(
            f"http://127.0.0.1:{port}/api/v1/dossiers",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        code = r.json()["code"]
    finally:
        out = stop(proc)
    assert f"http://127.0.0.1:{port}" in out and "create-user" in out
    if not os.environ.get("TEST_DATABASE_URL"):
        assert (tmp_path / "instance" / "tracking.db").exists()
        assert (tmp_path / "instance" / "secret_key").exists()
        key = (tmp_path / "instance" / "secret_key").read_text()

    port = free_port()
    proc = start(env, port)
    try:
        again = requests.get(
            f"http://127.0.0.1:{port}/api/v1/dossiers/{code}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert again.status_code == 200 and again.json()["applicant"]["name"] == "Lô Văn Pó"
    finally:
        stop(proc)
    if not os.environ.get("TEST_DATABASE_URL"):
        assert (tmp_path / "instance" / "secret_key").read_text() == key
