"""Nothing a courier sends makes the webhook endpoint fail: bodies built by hypothesis in each
adapter's shape, with hostile values (NUL and control characters, very long text, huge numbers,
wrong types, items known and unknown, times in and out of format), are answered 200 or a 4xx
with the error shape, never a 5xx, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXED_NOW
from tests.support import courier_secret, generic_courier, register, send

Headers = Callable[[str], dict[str, str]]
IDS = itertools.count()

TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=8),  # control characters
    st.builds(lambda c, n: c * n, st.sampled_from(["X", "Đ", "\x00", " "]), st.integers(0, 1500)),
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    TEXT,
)
VALUE = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3)
)
EVENTS = st.sampled_from(["picked_up", "delivered", "received_by_center", "result_ready", "?"])
ISO = st.one_of(
    st.just((FIXED_NOW - timedelta(hours=2)).isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    TEXT,
)
LOCAL = st.one_of(st.just("28/11/2026 09:30:00"), st.just("31/02/2026 25:61:00"), TEXT)


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(value, VALUE)


def _generic(items: list[str]) -> st.SearchStrategy[Any]:
    checkpoint = st.fixed_dictionaries(
        {
            "item_id": _maybe(st.sampled_from(items) | TEXT),
            "event": _maybe(EVENTS),
            "occurred_at": _maybe(ISO),
        },
        optional={
            "location": _maybe(
                st.fixed_dictionaries(
                    {},
                    optional={"name": _maybe(TEXT), "code": _maybe(TEXT), "lat": SCALAR},
                )
            ),
            "note": _maybe(TEXT),
        },
    )
    return st.fixed_dictionaries(
        {"type": _maybe(st.just("shipment.checkpoint")), "data": checkpoint | st.lists(checkpoint)}
    )


def _viettel(items: list[str]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {
            "DATA": st.fixed_dictionaries(
                {
                    "ORDER_NUMBER": _maybe(TEXT),
                    "ORDER_REFERENCE": _maybe(st.sampled_from(items) | TEXT),
                    "ORDER_STATUSDATE": _maybe(LOCAL),
                    "ORDER_STATUS": _maybe(st.sampled_from([105, 200, 501, 503, 999, -1])),
                },
                optional={"STATUS_NAME": TEXT, "LOCALION_CURRENTLY": TEXT, "NOTE": _maybe(TEXT)},
            )
        }
    )


def _vnpost(items: list[str]) -> st.SearchStrategy[Any]:
    line = st.fixed_dictionaries(
        {"StatusName": _maybe(TEXT | st.just("Phát thành công")), "Time": _maybe(LOCAL)},
        optional={"PostOfficeName": _maybe(TEXT), "PostOfficeCode": _maybe(TEXT), "Note": TEXT},
    )
    entry = st.fixed_dictionaries(
        {"ItemCode": _maybe(st.sampled_from(items) | TEXT), "TraceLines": _maybe(st.lists(line))}
    )
    return st.lists(entry, max_size=3) | entry


SHAPES = {"ghn": _generic, "viettelpost": _viettel, "vnpost": _vnpost}
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_no_body_makes_a_webhook_fail(app: Flask, client: FlaskClient, token: Headers) -> None:
    secrets = {
        "ghn": generic_courier(app),
        "viettelpost": courier_secret(app, "viettelpost"),
        "vnpost": courier_secret(app, "vnpost"),
    }
    center = token("center")

    @FUZZ
    @given(data=st.data())
    def one_body(data: st.DataObject) -> None:
        courier = data.draw(st.sampled_from(sorted(SHAPES)), label="courier")
        d = register(client, center, service="both", courier=courier)
        shape = data.draw(SHAPES[courier]([d["shipments"][0]["item_id"]]), label="body")
        body = json.dumps(shape, ensure_ascii=data.draw(st.booleans())).encode()
        r = send(client, secrets[courier], f"fuzz-{next(IDS)}", body, courier=courier)
        assert r.status_code < 500, (r.status_code, r.json, body[:300])
        assert r.status_code in (200, 400, 422), r.json
        if r.status_code != 200:
            assert r.json["error"]["code"] and r.json["error"]["message"]

    one_body()
