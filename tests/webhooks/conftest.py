"""Fixtures of the outbound tests (names start with ``outbound_``): a clock the test moves, real
receivers on loopback, dispatchers bound to the test app, and a helper that runs the queue until
it is empty, moving the clock to each next due attempt instead of sleeping.

The fault test (marked ``outbound_pg_only``) needs several dispatcher processes on PostgreSQL. On
SQLite it is deselected here – not skipped – with the reason printed: CI fails on any skip, and
runs it in its PostgreSQL pass (``TEST_DATABASE_URL=postgresql+psycopg://… pytest -m db``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.webhooks.outbound_receiver import Receiver, Script
from tracking.models import Delivery, Subscription
from webhooks.dispatcher import Dispatcher, Settings
from webhooks.ordering import BLOCKED

PG_ONLY = "outbound_pg_only"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{PG_ONLY}: outbound test that needs PostgreSQL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    dropped = [i for i in items if i.get_closest_marker(PG_ONLY)]
    if dropped:
        items[:] = [i for i in items if not i.get_closest_marker(PG_ONLY)]
        config.hook.pytest_deselected(items=dropped)
        print(
            f"\n{len(dropped)} outbound test(s) deselected: they need PostgreSQL "
            "(TEST_DATABASE_URL=postgresql+psycopg://…)",
            file=sys.stderr,
        )


class OutboundClock:
    """The dispatcher's clock: starts at the real time (receivers check signature timestamps
    against theirs, within 5 minutes) and moves only when the test says."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def outbound_clock() -> OutboundClock:
    return OutboundClock()


@pytest.fixture
def outbound_app(app: Flask) -> Flask:
    """The test app with loopback receivers allowed (WEBHOOKS_ALLOW_PRIVATE)."""
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    return app


@pytest.fixture
def outbound_receiver() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(script: Script | None = None, *, port: int = 0) -> Receiver:
        made.append(Receiver(script, port=port))
        return made[-1]

    yield make
    for r in made:
        r.close()


TEST_SETTINGS = Settings(
    schedule=(0, 5, 10, 20),
    jitter=0.0,
    connect_timeout=2.0,
    read_timeout=2.0,
    lease=30.0,
    batch=50,
    poll=0.05,
    allow_private=True,
)


@pytest.fixture
def outbound_dispatcher(
    outbound_app: Flask, outbound_clock: OutboundClock
) -> Iterator[Callable[..., Dispatcher]]:
    """``outbound_dispatcher(name="a", read_timeout=0.5, …)`` → a worker on the test database."""
    made: list[Dispatcher] = []

    def make(name: str = "w1", **over: Any) -> Dispatcher:
        settings = Settings(**{**TEST_SETTINGS.__dict__, **over})
        made.append(
            Dispatcher(
                outbound_app.extensions["tracking.sessionmaker"],
                settings,
                read_sessions=outbound_app.extensions["tracking.read_sessionmaker"],
                clock=outbound_clock,
                name=name,
            )
        )
        return made[-1]

    yield make
    for d in made:
        d.stop.set()
        if d.thread is not None:
            d.thread.join(timeout=10)
        d.close()


@pytest.fixture
def outbound_run(
    outbound_app: Flask, outbound_clock: OutboundClock
) -> Callable[[Dispatcher, int], int]:
    """Run ``dispatcher`` until nothing is pending (or only held deliveries are), moving the clock
    to each next due attempt; returns the rounds that did work."""

    def run(dispatcher: Dispatcher, max_steps: int = 200) -> int:
        rounds = 0
        for _ in range(max_steps):
            rounds += dispatcher.drain()
            with outbound_app.extensions["tracking.read_sessionmaker"]() as s:
                due = s.scalar(
                    select(func.min(Delivery.next_attempt_at))
                    .join(Subscription, Subscription.id == Delivery.subscription_id)
                    .where(
                        Delivery.state == "pending",
                        Delivery.next_attempt_at > outbound_clock.now,
                        Delivery.next_attempt_at < BLOCKED,  # waiting behind an earlier one
                        Subscription.active.is_(True),
                    )
                )
            if due is None:
                return rounds  # done, or only deliveries of disabled subscriptions wait
            outbound_clock.now = due
        raise AssertionError("the queue did not empty")

    return run
