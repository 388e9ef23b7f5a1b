"""Concurrent registrations through a real HTTP server: every code and S10 identifier distinct."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests

from labels import s10
from tests.conftest import dossier_body

N = 50


def test_concurrent_registrations_get_distinct_codes_and_item_ids(
    live_server: str, token: Callable[[str], dict[str, str]]
) -> None:
    headers = token("postal")

    def register(i: int) -> requests.Response:
        body = dossier_body(service="both", submitted_at="2026-11-27T08:00:00+07:00")
        body["applicant"] = {**body["applicant"], "name": f"Người gửi {i}"}
        return requests.post(
            f"{live_server}/api/v1/dossiers", json=body, headers=headers, timeout=60
        )

    with ThreadPoolExecutor(max_workers=N) as pool:
        answers = list(pool.map(register, range(N)))
    assert [r.status_code for r in answers] == [201] * N, [r.text for r in answers][:3]
    codes = {r.json()["code"] for r in answers}
    items = {r.json()["shipments"][0]["item_id"] for r in answers}
    assert len(codes) == N and len(items) == N
    assert all(s10.is_valid(i) for i in items)
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, N + 1))
