"""Tokens, roles and the staff login."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import dossier_body
from tracking.models import ApiToken

Headers = Callable[[str], dict[str, str]]


def test_token_from_the_command_works_and_is_stored_hashed(
    runner: FlaskCliRunner, client: FlaskClient, session: Session
) -> None:
    out = runner.invoke(args=["create-token", "--role", "center", "--name", "counter 1"])
    assert out.exit_code == 0, out.output
    plain = out.output.strip().splitlines()[-1]
    assert re.fullmatch(r"bct_[A-Za-z0-9_-]{40,}", plain)
    r = client.post(
        "/api/v1/dossiers", json=dossier_body(), headers={"Authorization": f"Bearer {plain}"}
    )
    assert r.status_code == 201
    [tok] = session.scalars(select(ApiToken)).all()
    assert plain not in (tok.token_hash, tok.prefix) and len(tok.token_hash) == 64
    assert tok.last_used_at is not None


def test_missing_or_wrong_token_is_401_json(client: FlaskClient) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ):
        r = client.get("/api/v1/dossiers/x", headers=headers)
        assert r.status_code == 401, headers
        assert r.json["error"]["code"] == "unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(runner: FlaskCliRunner, client: FlaskClient) -> None:
    plain = runner.invoke(args=["create-token", "--role", "postal", "--name", "p"]).output
    plain = plain.strip().splitlines()[-1]
    assert runner.invoke(args=["revoke-token", plain[:12]]).exit_code == 0
    r = client.get("/api/v1/dossiers/x", headers={"Authorization": f"Bearer {plain}"})
    assert r.status_code == 401


def test_role_rules(app: Flask, client: FlaskClient, token: Headers) -> None:
    # Every staff endpoint declares its roles, and a role outside them gets 403.
    from tracking.web import roles

    assert roles  # the decorator every staff endpoint uses
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/api/v1/"):
            assert hasattr(view, "roles"), f"{rule.rule} has no role check"

    # no endpoint of the foundation is closed to center/postal; fake one to show the 403
    @app.get("/api/v1/_admin_only")
    @roles()
    def _admin_only() -> dict[str, bool]:
        return {"ok": True}

    assert client.get("/api/v1/_admin_only", headers=token("center")).status_code == 403
    assert client.get("/api/v1/_admin_only", headers=token("postal")).json["error"]["code"] == (
        "forbidden"
    )
    assert client.get("/api/v1/_admin_only", headers=token("admin")).status_code == 200


def test_login_logout_and_session_calls_need_csrf(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    res = runner.invoke(
        args=[
            "create-user",
            "lan",
            "--role",
            "center",
            "--password",
            "mật-khẩu-dài",
            "--full-name",
            "Trần Thị Lan",
        ]
    )
    assert res.exit_code == 0, res.output
    page = client.get("/login")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

    no_csrf = client.post("/login", data={"username": "lan", "password": "mật-khẩu-dài"})
    assert no_csrf.status_code == 400
    wrong = client.post("/login", data={"username": "lan", "password": "sai", "csrf_token": csrf})
    assert wrong.status_code == 401 and "Sai tên đăng nhập" in wrong.text
    ok = client.post(
        "/login?next=//evil.example/x",
        data={"username": "lan", "password": "mật-khẩu-dài", "csrf_token": csrf},
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert "Trần Thị Lan" in client.get("/").text

    # The pages' own API calls: cookie session + CSRF header
    assert client.get("/api/v1/dossiers/none").status_code == 404
    assert client.post("/api/v1/dossiers", json=dossier_body()).status_code == 400
    r = client.post("/api/v1/dossiers", json=dossier_body(), headers={"X-CSRFToken": csrf})
    assert r.status_code == 201

    out = client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 302
    assert client.get("/api/v1/dossiers/none").status_code == 401


def test_create_user_refuses_weak_or_duplicate(runner: FlaskCliRunner) -> None:
    short = runner.invoke(args=["create-user", "a", "--role", "admin", "--password", "short"])
    assert short.exit_code == 1 and "at least 8" in short.output
    assert (
        runner.invoke(
            args=["create-user", "a", "--role", "admin", "--password", "longenough"]
        ).exit_code
        == 0
    )
    dup = runner.invoke(args=["create-user", "a", "--role", "admin", "--password", "longenough"])
    assert dup.exit_code == 1 and "exists" in dup.output
    bad_role = runner.invoke(args=["create-user", "b", "--role", "boss", "--password", "x" * 9])
    assert bad_role.exit_code == 2
