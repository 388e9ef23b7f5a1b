"""The HTTP surface: the error shape for whatever a client sends, health, the OpenAPI document."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import dossier_body

Headers = Callable[[str], dict[str, str]]


def assert_error(resp: Any, status: int, code: str | None = None) -> None:
    assert resp.status_code == status, resp.data
    assert resp.is_json, resp.data
    err = resp.json["error"]
    assert isinstance(err["message"], str) and isinstance(err["code"], str)
    if code:
        assert err["code"] == code


def test_healthz(client: FlaskClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_http_errors_have_the_json_shape(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.put("/api/v1/dossiers", headers=h), 405, "method_not_allowed")
    assert_error(client.delete("/healthz"), 405)
    assert_error(client.post("/api/v1/dossiers", data="x", headers=h), 415)
    assert_error(
        client.post("/api/v1/dossiers", data="{", headers=h, content_type="application/json"),
        400,
        "malformed_json",
    )
    assert_error(
        client.post(
            "/api/v1/dossiers", data=b"\xff\xfe", headers=h, content_type="application/json"
        ),
        400,
    )
    assert_error(client.post("/api/v1/dossiers", json=[1, 2], headers=h), 400)
    assert_error(
        client.post("/api/v1/dossiers", data="null", headers=h, content_type="application/json"),
        400,
        "invalid",
    )
    big = {"applicant": {"name": "x" * (1024 * 1024)}}
    assert_error(client.post("/api/v1/dossiers", json=big, headers=h), 413, "too_large")
    # pages answer in HTML
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and b"<html" in page.data


def _mutations(rng: random.Random) -> list[Any]:
    junk: list[Any] = [
        None,
        True,
        0,
        -1,
        1e308,
        "",
        "x" * 600,
        [],
        {},
        [None],
        {"a": 1},
        "2026-02-30T10:00",
        "\u0000",
        "😀",
        0.5,
    ]
    bodies: list[Any] = []
    base = dossier_body()
    for key in [*base.keys(), "code", "procedure_code", "courier"]:
        for value in junk:
            bodies.append({**base, key: value})
    for key in base["applicant"]:
        for value in junk:
            bodies.append({**base, "applicant": {**base["applicant"], key: value}})
    for _ in range(50):
        bodies.append(rng.choice(junk))
    return bodies


def test_no_client_input_produces_a_5xx(client: FlaskClient, token: Headers) -> None:
    h = token("center")
    rng = random.Random(7)
    for body in _mutations(rng):
        r = client.post(
            "/api/v1/dossiers", data=json.dumps(body), headers=h, content_type="application/json"
        )
        assert r.status_code < 500, (body, r.data)
        if r.status_code >= 400:
            assert "error" in r.json
    code = client.post("/api/v1/dossiers", json=dossier_body(), headers=h).json["code"]
    for body in (
        [{"direction": v} for v in (None, 1, "sideways", [])]
        + [{"direction": "outbound", "courier": v} for v in (1, "", "x" * 40, "nobody")]
        + [{"direction": "outbound", "item_id": v} for v in ("", 5, "EC13643185VN")]
    ):
        r = client.post(f"/api/v1/dossiers/{code}/shipments", json=body, headers=h)
        assert 400 <= r.status_code < 500, (body, r.data)
    for path in (
        "/api/v1/dossiers/%00",
        "/api/v1/shipments/" + "A" * 5000,
        "/api/v1/dossiers/..%2F..",
        "/track/%ff",
    ):
        assert client.get(path, headers=h).status_code < 500


@pytest.mark.parametrize("method", ["get", "post"])
def test_openapi_describes_every_route(app: Flask, client: FlaskClient, method: str) -> None:
    doc = client.get("/openapi.json").json
    assert doc["openapi"].startswith("3.")
    described = {(path, m.upper()) for path, ops in doc["paths"].items() for m in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.rule.startswith(
            ("/api/", "/healthz", "/openapi.json", "/webhooks/")
        ):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        path = path.replace("{path:", "{").replace("{int:", "{")
        for m in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((path, m))
    assert described == served
    for name in ("DossierIn", "ShipmentIn", "Error"):
        assert name in doc["components"]["schemas"]
    dossier_in = doc["components"]["schemas"]["DossierIn"]
    assert dossier_in["additionalProperties"] is False
    assert {"applicant", "service"} <= set(dossier_in["required"])
