"""`python run.py webhooks …`: look at stored courier webhooks and apply again those whose
processing failed (the body is always kept, CONTRACT.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from tracking.cli import transaction
from tracking.models import Courier, WebhookReceipt
from webhooks import inbound


@click.group("webhooks", cls=AppGroup)
def webhooks_group() -> None:
    """Stored courier webhooks."""


@webhooks_group.command("list")
@click.option("--status", default=None, help="received, applied, flagged, malformed, error")
@click.option("--limit", default=20, show_default=True)
def list_receipts(status: str | None, limit: int) -> None:
    """The latest stored webhooks."""
    with transaction() as session:
        q = select(WebhookReceipt).order_by(WebhookReceipt.id.desc()).limit(limit)
        if status:
            q = q.where(WebhookReceipt.status == status)
        for r in session.scalars(q):
            click.echo(
                f"{r.id:8} {r.received_at:%Y-%m-%d %H:%M:%S} {r.status:9} {r.webhook_id}"
                f"  {(r.error or '')[:80]}"
            )


@webhooks_group.command("reprocess")
@click.option(
    "--status", default="error", show_default=True, help="Which stored webhooks to apply again."
)
def reprocess(status: str) -> None:
    """Apply again the stored webhooks whose processing failed (duplicates are recognised)."""
    done = failed = 0
    with transaction() as session:
        ids = list(
            session.scalars(select(WebhookReceipt.id).where(WebhookReceipt.status == status))
        )
    for receipt_id in ids:
        with transaction() as session:
            r = session.get(WebhookReceipt, receipt_id)
            courier = session.get(Courier, r.courier_id) if r else None
            if r is None or courier is None:
                continue
            now = datetime.now(UTC)
            try:
                parsed = inbound.parse(courier, r.body)
            except inbound.MalformedWebhook as exc:
                r.status, r.error = "malformed", str(exc)[:2000]
                failed += 1
                continue
            out = inbound.process(session, courier, r.id, parsed, now)
            r.status = "flagged" if out.flagged else "applied"
            r.error = None
            done += 1
    click.echo(f"{done} webhook(s) applied again, {failed} unreadable.")


COMMANDS = (webhooks_group,)
