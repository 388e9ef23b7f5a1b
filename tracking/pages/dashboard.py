"""``/dashboard``: the center's day at a glance — today's checkpoints by event, dossiers by
status, results past their appointment, results late with the post, late handovers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, render_template

from tracking import queries, services, status
from tracking.i18n import lang
from tracking.pages.common import html_csrf_errors, page_roles
from tracking.web import db, now

bp = Blueprint("dashboard", __name__)
html_csrf_errors(bp)

# The order a journey takes, for tables that list statuses (CONTRACT.md "Checkpoints").
ORDER = ("registered", *status.EVENTS)


def _ordered(counts: dict[str, int]) -> list[dict[str, Any]]:
    here = lang()
    known = [s for s in ORDER if counts.get(s)]
    other = sorted(s for s in counts if s not in ORDER and counts[s])
    return [
        {"code": s, "label": status.label(s, here), "count": counts[s]} for s in (*known, *other)
    ]


@bp.get("/dashboard")
@page_roles("center")
def page() -> Any:
    session = db()
    at = now()
    tz = services.center_tz(services.get_center(session))
    late_hours = float(current_app.config.get("HANDOVER_LATE_HOURS") or 4)  # config, hours
    overdue_total, overdue = queries.overdue_results(session, at)
    late_total, late = queries.late_deliveries(session, at)
    today = queries.events_today(session, at, tz)
    return render_template(
        "dashboard.html",
        today=_ordered(today),
        today_total=sum(today.values()),
        registered_today=queries.registered_today(session, at, tz),
        by_status=_ordered(queries.status_counts(session)),
        overdue_total=overdue_total,
        overdue=overdue,
        late_total=late_total,
        late=late,
        handovers=queries.late_handovers(session, at, late=timedelta(hours=late_hours)),
        late_hours=late_hours,
        labels={s: status.label(s, lang()) for s in ORDER},
        at=at,
    )
