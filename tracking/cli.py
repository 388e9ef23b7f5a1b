"""The product's commands (``python run.py COMMAND`` = ``flask --app run COMMAND``).

Commands print readable messages; a command that prints a secret prints it alone on its last
line so that scripts can take it with ``tail -n 1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracking import accounts, cli_estimate, cli_outbound, couriers, seed
from tracking.errors import TrackingError
from tracking.models import CalendarOverride


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def transaction() -> Iterator[Session]:
    """A session committed when the block ends, rolled back on error; errors read plainly."""
    session = current_app.extensions["tracking.sessionmaker"]()
    try:
        yield session
        session.commit()
    except TrackingError as exc:
        session.rollback()
        where = f" ({exc.field})" if exc.field else ""
        raise click.ClickException(f"{exc.message}{where}") from exc
    finally:
        session.close()


def prepare_database(app: Flask) -> dict[str, int]:
    """Apply the migrations and seed the reference data (idempotent)."""
    from tracking.migrate import upgrade

    upgrade(app.extensions["tracking.engine"])
    with app.app_context(), transaction() as session:
        return seed.seed_reference(session, _now())


def init_app(app: Flask) -> None:
    from tracking import cli_webhooks  # it builds on this module's transaction()

    for cmd in (
        create_user,
        create_token,
        revoke_token,
        courier_group,
        calendar_group,
        import_procedures,
        seed_command,
        *cli_estimate.COMMANDS,
        *cli_outbound.COMMANDS,
        *cli_webhooks.COMMANDS,
    ):
        app.cli.add_command(cmd)


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Apply migrations and insert missing reference data."""
    added = prepare_database(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("Database ready; added: " + ", ".join(f"{k} {v}" for k, v in added.items()))


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--full-name", default=None, help="Name shown on pages and manifests.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 8 characters (prompted when not given).",
)
def create_user(username: str, role: str, full_name: str | None, password: str) -> None:
    """Create a staff account for the pages."""
    with transaction() as session:
        accounts.create_user(session, username, role, password, now=_now(), full_name=full_name)
    click.echo(f"User {username} ({role}) created. Log in at /login.")


@click.command("create-token")
@with_appcontext
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--name", required=True, help="Who or what uses the token (for the audit log).")
def create_token(role: str, name: str) -> None:
    """Create an API token; prints it once, alone on the last line."""
    with transaction() as session:
        _tok, plain = accounts.create_token(session, role, name, now=_now())
    click.echo(f"Token for {name} ({role}); keep it, it is not shown again:")
    click.echo(plain)


@click.command("revoke-token")
@with_appcontext
@click.argument("prefix")
def revoke_token(prefix: str) -> None:
    """Revoke tokens by their first 12 characters."""
    with transaction() as session:
        n = accounts.revoke_token(session, prefix, now=_now())
    click.echo(f"{n} token(s) revoked.")


@click.group("courier", cls=AppGroup)
def courier_group() -> None:
    """Couriers, their webhook secrets and S10 serial ranges."""


def _adapter_names() -> tuple[str, ...]:
    from courier.adapters import ADAPTERS

    return tuple(ADAPTERS)


@courier_group.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option(
    "--adapter", default="generic", show_default=True, help="Payload format of its webhooks."
)
@click.option("--public-postal", is_flag=True, help="It is the public postal enterprise.")
def courier_add(code: str, name: str, adapter: str, public_postal: bool) -> None:
    """Register a courier; prints its webhook secret alone on the last line."""
    with transaction() as session:
        _c, secret = couriers.add(
            session,
            code,
            name,
            now=_now(),
            adapter=adapter,
            adapters=_adapter_names(),
            public_postal=public_postal,
        )
    click.echo(f"Courier {code} added. Webhook URL: /webhooks/{code}. Secret:")
    click.echo(secret)


@courier_group.command("rotate-secret")
@click.argument("code")
def courier_rotate(code: str) -> None:
    """A new webhook secret; the old one keeps working for 24 hours."""
    hours = current_app.config["SECRET_ROTATION_OVERLAP_HOURS"]
    from datetime import timedelta

    with transaction() as session:
        secret = couriers.rotate_secret(session, code, now=_now(), overlap=timedelta(hours=hours))
    click.echo(f"New secret for {code}; the previous one works for {hours} more hours:")
    click.echo(secret)


@courier_group.command("list")
def courier_list() -> None:
    """Couriers with their adapters and serial ranges."""
    from tracking.models import Courier

    with transaction() as session:
        for c in session.scalars(select(Courier).order_by(Courier.code)):
            ranges = ", ".join(
                f"{r.indicator}{r.first_serial:08d}-{r.last_serial:08d} "
                f"({r.next_serial - r.first_serial}/{r.last_serial - r.first_serial + 1} used)"
                for r in c.ranges
            )
            click.echo(f"{c.code:12} {c.adapter:12} {c.name}  [{ranges or 'no S10 range'}]")


@courier_group.command("range-add")
@click.argument("code")
@click.option("--indicator", required=True, help="Two letters, e.g. EC, RR.")
@click.option("--first", type=int, required=True)
@click.option("--last", type=int, required=True)
@click.option("--country", default="VN", show_default=True)
def courier_range_add(code: str, indicator: str, first: int, last: int, country: str) -> None:
    """Add an S10 serial range allocated by the courier."""
    with transaction() as session:
        couriers.add_range(
            session, code, indicator.upper(), first, last, now=_now(), country=country.upper()
        )
    click.echo(f"Range {indicator.upper()}{first:08d}-{last:08d} added to {code}.")


@click.group("calendar", cls=AppGroup)
def calendar_group() -> None:
    """The working calendar's overrides (swapped days, extra days off)."""


@calendar_group.command("list")
@click.option("--year", type=int, default=None)
def calendar_list(year: int | None) -> None:
    with transaction() as session:
        rows = session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()
        for r in rows:
            if year is None or r.day.year == year:
                kind = "làm việc" if r.working else "nghỉ"
                click.echo(f"{r.day.isoformat()}  {kind:9} {r.reason}  [{r.source}]")


@calendar_group.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--working/--off", required=True, help="Worked (e.g. a make-up Saturday) or off.")
@click.option("--reason", required=True)
@click.option("--source", required=True, help="The decision or letter that says so.")
def calendar_set(day: datetime, working: bool, reason: str, source: str) -> None:
    """Add or change an override."""
    d: date = day.date()
    with transaction() as session:
        row = session.get(CalendarOverride, d)
        if row is None:
            session.add(CalendarOverride(day=d, working=working, reason=reason, source=source))
        else:
            row.working, row.reason, row.source = working, reason, source
        from tracking.services import audit

        audit(
            session,
            _now(),
            "cli",
            "calendar.set",
            "calendar",
            d.isoformat(),
            {"working": working, "reason": reason, "source": source},
        )
    click.echo(f"{d.isoformat()}: {'working day' if working else 'day off'} ({reason}).")


@calendar_group.command("unset")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
def calendar_unset(day: datetime) -> None:
    """Remove an override (the day follows the weekday and holiday rules again)."""
    with transaction() as session:
        row = session.get(CalendarOverride, day.date())
        if row is None:
            raise click.ClickException(f"no override on {day.date().isoformat()}")
        session.delete(row)
    click.echo(f"{day.date().isoformat()}: override removed.")


@click.command("import-procedures")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_procedures(file: Path) -> None:
    """Load procedures from CSV: code,name,department,processing_days,postal_allowed."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text") from exc
    with transaction() as session:
        counts = seed.import_procedures(session, text)
    click.echo(f"Procedures: {counts['added']} added, {counts['updated']} updated.")
