"""Configuration: defaults, then ``instance/config.py`` if present, then the environment.

A missing ``SECRET_KEY`` is generated once and kept in ``instance/secret_key`` (never committed:
``instance/`` is ignored by git).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> Path:
    return Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance").resolve()


def default_database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path() / 'tracking.db'}"


DEFAULTS: dict[str, Any] = {
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "CENTER_AGENCY_CODE": "000.00.00.H41",
    "DEFAULT_COURIER": "vnpost",
    "SESSION_HOURS": None,  # None: the center's own hours (seeded 07:30-11:30,13:30-17:00)
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "WEBHOOK_MAX_BYTES": 256 * 1024,
    "WEBHOOK_TOLERANCE_SECONDS": 300,
    "SECRET_ROTATION_OVERLAP_HOURS": 24,
    "WEBHOOKS_ALLOW_PRIVATE": False,
    "SERIAL_RANGE_WARN_SHARE": 0.9,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "REFERENCE_CACHE_SECONDS": 30.0,  # estimates' transit tables and calendar (tracking.db)
}

# Environment variables read as they are (strings) or as booleans.
ENV_STRINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "SESSION_HOURS",
    "DEFAULT_COURIER",
    # the dispatcher's (webhooks.dispatcher.SETTING_KEYS converts them)
    "DISPATCHER_THREAD",
    "OUTBOUND_SCHEDULE",
    "OUTBOUND_JITTER",
    "OUTBOUND_CONNECT_TIMEOUT",
    "OUTBOUND_READ_TIMEOUT",
    "OUTBOUND_LEASE_SECONDS",
    "OUTBOUND_BATCH",
    "OUTBOUND_POLL_SECONDS",
    "OUTBOUND_RETRY_AFTER_MAX",
    "OUTBOUND_PROXY",
)
ENV_BOOLS = ("WEBHOOKS_ALLOW_PRIVATE",)
ENV_NUMBERS = ("REFERENCE_CACHE_SECONDS",)


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load(config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The effective configuration, without the secret key (see ``secret_key``)."""
    inst = instance_path()
    out: dict[str, Any] = dict(DEFAULTS)
    out["INSTANCE_PATH"] = str(inst)
    file = inst / "config.py"
    if file.exists():
        scope: dict[str, Any] = {}
        exec(compile(file.read_text(encoding="utf-8"), str(file), "exec"), scope)
        out.update({k: v for k, v in scope.items() if k.isupper()})
    for key in ENV_STRINGS:
        if os.environ.get(key):
            out[key] = os.environ[key]
    for key in ENV_BOOLS:
        if key in os.environ:
            out[key] = _truthy(os.environ[key])
    for key in ENV_NUMBERS:
        if os.environ.get(key):
            try:
                out[key] = float(os.environ[key])
            except ValueError:
                raise SystemExit(f"{key} must be a number, not {os.environ[key]!r}") from None
    if config:
        out.update(config)
    out.setdefault("DATABASE_URL", default_database_url())
    out["PUBLIC_BASE_URL"] = str(out["PUBLIC_BASE_URL"]).rstrip("/")
    return out


def secret_key(inst: Path) -> str:
    """The instance's secret key, generated on first use and kept in ``instance/secret_key``."""
    path = inst / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    inst.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return key
