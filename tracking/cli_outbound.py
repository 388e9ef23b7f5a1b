"""Commands of outbound sync: ``subscription add|list|remove|enable|disable|replay|deliveries``
and ``dispatch`` (a worker on its own: ``python run.py dispatch [--once] [--workers N]``).

``subscription add`` prints the new signing secret alone on its last line.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from tracking import services
from webhooks import outbound
from webhooks.dispatcher import Dispatcher, settings_from, worker_name

ACTOR = "cli"


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _transaction() -> Iterator[Session]:
    from tracking.cli import transaction  # tracking.cli imports this module

    with transaction() as session:
        yield session


@click.group("subscription", cls=AppGroup)
def subscription_group() -> None:
    """Receivers of outbound events (the provincial information system, others)."""


@subscription_group.command("add")
@click.argument("url")
@click.option(
    "--events",
    default="*",
    show_default=True,
    help="Comma-separated: shipment.checkpoint, dossier.status, or * for all.",
)
@click.option("--description", default=None)
def subscription_add(url: str, events: str, description: str | None) -> None:
    """Subscribe URL; prints its signing secret alone on the last line."""
    with _transaction() as session:
        sub = outbound.create_subscription(
            session,
            url=url,
            events=[e.strip() for e in events.split(",") if e.strip()],
            description=description,
            now=_now(),
            actor=ACTOR,
            allow_private=bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE")),
        )
        sub_id, secret = sub.id, sub.secret
    click.echo(f"Subscription {sub_id} added for {url}. Signing secret (shown once):")
    click.echo(secret)


@subscription_group.command("list")
def subscription_list() -> None:
    """Subscriptions with their pending and parked deliveries."""
    with _transaction() as session:
        subs = outbound.list_subscriptions(session)
        counts = outbound.state_counts(session, [s.id for s in subs])
        for s in subs:
            c = counts[s.id]
            state = "active" if s.active else f"disabled ({s.disabled_reason})"
            click.echo(
                f"{s.id:>4}  {s.url}  [{','.join(s.events)}]  {state}  "
                f"pending {c['pending']}, dead {c['dead']}"
            )


@subscription_group.command("remove")
@click.argument("sub_id", type=int)
def subscription_remove(sub_id: int) -> None:
    """Remove a subscription and its deliveries."""
    with _transaction() as session:
        outbound.delete_subscription(session, sub_id, now=_now(), actor=ACTOR)
    click.echo(f"Subscription {sub_id} removed.")


@subscription_group.command("enable")
@click.argument("sub_id", type=int)
def subscription_enable(sub_id: int) -> None:
    """Enable: the events that waited go out, in order."""
    with _transaction() as session:
        outbound.set_active(session, sub_id, True, now=_now(), actor=ACTOR)
    click.echo(f"Subscription {sub_id} enabled.")


@subscription_group.command("disable")
@click.argument("sub_id", type=int)
@click.option("--reason", default=None)
def subscription_disable(sub_id: int, reason: str | None) -> None:
    """Disable: events keep queueing and wait."""
    with _transaction() as session:
        outbound.set_active(session, sub_id, False, now=_now(), actor=ACTOR, reason=reason)
    click.echo(f"Subscription {sub_id} disabled.")


@subscription_group.command("replay")
@click.argument("sub_id", type=int)
@click.option("--delivery", "delivery_ids", type=int, multiple=True, help="Only these ids.")
def subscription_replay(sub_id: int, delivery_ids: tuple[int, ...]) -> None:
    """Send parked (dead) deliveries again."""
    with _transaction() as session:
        n = outbound.replay(
            session, sub_id, now=_now(), actor=ACTOR, delivery_ids=delivery_ids or None
        )
    click.echo(f"{n} parked deliveries of subscription {sub_id} queued again.")


@subscription_group.command("deliveries")
@click.argument("sub_id", type=int)
@click.option("--state", type=click.Choice(outbound.STATES), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def subscription_deliveries(sub_id: int, state: str | None, limit: int) -> None:
    """The latest deliveries (newest first)."""
    with _transaction() as session:
        tz = services.center_tz(services.get_center(session))
        for d in outbound.list_deliveries(session, sub_id, tz, state=state, limit=limit):
            click.echo(
                f"{d['id']:>8}  {d['type']:20} {d['dossier_code'] or '-':28} {d['state']:9} "
                f"attempts {d['attempts']}  last {d['last_status'] or '-'} {d['last_error'] or ''}"
            )


@click.command("dispatch")
@with_appcontext
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
def dispatch_command(once: bool, workers: int) -> None:
    """Send outbound events (a worker on its own; several may run, on PostgreSQL)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = settings_from(app.config)
    dispatchers = [
        Dispatcher(
            app.extensions["tracking.sessionmaker"],
            settings,
            read_sessions=app.extensions["tracking.read_sessionmaker"],
            name=worker_name(i),
        )
        for i in range(workers)
    ]
    if once:
        done = 0
        try:
            for d in dispatchers[:1]:  # one pass suffices; workers only matter when running
                done = d.drain()
        finally:
            for d in dispatchers:
                d.close()
        click.echo(f"Dispatched: {done} events fanned out and deliveries attempted.")
        return
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop)
    threads = [threading.Thread(target=d.run, args=(stop,), name=d.name) for d in dispatchers]
    for t in threads:
        t.start()
    click.echo(f"Dispatching with {workers} worker(s); stop with Ctrl-C or SIGTERM.")
    while not stop.wait(0.5):
        pass
    for t in threads:
        t.join(timeout=settings.read_timeout + settings.connect_timeout + 5)
    click.echo("Dispatcher stopped.")


COMMANDS = (subscription_group, dispatch_command)
