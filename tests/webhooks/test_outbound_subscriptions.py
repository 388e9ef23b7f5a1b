"""Subscriptions through the API and the commands: the secret once, admin only, bad input refused
with the field named, enable/disable, delete."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from tracking.models import AuditLog, Subscription

Headers = Callable[[str], dict[str, str]]
URL = "https://14.225.0.1/hooks/buuchinh"  # a public address literal: no DNS needed


def _error(resp: Any, status: int, field: str | None) -> dict[str, Any]:
    assert resp.status_code == status, resp.data
    err = resp.json["error"]
    assert isinstance(err["message"], str) and err["code"]
    assert err.get("field") == field, err
    return err


def test_create_shows_the_secret_once(
    client: FlaskClient, token: Headers, session: Session
) -> None:
    h = token("admin")
    body = {"url": URL, "events": ["dossier.status"], "description": "Hệ thống thông tin tỉnh"}
    r = client.post("/api/v1/subscriptions", json=body, headers=h)
    assert r.status_code == 201, r.json
    sub = r.json
    assert sub["secret"].startswith("whsec_")
    Webhook(sub["secret"])  # a valid Standard Webhooks secret
    assert sub["url"] == URL and sub["events"] == ["dossier.status"] and sub["active"] is True
    assert sub["deliveries"] == {"pending": 0, "dead": 0}
    assert sub["created_at"].endswith("+07:00")

    got = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=h)
    assert got.status_code == 200 and "secret" not in got.json
    listed = client.get("/api/v1/subscriptions", headers=h).json["subscriptions"]
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]
    assert session.scalars(select(AuditLog.action)).all()[-1] == "subscription.created"


def test_all_event_types_and_normalisation(client: FlaskClient, token: Headers) -> None:
    h = token("admin")
    r = client.post("/api/v1/subscriptions", json={"url": URL, "events": ["*"]}, headers=h)
    assert r.status_code == 201 and r.json["events"] == ["*"]
    both = ["shipment.checkpoint", "dossier.status", "dossier.status"]
    r = client.post("/api/v1/subscriptions", json={"url": URL, "events": both}, headers=h)
    assert r.json["events"] == ["shipment.checkpoint", "dossier.status"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "dvc.nghean.gov.vn/hooks", "events": ["*"]}, "url"),  # no scheme
        ({"url": "ftp://14.225.0.1/x", "events": ["*"]}, "url"),
        ({"url": "http://127.0.0.1:8080/x", "events": ["*"]}, "url"),  # loopback
        ({"url": "http://10.20.30.40/x", "events": ["*"]}, "url"),  # private
        ({"url": "http://192.168.1.5/x", "events": ["*"]}, "url"),
        ({"url": "http://169.254.169.254/latest", "events": ["*"]}, "url"),  # link-local
        ({"url": "http://[::1]/x", "events": ["*"]}, "url"),
        ({"url": "http://localhost:5000/x", "events": ["*"]}, "url"),  # a name for loopback
        ({"url": "https://no-such-host.invalid/x", "events": ["*"]}, "url"),  # does not resolve
        ({"url": "https://u:p@14.225.0.1/x", "events": ["*"]}, "url"),
        ({"url": "", "events": ["*"]}, "url"),
        ({"url": 5, "events": ["*"]}, "url"),
        ({"events": ["*"]}, "url"),
        ({"url": URL, "events": ["dossier.created"]}, "events"),  # unknown event type
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": "dossier.status"}, "events"),
        ({"url": URL}, "events"),
        ({"url": URL, "events": ["*"], "secret": "whsec_AAAA"}, "secret"),  # unknown field
    ],
)
def test_bad_input_is_refused_with_the_field(
    client: FlaskClient, token: Headers, session: Session, body: dict[str, Any], field: str
) -> None:
    r = client.post("/api/v1/subscriptions", json=body, headers=token("admin"))
    _error(r, 400, field)
    assert session.scalars(select(Subscription)).all() == []


def test_private_receivers_when_the_setting_allows(
    app: Flask, client: FlaskClient, token: Headers
) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    for url in ("http://127.0.0.1:8080/x", "http://10.0.0.5/hook", "http://localhost/x"):
        r = client.post(
            "/api/v1/subscriptions", json={"url": url, "events": ["*"]}, headers=token("admin")
        )
        assert r.status_code == 201, r.json
    bad = client.post(
        "/api/v1/subscriptions",
        json={"url": "ftp://10.0.0.5/", "events": ["*"]},
        headers=token("admin"),
    )
    _error(bad, 400, "url")


def test_host_names_are_resolved(
    client: FlaskClient, token: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {
        "dvc.nghean.gov.vn": ["14.225.0.1"],
        "rebound.example.vn": ["14.225.0.1", "192.168.0.7"],  # one private address is enough
    }

    def fake(host: str, port: int, *args: Any, **kw: Any) -> list[Any]:
        if host not in answers:
            raise socket.gaierror(-2, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    h = token("admin")
    ok = client.post(
        "/api/v1/subscriptions",
        json={"url": "https://dvc.nghean.gov.vn/h", "events": ["*"]},
        headers=h,
    )
    assert ok.status_code == 201
    bad = client.post(
        "/api/v1/subscriptions",
        json={"url": "https://rebound.example.vn/h", "events": ["*"]},
        headers=h,
    )
    assert "192.168.0.7" in _error(bad, 400, "url")["message"]


def test_admin_only(client: FlaskClient, token: Headers) -> None:
    for role in ("center", "postal"):
        h = token(role)
        assert client.get("/api/v1/subscriptions", headers=h).status_code == 403
        r = client.post("/api/v1/subscriptions", json={"url": URL, "events": ["*"]}, headers=h)
        assert r.status_code == 403
    assert client.get("/api/v1/subscriptions").status_code == 401


def test_enable_disable_delete(client: FlaskClient, token: Headers) -> None:
    h = token("admin")
    sub_id = client.post(
        "/api/v1/subscriptions", json={"url": URL, "events": ["*"]}, headers=h
    ).json["id"]
    base = f"/api/v1/subscriptions/{sub_id}"
    off = client.post(f"{base}/disable", json={"reason": "bảo trì"}, headers=h)
    assert off.status_code == 200 and off.json["active"] is False
    assert off.json["disabled_reason"] == "bảo trì"
    off2 = client.post(f"{base}/disable", headers=h)  # no body at all
    assert off2.status_code == 200 and off2.json["disabled_reason"].startswith("disabled by")
    on = client.post(f"{base}/enable", headers=h)
    assert on.json["active"] is True and on.json["disabled_reason"] is None
    assert client.post(f"{base}/replay", headers=h).json == {"replayed": 0}
    _error(
        client.post(f"{base}/replay", json={"delivery_ids": "x"}, headers=h), 400, "delivery_ids"
    )
    assert client.get(f"{base}/deliveries", headers=h).json == {
        "deliveries": [],
        "next_before": None,
    }
    _error(client.get(f"{base}/deliveries?state=lost", headers=h), 400, "state")
    _error(client.get(f"{base}/deliveries?limit=0", headers=h), 400, "limit")
    _error(client.get(f"{base}/deliveries?before=x", headers=h), 400, "before")
    assert client.get(f"{base}/deliveries/99", headers=h).status_code == 404
    assert client.delete(base, headers=h).status_code == 204
    for resp in (
        client.get(base, headers=h),
        client.delete(base, headers=h),
        client.post(f"{base}/enable", headers=h),
        client.post(f"{base}/replay", headers=h),
        client.get(f"{base}/deliveries", headers=h),
        client.get("/api/v1/subscriptions/abc", headers=h),
    ):
        _error(resp, 404, None)


def test_no_input_gives_a_5xx(client: FlaskClient, token: Headers) -> None:
    h = token("admin")
    junk: list[Any] = [
        None,
        1,
        "x",
        [],
        {},
        {"url": None},
        {"url": "\u0000"},
        {"url": "http://[z]/"},
    ]
    junk += [{"url": URL, "events": v} for v in (None, [None], [1], ["*"] * 11, ["x" * 100])]
    junk += [
        {"url": "http://" + "a" * 3000, "events": ["*"]},
        {"url": "http://%zz/", "events": ["*"]},
    ]
    for body in junk:
        r = client.post(
            "/api/v1/subscriptions",
            data=json.dumps(body),
            headers=h,
            content_type="application/json",
        )
        assert 400 <= r.status_code < 500, (body, r.data)
        assert "error" in r.json


def test_commands(app: Flask, runner: FlaskCliRunner, session: Session) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    r = runner.invoke(
        args=["subscription", "add", "http://127.0.0.1:9/h", "--events", "dossier.status"]
    )
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    sub = session.scalars(select(Subscription)).one()
    assert sub.secret == secret and sub.events == ["dossier.status"]
    listed = runner.invoke(args=["subscription", "list"]).output
    assert "http://127.0.0.1:9/h" in listed and "pending 0, dead 0" in listed
    assert (
        runner.invoke(args=["subscription", "disable", str(sub.id), "--reason", "x"]).exit_code == 0
    )
    assert "disabled (x)" in runner.invoke(args=["subscription", "list"]).output
    assert runner.invoke(args=["subscription", "enable", str(sub.id)]).exit_code == 0
    out = runner.invoke(args=["subscription", "replay", str(sub.id)]).output
    assert "0 parked deliveries" in out
    assert runner.invoke(args=["subscription", "deliveries", str(sub.id)]).exit_code == 0
    assert runner.invoke(args=["subscription", "remove", str(sub.id)]).exit_code == 0
    gone = runner.invoke(args=["subscription", "remove", str(sub.id)])
    assert gone.exit_code != 0 and "no subscription" in gone.output

    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    bad = runner.invoke(args=["subscription", "add", "http://127.0.0.1:9/h"])
    assert bad.exit_code != 0 and "loopback" in bad.output and "(url)" in bad.output
    bad = runner.invoke(args=["subscription", "add", URL, "--events", "nope"])
    assert bad.exit_code != 0 and "(events)" in bad.output
