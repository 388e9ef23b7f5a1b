"""Commands of the estimates: ``estimate`` (what the post adds, as a readable table) and
``transit show|set`` (a courier's service-level table as JSON, edited by an admin).

``transit show COURIER > t.json``, edit, ``transit set COURIER t.json``: the JSON is the form of
``courier.transit.table_to_dict``; a mistake is refused with the field that is wrong
(``inbound.bands[1].days: ...``) and nothing is stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from courier.transit import table_to_dict
from tracking import estimating, services, transit_data
from tracking.appointment import CENTER_TZ
from tracking.estimate import Estimate

SERVICES = ("send_dossier", "receive_result", "both")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _t(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = value.astimezone(CENTER_TZ)
    return f"{WEEKDAYS[local.weekday()]} {local:%d/%m/%Y %H:%M}"


def _rows(est: Estimate, query: estimating.EstimateQuery, courier: str) -> list[tuple[str, str]]:
    c = est.commune
    rows = [
        ("commune", f"{c.name} ({c.code}), {c.lat:.4f} N {c.lon:.4f} E"),
        ("distance", f"{est.distance_km:.1f} km by road from the center"),
        ("service", query.service),
        ("courier", courier),
    ]
    for direction, lane in est.lanes.items():
        source = lane.source if lane.source == "table" else f"{lane.source}, learned"
        rows.append(
            (
                f"{direction} lane",
                f"zone {lane.zone.name}, table {lane.table_days:g} d; "
                f"p50 {lane.p50_days:.2f} d, p90 {lane.p90_days:.2f} d ({source}; "
                f"{lane.n_commune} commune / {lane.n_zone} zone observations)",
            )
        )
    rows.append(("direct_due_at", f"{_t(est.direct_due_at)}  (brought to the center)"))
    if est.inbound:
        i = est.inbound
        rows += [
            ("picked_up_at", _t(i.picked_up_at)),
            ("expected_at_center", f"{_t(i.expected_at_center)}  (p50)"),
            ("inbound p90", _t(i.p90_at)),
        ]
    rows.append(("due_at", _t(est.due_at)))
    if est.outbound:
        o = est.outbound
        rows += [
            ("handed_to_courier_at", _t(o.handed_to_courier_at)),
            ("outbound p50", _t(o.p50_at)),
        ]
    rows += [
        ("delivered_by", f"{_t(est.delivered_by)}  (p90)" if est.delivered_by else "—"),
        ("postal adds", f"{est.postal_adds_working_days:g} working days"),
    ]
    return rows


@click.command("estimate")
@with_appcontext
@click.option("--address", help="The address as the citizen writes it.")
@click.option("--commune-code", help="A 2025 commune code instead of an address.")
@click.option("--processing-days", type=float, help="Processing time (steps of 0.5).")
@click.option("--procedure", "procedure_code", help="A procedure code of the catalogue instead.")
@click.option("--service", type=click.Choice(SERVICES), default="both", show_default=True)
@click.option("--courier", default=None, help="Courier code (default: DEFAULT_COURIER).")
@click.option(
    "--submitted-at",
    type=click.DateTime(
        ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    ),
    default=None,
    help="When the post collects the dossier (default now; no offset: Asia/Ho_Chi_Minh).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead.")
def estimate_command(as_json: bool, **options: Any) -> None:
    """What postal transit adds to the appointment (the same as POST /api/v1/estimate)."""
    from tracking.cli import _now, transaction

    query = estimating.EstimateQuery(**options)
    config = current_app.config
    courier = query.courier or config["DEFAULT_COURIER"]
    with transaction() as session:
        est = estimating.estimate_request(
            session,
            query,
            _now(),
            default_courier=config["DEFAULT_COURIER"],
            settings=estimating.EstimateSettings.from_config(config),
        )
        session.rollback()  # an estimate writes nothing
    if as_json:
        click.echo(json.dumps(est.to_dict(), ensure_ascii=False, indent=2))
        return
    rows = _rows(est, query, courier)
    width = max(len(k) for k, _ in rows)
    if query.address:
        click.echo(f"Estimate for {query.address!r}")
    for key, value in rows:
        click.echo(f"  {key:<{width}}  {value}")


@click.group("transit", cls=AppGroup)
def transit_group() -> None:
    """Couriers' service-level tables (transit days by zone), as JSON."""


@transit_group.command("show")
@click.argument("courier")
@click.option("--service-level", default=transit_data.SERVICE_LEVEL, show_default=True)
def transit_show(courier: str, service_level: str) -> None:
    """Print the table in effect (JSON, fit for `transit set`)."""
    from tracking.cli import transaction

    with transaction() as session:
        c = services.get_courier(session, courier)
        stored = transit_data.table_record(session, c, service_level) is not None
        table = transit_data.load_table(session, c, service_level)
    if not stored:
        click.echo(f"(no table stored for {courier}: the defaults)", err=True)
    click.echo(json.dumps(table_to_dict(table), ensure_ascii=False, indent=2))


@transit_group.command("set")
@click.argument("courier")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--service-level", default=transit_data.SERVICE_LEVEL, show_default=True)
def transit_set(courier: str, file: Path, service_level: str) -> None:
    """Replace the table from a JSON file; a mistake is refused naming its field."""
    from tracking.cli import _now, transaction

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{file} is not JSON text: {exc}") from exc
    with transaction() as session:
        c = services.get_courier(session, courier)
        table = transit_data.save_table(
            session, c, data, now=_now(), actor="cli", service_level=service_level
        )
    zones = ", ".join(f"{b.name} {b.days:g} d" for b in table.outbound.bands)
    click.echo(f"Transit table of {courier} ({service_level}) saved: outbound {zones}.")


COMMANDS = (estimate_command, transit_group)
