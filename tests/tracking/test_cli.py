"""The product's commands, through click's runner and the real database."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracking import couriers
from tracking.models import CalendarOverride, Courier, Procedure, SerialRange
from tracking.seed import seed_reference


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_courier_add_prints_a_standard_webhooks_secret(
    runner: FlaskCliRunner, session: Session
) -> None:
    res = runner.invoke(args=["courier", "add", "ghn", "--name", "Giao Hàng Nhanh"])
    assert res.exit_code == 0, res.output
    secret = last_line(res.output)
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    c = session.scalars(select(Courier).where(Courier.code == "ghn")).one()
    assert c.adapter == "generic" and c.name == "Giao Hàng Nhanh"
    assert couriers.valid_secrets(c, datetime.now(UTC)) == [secret]


def test_courier_add_refuses_bad_input(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["courier", "add", "vnpost", "--name", "x"]).exit_code == 1
    bad = runner.invoke(args=["courier", "add", "Bad Code", "--name", "x"])
    assert bad.exit_code == 1 and "courier code" in bad.output
    unknown = runner.invoke(args=["courier", "add", "abc", "--name", "x", "--adapter", "nope"])
    assert unknown.exit_code == 1 and "adapter is one of" in unknown.output


def test_rotate_secret_keeps_the_old_one_for_24_hours(
    runner: FlaskCliRunner, session: Session
) -> None:
    old = last_line(runner.invoke(args=["courier", "add", "ghn", "--name", "GHN"]).output)
    res = runner.invoke(args=["courier", "rotate-secret", "ghn"])
    assert res.exit_code == 0, res.output
    new = last_line(res.output)
    assert new.startswith("whsec_") and new != old
    c = session.scalars(select(Courier).where(Courier.code == "ghn")).one()
    now = datetime.now(UTC)
    assert set(couriers.valid_secrets(c, now)) == {old, new}
    assert set(couriers.valid_secrets(c, now + timedelta(hours=23))) == {old, new}
    assert couriers.valid_secrets(c, now + timedelta(hours=25)) == [new]
    missing = runner.invoke(args=["courier", "rotate-secret", "nobody"])
    assert missing.exit_code == 1 and "no courier" in missing.output


def test_serial_ranges_do_not_overlap(runner: FlaskCliRunner, session: Session) -> None:
    ok = runner.invoke(
        args=[
            "courier",
            "range-add",
            "vnpost",
            "--indicator",
            "rr",
            "--first",
            "100",
            "--last",
            "199",
        ]
    )
    assert ok.exit_code == 0, ok.output
    clash = runner.invoke(
        args=[
            "courier",
            "range-add",
            "viettelpost",
            "--indicator",
            "RR",
            "--first",
            "150",
            "--last",
            "250",
        ]
    )
    assert clash.exit_code == 1 and "overlaps" in clash.output
    bad = runner.invoke(
        args=["courier", "range-add", "vnpost", "--indicator", "R1", "--first", "1", "--last", "2"]
    )
    assert bad.exit_code == 1
    assert session.scalar(select(func.count()).select_from(SerialRange)) == 3
    listing = runner.invoke(args=["courier", "list"])
    assert "RR00000100-00000199 (0/100 used)" in listing.output


def test_import_procedures(runner: FlaskCliRunner, session: Session, tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text(
        "\ufeffcode,name,department,processing_days,postal_allowed\n"
        '9.000001,Cấp giấy phép thử nghiệm,STP,"2,5",có\n'
        "1.002767,Cấp Phiếu lý lịch tư pháp (sửa),Sở Tư pháp,9,yes\n",
        encoding="utf-8",
    )
    res = runner.invoke(args=["import-procedures", str(f)])
    assert res.exit_code == 0, res.output
    assert "1 added, 1 updated" in res.output
    p = session.scalars(select(Procedure).where(Procedure.code == "9.000001")).one()
    assert p.processing_half_days == 5 and p.postal_allowed and p.department.code == "STP"


def test_import_procedures_rejects_a_bad_file_whole(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    before = session.scalar(select(func.count()).select_from(Procedure))
    f = tmp_path / "p.csv"
    f.write_text(
        "code,name,department,processing_days,postal_allowed\n"
        "9.000001,Ok,STP,1,yes\n9.000002,Bad,STP,0.3,yes\n",
        encoding="utf-8",
    )
    res = runner.invoke(args=["import-procedures", str(f)])
    assert res.exit_code == 1 and "line 3" in res.output
    f.write_text("code,name\n1,x\n", encoding="utf-8")
    assert "lacks the column" in runner.invoke(args=["import-procedures", str(f)]).output
    f.write_bytes(b"\xff\xfe\x00bad")
    assert "not UTF-8" in runner.invoke(args=["import-procedures", str(f)]).output
    assert session.scalar(select(func.count()).select_from(Procedure)) == before


def test_calendar_commands(runner: FlaskCliRunner, session: Session) -> None:
    listing = runner.invoke(args=["calendar", "list", "--year", "2026"])
    assert "2026-01-10  làm việc" in listing.output
    res = runner.invoke(
        args=[
            "calendar",
            "set",
            "2027-02-13",
            "--working",
            "--reason",
            "Làm bù Tết 2027",
            "--source",
            "CV giả định",
        ]
    )
    assert res.exit_code == 0, res.output
    row = session.get(CalendarOverride, date(2027, 2, 13))
    assert row is not None and row.working
    assert runner.invoke(args=["calendar", "unset", "2027-02-13"]).exit_code == 0
    assert runner.invoke(args=["calendar", "unset", "2027-02-13"]).exit_code == 1
    assert (
        runner.invoke(
            args=["calendar", "set", "2027-13-01", "--off", "--reason", "x", "--source", "y"]
        ).exit_code
        == 2
    )


def test_seeding_is_idempotent_and_keeps_admin_changes(session: Session) -> None:
    row = session.get(CalendarOverride, date(2026, 1, 10))
    assert row is not None
    row.reason = "sửa bởi quản trị"
    session.commit()
    added = seed_reference(session, datetime.now(UTC))
    session.commit()
    assert set(added.values()) == {0}
    assert session.get(CalendarOverride, date(2026, 1, 10)).reason == "sửa bởi quản trị"
    assert session.scalar(select(func.count()).select_from(Procedure)) >= 20
