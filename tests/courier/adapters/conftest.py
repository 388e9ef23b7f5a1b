"""Shared helpers for the adapter tests: recorded payloads and a compact view of results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from courier.adapters.base import InboundCheckpoint

FIXTURES = Path(__file__).parent / "fixtures"

Row = tuple[str, str | None, str, tuple[str, ...]]


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """The raw bytes of a recorded payload, as the webhook endpoint would receive them."""

    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture
def rows() -> Callable[[list[InboundCheckpoint]], list[Row]]:
    """Checkpoints as (item_id, event, occurred_at ISO, sorted flags): easy to table."""

    def view(checkpoints: list[InboundCheckpoint]) -> list[Row]:
        return [
            (c.item_id, c.event, c.occurred_at.isoformat(), tuple(sorted(c.flags)))
            for c in checkpoints
        ]

    return view
