"""Fixtures: app, client, CLI runner, database session, tokens, a live HTTP server.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. The schema
comes from the real migrations, once per run; each test starts from freshly seeded reference data.
With FAIL_ON_SKIP=1 (as CI sets it) a run that skipped any test fails.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tracking.app import create_app
from tracking.db import Base, make_engine
from tracking.migrate import upgrade
from tracking.seed import seed_reference

DB_FIXTURES = {"app", "client", "runner", "session", "engine", "token", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"FAIL_ON_SKIP: {len(skipped)} test(s) skipped", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    if eng.dialect.name == "postgresql":
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(eng)
    yield eng
    eng.dispose()


def _wipe(eng: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


FIXED_NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # Saturday 28/11/2026 10:00 in Vinh


@pytest.fixture
def now_holder() -> dict[str, datetime]:
    """Tests move the app's clock by setting ``now_holder["now"]``."""
    return {"now": FIXED_NOW}


@pytest.fixture
def app(
    engine: Engine, tmp_path: Path, now_holder: dict[str, datetime], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    _wipe(engine)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(
        {
            "TESTING": True,
            "ENGINE": engine,
            "DATABASE_URL": str(engine.url),
            "SECRET_KEY": "test",
            "PUBLIC_BASE_URL": "https://track.example.vn",
            "NOW": lambda: now_holder["now"],
            "WTF_CSRF_ENABLED": True,
        }
    )
    with application.extensions["tracking.sessionmaker"]() as s:
        seed_reference(s, FIXED_NOW)
        s.commit()
    yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session for the test's own look at the database; it begins DEFERRED on SQLite, so it
    never holds the write lock that the app's requests and commands need."""
    s = app.extensions["tracking.read_sessionmaker"]()
    yield s
    s.close()


@pytest.fixture
def token(app: Flask) -> Callable[[str], dict[str, str]]:
    """``token("center")`` → headers with a fresh bearer token of that role."""
    from tracking.accounts import create_token

    def make(role: str) -> dict[str, str]:
        with app.extensions["tracking.sessionmaker"]() as s:
            _t, plain = create_token(s, role, f"test-{role}", now=FIXED_NOW)
            s.commit()
        return {"Authorization": f"Bearer {plain}"}

    return make


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app behind a real waitress server on a free loopback port."""
    import waitress.server

    server: Any = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


def dossier_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "processing_days": 3,
        "service": "receive_result",
        "applicant": {
            "name": "Nguyễn Thị Ánh Tuyết",
            "phone": "0912 345 678",
            "address": "Xã Mường Xén, tỉnh Nghệ An",
        },
        "submitted_at": "2026-11-26T09:00:00+07:00",
    }
    body.update(over)
    return body
