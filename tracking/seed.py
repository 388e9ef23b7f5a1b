"""Idempotent seeding of the reference data, and the procedure catalogue import."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracking import reference
from tracking.appointment import AppointmentError, half_days
from tracking.errors import ValidationFailed
from tracking.models import CalendarOverride, Center, Courier, Department, Procedure, SerialRange
from tracking.transit_data import seed_transit_tables
from tracking.workdays import OVERRIDES


def seed_reference(session: Session, now: datetime) -> dict[str, int]:
    """Insert what is missing; never overwrite what an admin changed. Returns counts added."""
    added = {"center": 0, "departments": 0, "couriers": 0, "procedures": 0, "calendar": 0}
    center = session.scalars(
        select(Center).where(Center.agency_code == reference.CENTER["agency_code"])
    ).first()
    if center is None:
        center = Center(**reference.CENTER)
        session.add(center)
        session.flush()
        added["center"] = 1
    depts = {d.code: d for d in session.scalars(select(Department))}
    for code, name in reference.DEPARTMENTS:
        if code not in depts:
            depts[code] = Department(center_id=center.id, code=code, name=name)
            session.add(depts[code])
            added["departments"] += 1
    known = set(session.scalars(select(Courier.code)))
    for c in reference.COURIERS:
        if c["code"] in known:
            continue
        courier = Courier(
            code=c["code"],
            name=c["name"],
            adapter=c["adapter"],
            public_postal=c["public_postal"],
            active=True,
            created_at=now,
        )
        session.add(courier)
        session.flush()
        for indicator, first, last in c["ranges"]:  # type: ignore[attr-defined]
            session.add(
                SerialRange(
                    courier_id=courier.id,
                    indicator=indicator,
                    country="VN",
                    first_serial=first,
                    last_serial=last,
                    next_serial=first,
                    active=True,
                )
            )
        added["couriers"] += 1
    session.flush()
    have = set(session.scalars(select(Procedure.code)))
    for code, name, dept, days, postal in reference.PROCEDURES:
        if code not in have:
            session.add(
                Procedure(
                    code=code,
                    name=name,
                    department=depts[dept],
                    processing_half_days=half_days(days),
                    postal_allowed=postal,
                )
            )
            added["procedures"] += 1
    days = set(session.scalars(select(CalendarOverride.day)))
    for o in OVERRIDES:
        if o.day not in days:
            session.add(
                CalendarOverride(day=o.day, working=o.working, reason=o.reason, source=o.source)
            )
            added["calendar"] += 1
    session.flush()
    added["transit_tables"] = seed_transit_tables(session, now)
    return added


CSV_COLUMNS = ("code", "name", "department", "processing_days", "postal_allowed")
TRUE = {"1", "true", "yes", "có", "co", "x"}
FALSE = {"0", "false", "no", "không", "khong", ""}


def import_procedures(session: Session, text: str) -> dict[str, int]:
    """Load or update procedures from CSV (header: code,name,department,processing_days,
    postal_allowed). All rows are checked first; one bad row rejects the file, naming it."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(f"the CSV lacks the column(s): {', '.join(missing)}", field="header")
    depts = {d.code: d for d in session.scalars(select(Department))}
    depts_by_name = {d.name.casefold(): d for d in depts.values()}
    rows: list[tuple[str, str, Department | None, int, bool]] = []
    for line, row in enumerate(reader, start=2):
        rows.append(_procedure_row(row, line, depts, depts_by_name))
    return _upsert_procedures(session, rows)


def _procedure_row(
    row: dict[str, str],
    line: int,
    depts: dict[str, Department],
    by_name: dict[str, Department],
) -> tuple[str, str, Department | None, int, bool]:
    code = (row.get("code") or "").strip()
    name = (row.get("name") or "").strip()
    if not code or len(code) > 64:
        raise ValidationFailed(f"line {line}: code is empty or too long", field="code")
    if not name or len(name) > 500:
        raise ValidationFailed(f"line {line}: name is empty or too long", field="name")
    dept_key = (row.get("department") or "").strip()
    dept = depts.get(dept_key) or by_name.get(dept_key.casefold())
    if dept_key and dept is None:
        raise ValidationFailed(f"line {line}: unknown department {dept_key!r}", field="department")
    try:
        hd = half_days((row.get("processing_days") or "").strip().replace(",", "."))
    except AppointmentError as exc:
        raise ValidationFailed(f"line {line}: {exc}", field="processing_days") from exc
    flag = (row.get("postal_allowed") or "").strip().casefold()
    if flag not in TRUE | FALSE:
        raise ValidationFailed(f"line {line}: postal_allowed is yes or no", field="postal_allowed")
    return code, name, dept, hd, flag in TRUE


def _upsert_procedures(
    session: Session, rows: Iterable[tuple[str, str, Department | None, int, bool]]
) -> dict[str, int]:
    existing = {p.code: p for p in session.scalars(select(Procedure))}
    counts = {"added": 0, "updated": 0}
    for code, name, dept, hd, postal in rows:
        proc = existing.get(code)
        if proc is None:
            proc = Procedure(
                code=code,
                name=name,
                department=dept,
                processing_half_days=hd,
                postal_allowed=postal,
            )
            session.add(proc)
            existing[code] = proc
            counts["added"] += 1
        else:
            proc.name, proc.department, proc.processing_half_days, proc.postal_allowed = (
                name,
                dept,
                hd,
                postal,
            )
            counts["updated"] += 1
    session.flush()
    return counts
