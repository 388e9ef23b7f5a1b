"""`python run.py estimate` and `transit show|set`, through click's runner and the database."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from courier.transit import default_table, table_to_dict
from tracking.models import AuditLog, TransitTableRecord

KY_SON = "X. Muong Xen, H. Ky Son, T. Nghe An"  # old form, no diacritics
WHEN = "2027-02-02T15:00"


def estimate(runner: FlaskCliRunner, *args: str):
    return runner.invoke(args=["estimate", *args])


def test_estimate_prints_a_readable_table(runner: FlaskCliRunner) -> None:
    res = estimate(runner, "--address", KY_SON, "--processing-days", "3", "--submitted-at", WHEN)
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Xã Mường Xén (16813)" in out and "234.4 km" in out
    assert "zone province+remote_mountain, table 2.5 d" in out
    assert "Fri 12/02/2027 17:00" in out  # direct_due_at
    assert "Wed 17/02/2027 17:00" in out  # due_at
    assert "Sat 20/02/2027 12:00  (p90)" in out  # delivered_by
    assert "5.5 working days" in out


def test_estimate_json_is_the_api_answer(runner: FlaskCliRunner) -> None:
    res = estimate(
        runner, "--address", KY_SON, "--processing-days", "3", "--submitted-at", WHEN, "--json"
    )
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert body["postal_adds_working_days"] == 5.5
    assert body["delivered_by"] == "2027-02-20T12:00:00+07:00"
    other = estimate(
        runner,
        *("--commune-code", "16690", "--procedure", "1.005092", "--service", "send_dossier"),
        *("--courier", "viettelpost", "--submitted-at", "2026-06-05 09:00", "--json"),
    )
    assert other.exit_code == 0, other.output
    got = json.loads(other.output)
    assert got["outbound"] is None and got["direct_due_at"] == "2026-06-05T17:00:00+07:00"


def test_estimate_errors_name_the_field(runner: FlaskCliRunner) -> None:
    cases = [
        (["--address", "Xóm 5, Kỳ Sơn, Nghệ An", "--processing-days", "3"], "(address)"),
        (["--address", "Phường Thành Sen, Hà Tĩnh", "--processing-days", "3"], "Hà Tĩnh"),
        (["--address", KY_SON, "--processing-days", "-1"], "(processing_days)"),
        (["--address", KY_SON, "--processing-days", "0.3"], "(processing_days)"),
        (["--address", KY_SON], "(processing_days)"),
        (["--address", KY_SON, "--processing-days", "1", "--courier", "dhl"], "(courier)"),
        (["--processing-days", "1"], "(address)"),
    ]
    for args, expected in cases:
        res = estimate(runner, *args)
        assert res.exit_code == 1, (args, res.output)
        assert expected in res.output, (args, res.output)


def test_transit_show_then_set_round_trips_and_changes_estimates(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    shown = runner.invoke(args=["transit", "show", "vnpost"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data == table_to_dict(default_table())
    data["outbound"]["bands"][1]["days"] = 2.5  # the rest of the province: 2.5 days
    file = tmp_path / "vnpost.json"
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = runner.invoke(args=["transit", "set", "vnpost", str(file)])
    assert res.exit_code == 0, res.output
    assert "province 2.5 d" in res.output
    again = json.loads(runner.invoke(args=["transit", "show", "vnpost"]).stdout)
    assert again["outbound"]["bands"][1]["days"] == 2.5
    row = session.scalars(select(AuditLog).where(AuditLog.action == "transit.set")).one()
    assert row.entity_id == "vnpost"
    out = estimate(runner, "--address", KY_SON, "--processing-days", "3", "--submitted-at", WHEN)
    assert "table 3.5 d" in out.output  # 2.5 + the remote surcharge


def test_transit_set_refuses_mistakes_naming_the_field(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    data = table_to_dict(default_table())
    data["inbound"]["bands"][1]["days"] = 0.5  # faster than the nearer band
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    res = runner.invoke(args=["transit", "set", "vnpost", str(file)])
    assert res.exit_code == 1 and "(inbound.bands[1].days)" in res.output, res.output
    file.write_text("{not json", encoding="utf-8")
    res = runner.invoke(args=["transit", "set", "vnpost", str(file)])
    assert res.exit_code == 1 and "not JSON" in res.output
    file.write_text("[]", encoding="utf-8")
    assert runner.invoke(args=["transit", "set", "vnpost", str(file)]).exit_code == 1
    assert runner.invoke(args=["transit", "show", "nobody"]).exit_code == 1
    stored = session.scalars(select(TransitTableRecord)).all()
    assert all(r.data == table_to_dict(default_table(r.data["courier"])) for r in stored)
