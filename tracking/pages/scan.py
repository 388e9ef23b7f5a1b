"""``/scan``: postal staff record checkpoints item after item.

The page is built for a handheld scanner that types the identifier and presses Enter, and for a
phone: one always-focused field, an answer at once (a green, amber or red line and a beep), the
dossier and the recipient's commune, and the running list of the session's scans. With
JavaScript (``static/scan.js``) each scan is a ``fetch`` to ``POST /api/v1/scans`` with the
login's CSRF token; without it the same form posts here and gets the same answer after a
redirect. Either way the one write path (``tracking.checkpoints.record_checkpoint``) decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, redirect, render_template, session, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from labels import s10
from tracking import services, status
from tracking.checkpoints import CheckpointIn, RuleBroken, record_checkpoint
from tracking.errors import NotFound, TrackingError
from tracking.i18n import lang
from tracking.models import Checkpoint, Shipment
from tracking.pages.common import form_text, html_csrf_errors, page_roles
from tracking.web import db, now

bp = Blueprint("scan", __name__)
html_csrf_errors(bp)

# The checkpoints a postal worker records, in the order of a journey (CONTRACT.md "Checkpoints";
# the role rule itself is tracking.status.ROLE_EVENTS).
SCAN_EVENTS: tuple[str, ...] = (
    "picked_up",
    "at_post_office",
    "in_transit",
    "handed_to_center",
    "out_for_delivery",
    "delivered",
    "delivery_failed",
    "returned",
)
HINTS = {
    "picked_up": _l("dossier collected from the citizen"),
    "handed_to_center": _l("dossier given to the center"),
    "out_for_delivery": _l("result on the round today"),
    "delivered": _l("result given to the citizen"),
    "delivery_failed": _l("give the reason"),
    "returned": _l("result back to the center"),
}
# Why a delivery fails (Postal Law 2010, Art. 17: undeliverable items).
REASONS: dict[str, Any] = {
    "wrong_address": _l("Address missing or wrong"),
    "moved": _l("Recipient has moved"),
    "not_found": _l("Recipient not found at the address"),
    "refused": _l("Recipient refused the item"),
    "not_collected": _l("Invited twice, not collected"),
    "other": _l("Other reason (write it below)"),
}
# What each answer says; {…} placeholders are filled here and by scan.js alike.
MESSAGES: dict[str, Any] = {
    "ok": _l("%(item)s: “%(event)s” recorded."),
    "duplicate": _l("%(item)s was already scanned a moment ago: not counted twice."),
    "flagged": _l("%(item)s: recorded, but held for review (it does not fit the item's journey)."),
    "unknown": _l("%(item)s: unknown item, not in the system. Check the number."),
    "wrong_direction": _l("%(item)s: wrong direction, “%(event)s” does not happen to this item."),
    "invalid_item": _l("“%(item)s” is not an item number (like EC123456785VN)."),
    "forbidden": _l("Your role may not record “%(event)s”."),
    "reason_needed": _l("Choose why the delivery failed."),
    "login": _l("Your login has expired: log in again, then scan again."),
    "network": _l("No answer from the server: the scan was NOT recorded. Scan it again."),
    "error": _l("The scan was not recorded (%(status)s)."),
    "dossier": _l("Dossier"),
    "commune": _l("Commune"),
    "camera_off": _l("The camera could not be opened."),
    "location_on": _l("Location attached to scans."),
    "location_off": _l("Location not attached (not allowed or not available)."),
}
RECENT = 30


def _events() -> list[dict[str, Any]]:
    here = lang()
    return [{"code": e, "label": status.label(e, here), "hint": HINTS.get(e)} for e in SCAN_EVENTS]


def _reason_note(code: str, text: str) -> str:
    """The note stored with a failed delivery: the reason in Vietnamese (the center's records)
    whatever the page's language, then what the worker wrote."""
    with force_locale("vi"):
        words = str(REASONS[code]) if code in REASONS and code != "other" else ""
    return " – ".join(p for p in (words, text) if p)


def _recent(username: str, at: datetime, tz: Any) -> list[dict[str, Any]]:
    """This user's scans of the last hours, newest first (the list after a reload)."""
    since = at - timedelta(hours=12)
    rows = db().scalars(
        select(Checkpoint)
        .where(
            Checkpoint.event.in_(SCAN_EVENTS),
            Checkpoint.occurred_at >= since,
            Checkpoint.source == "scan",
            Checkpoint.actor == f"user:{username}",
        )
        .options(selectinload(Checkpoint.shipment).selectinload(Shipment.dossier))
        .order_by(Checkpoint.recorded_at.desc(), Checkpoint.id.desc())
        .limit(RECENT)
    )
    here = lang()
    return [
        {
            "kind": "warn" if c.flagged else "ok",
            "item": c.shipment.item_id,
            "event": status.label(c.event, here),
            "dossier": c.shipment.dossier.code,
            "commune": c.shipment.dossier.commune_name,
            "at": c.occurred_at.astimezone(tz).strftime("%H:%M"),
        }
        for c in rows
    ]


@bp.get("/scan")
@page_roles("postal")
def page() -> Any:
    session_db = db()
    tz = services.center_tz(services.get_center(session_db))
    prefs = session.get("scan_prefs", {})
    return render_template(
        "scan.html",
        events=_events(),
        reasons=REASONS,
        notes={code: _reason_note(code, "") for code in REASONS},
        messages={k: str(v) for k, v in MESSAGES.items()},
        chosen=prefs.get("event", SCAN_EVENTS[0]),
        location=prefs.get("location", ""),
        reason=prefs.get("reason", ""),
        last=session.pop("scan_last", None),
        recent=_recent(current_user.username, now(), tz),
    )


def _answer(kind: str, key: str, **values: Any) -> dict[str, Any]:
    return {"kind": kind, "text": str(MESSAGES[key] % values) if values else str(MESSAGES[key])}


@bp.post("/scan")
@page_roles("postal")
def submit() -> Any:
    """The form without JavaScript: record, remember the choices, show the answer."""
    event = form_text("event", 40)
    typed = form_text("item_id", 60)
    reason = form_text("reason", 40)
    location = form_text("location", 255)
    note = form_text("note", 900)
    session["scan_prefs"] = {"event": event, "location": location, "reason": reason}
    session["scan_last"] = _record(event, typed, reason, location, note)
    return redirect(url_for("scan.page"))


def _record(event: str, typed: str, reason: str, location: str, note: str) -> dict[str, Any]:
    item = s10.normalize(typed)
    label = status.label(event, lang())
    if event not in SCAN_EVENTS:
        return _answer("err", "error", status=400)
    if not status.allowed_for_role(current_user.role, event):
        return _answer("err", "forbidden", event=label)
    if not s10.S10_RE.match(item):
        return _answer("err", "invalid_item", item=typed or "–")
    if event == "delivery_failed" and reason not in REASONS:
        return _answer("err", "reason_needed")
    session_db = db()
    at = now()
    tz = services.center_tz(services.get_center(session_db))
    try:
        rec = record_checkpoint(
            session_db,
            CheckpointIn(
                item_id=item,
                event=event,
                occurred_at=at,
                source="scan",
                actor=f"user:{current_user.username}",
                location_name=location or None,
                note=(_reason_note(reason, note) if event == "delivery_failed" else note) or None,
            ),
            now=at,
            strict=True,
        )
    except NotFound:
        session_db.rollback()
        return _answer("err", "unknown", item=item)
    except RuleBroken:
        session_db.rollback()
        return _answer("err", "wrong_direction", item=item, event=label)
    except TrackingError as exc:
        session_db.rollback()
        return _answer("err", "error", status=exc.status)
    session_db.commit()
    dossier = rec.checkpoint.shipment.dossier
    if not rec.created:
        out = _answer("warn", "duplicate", item=item)
    elif rec.checkpoint.flagged:
        out = _answer("warn", "flagged", item=item)
    else:
        out = _answer("ok", "ok", item=item, event=label)
    out.update(
        item=item,
        event=label,
        dossier=dossier.code,
        commune=dossier.commune_name,
        at=rec.checkpoint.occurred_at.astimezone(tz).strftime("%H:%M"),
    )
    return out
