"""``/handover``: center staff hand results to the post and receive dossiers from it.

Results (``to_courier``): the list shows results due today or overdue (and any marked ready),
grouped by courier, because a handover record is signed with one courier. Staff tick or scan
the envelopes into a batch; the batch's outbound shipments are created on the way when a result
has none yet, so its labels can be printed with the manifest. The courier's worker then scans
what they take, and the confirmation shows matched, missing and unexpected items
(``tracking.handovers``). Inbound dossiers (``to_center``) are received the same way.

Everything works as plain forms; ``static/handover.js`` adds the scanning field's instant
answer (ticks the line, or warns that an item is not on the list).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from labels import s10
from labels.model import Party
from labels.render import SIZES, render_labels
from tracking import handovers, queries, services
from tracking.api_labels import label_data
from tracking.errors import Conflict, NotFound, TrackingError, Unprocessable
from tracking.models import Dossier, Shipment
from tracking.pages.common import error_page, form_text, html_csrf_errors, page_roles
from tracking.schemas import ShipmentIn
from tracking.web import db, now

bp = Blueprint("handover", __name__)
html_csrf_errors(bp)

KINDS = {
    "to_courier": _l("Results to the post"),
    "to_center": _l("Dossiers from the post"),
}
LABEL_SIZES = tuple(SIZES)
STATES = ("expected", "matched", "missing", "unexpected")  # of a handover's items
# What static/handover.js says; %(…)s placeholders are filled in the browser.
JS_MESSAGES: dict[str, Any] = {
    "ticked": _l("%(item)s ticked."),
    "again": _l("%(item)s was scanned already."),
    "not_listed": _l("%(item)s is not in this list: added below, checked when the record is made."),
    "selected": _l("%(n)s selected"),
    "in_list": _l("%(item)s is on the record."),
    "not_in_list": _l("%(item)s is NOT on the record: it will count as unexpected."),
    "seen": _l("%(seen)s of %(total)s scanned"),
}


def js_messages() -> dict[str, str]:
    return {k: str(v) for k, v in JS_MESSAGES.items()}


TRACK_URL = re.compile(r"/track/([^/?#\s]+)")
MAX_TOKENS = 2000


def tokens(*texts: str) -> list[str]:
    """What was scanned or typed: one identifier per line (or separated by spaces or commas);
    a tracking URL from a QR code counts as its code."""
    out: list[str] = []
    for text in texts:
        for raw in re.split(r"[\s,;]+", text or ""):
            if not raw:
                continue
            found = TRACK_URL.search(raw)
            token = unquote(found.group(1)) if found else raw
            out.append(s10.normalize(token) if s10.S10_RE.match(s10.normalize(token)) else token)
    return list(dict.fromkeys(out))[:MAX_TOKENS]


def _tz() -> Any:
    return services.center_tz(services.get_center(db()))


def _lists(kind: str) -> list[tuple[Any, list[queries.Row]]]:
    if kind == "to_center":
        return queries.by_courier(queries.inbound_to_receive(db()))
    return queries.by_courier(queries.results_to_hand_over(db(), now(), _tz()))


def _render_list(kind: str, *, error: str | None = None, status: int = 200, **kept: Any) -> Any:
    groups = _lists(kind)
    body = render_template(
        "handover.html",
        kind=kind,
        kinds=KINDS,
        groups=groups,
        overdue=sum(r.overdue for _c, rows in groups for r in rows),
        due_today=sum(r.due_today for _c, rows in groups for r in rows),
        recent=queries.recent_handovers(db()),
        js_messages=js_messages(),
        error=error,
        kept=kept,
    )
    return Response(body, status=status, mimetype="text/html")


@bp.get("/handover")
@page_roles("center")
def page() -> Any:
    kind = request.args.get("kind", "to_courier")
    return _render_list(kind if kind in KINDS else "to_courier")


def _item_for(session: Any, token: str, kind: str) -> str:
    """An identifier for a batch: the item itself, or a dossier code's shipment of the batch's
    direction (for results, created now when the dossier has none yet)."""
    if s10.S10_RE.match(token):
        return token
    direction = "outbound" if kind == "to_courier" else "inbound"
    dossier = services.find_dossier(session, token)
    existing = next((s for s in dossier.shipments if s.direction == direction), None)
    if existing is not None:
        return existing.item_id
    if direction == "inbound":
        raise Unprocessable(token, code="no_inbound")
    shipment, _created = services.ensure_shipment(
        session, dossier, ShipmentIn(direction="outbound"), actor=_actor(), now=now()
    )
    return shipment.item_id


def _actor() -> str:
    return f"user:{current_user.username}"


def _why(exc: TrackingError, token: str) -> str:
    """A refusal in the page's words."""
    code = getattr(exc, "code", "")
    if isinstance(exc, NotFound):
        return _("%(code)s: no such dossier or item.", code=token)
    if code == "wrong_direction":
        return _("%(code)s travels the other way: it cannot be in this batch.", code=token)
    if code == "wrong_courier":
        return _("%(code)s travels with another courier.", code=token)
    if code == "unknown_item":
        return _("%(code)s: unknown item.", code=token)
    if code == "no_inbound":
        return _("%(code)s was not sent by post.", code=token)
    if code == "serial_range_exhausted":
        return _("No item numbers left for this courier: ask the administrator.")
    return _("%(code)s could not be added.", code=token)


class Refused(Exception):
    """A batch that cannot be made, with the reason in the page's words."""


def _batch(session: Any, kind: str, courier: str, chosen: list[str]) -> int:
    items: list[str] = []
    for token in chosen:
        try:
            items.append(_item_for(session, token, kind))
        except TrackingError as exc:
            raise Refused(_why(exc, token)) from exc
    items = list(dict.fromkeys(items))
    try:
        h = handovers.create(session, kind, courier, items, actor=_actor(), now=now())
    except TrackingError as exc:
        if exc.field == "courier":
            raise Refused(_("Unknown courier.")) from exc
        index = exc.field.split(".")[1] if exc.field and exc.field.startswith("item_ids.") else ""
        raise Refused(_why(exc, items[int(index)] if index.isdigit() else "")) from exc
    return h.id


@bp.post("/handover")
@page_roles("center")
def create() -> Any:
    kind = form_text("kind", 20)
    courier = form_text("courier", 32)
    if kind not in KINDS:
        return error_page(400, _("Choose what is handed over."))
    scanned = form_text("scanned", 60_000)
    chosen = tokens(*request.form.getlist("selected"), scanned, form_text("scan", 200))
    kept = {"courier": courier, "selected": chosen, "scanned": scanned}
    if not chosen:
        msg = _("Tick or scan at least one envelope.")
        return _render_list(kind, error=msg, status=400, **kept)
    session = db()
    try:
        handover_id = _batch(session, kind, courier, chosen)
    except Refused as exc:
        session.rollback()
        return _render_list(kind, error=str(exc), status=422, **kept)
    session.commit()
    return redirect(url_for("handover.detail", handover_id=handover_id))


def _detail(handover_id: int, *, error: str | None = None, status: int = 200, **kept: Any) -> Any:
    session = db()
    h = handovers.find(session, handover_id)
    data = handovers.handover_dict(session, h, _tz(), "")
    body = render_template(
        "handover_detail.html",
        h=data,
        kinds=KINDS,
        sizes=LABEL_SIZES,
        courier_name=h.courier.name,
        counts={s: sum(1 for i in data["items"] if i["state"] == s) for s in STATES},
        error=error,
        kept=kept,
        js_messages=js_messages(),
    )
    return Response(body, status=status, mimetype="text/html")


@bp.get("/handover/<int:handover_id>")
@page_roles("center")
def detail(handover_id: int) -> Any:
    try:
        return _detail(handover_id)
    except NotFound:
        return error_page(404, _("There is no handover %(id)s.", id=handover_id))


@bp.post("/handover/<int:handover_id>/confirm")
@page_roles("center")
def confirm(handover_id: int) -> Any:
    received_by = form_text("received_by", 200)
    scanned_text = form_text("scanned", 60_000)
    kept = {"received_by": received_by, "scanned": scanned_text}
    session = db()
    try:
        h = handovers.find(session, handover_id)
    except NotFound:
        return error_page(404, _("There is no handover %(id)s.", id=handover_id))
    scanned = [t[:40] for t in tokens(scanned_text, form_text("scan", 200))]
    # A dossier code scanned from a receipt stands for its item in this batch.
    mapped = _codes_to_items(session, scanned, h.kind)
    if not received_by:
        msg = _("Write the name of the person who receives the items.")
        return _detail(handover_id, error=msg, status=400, **kept)
    try:
        handovers.confirm(session, handover_id, mapped, received_by, actor=_actor(), now=now())
    except Conflict:
        session.rollback()
        return _detail(handover_id, error=_("This handover was confirmed already."), status=409)
    session.commit()
    return redirect(url_for("handover.detail", handover_id=handover_id))


def _codes_to_items(session: Any, scanned: list[str], kind: str) -> list[str]:
    codes = [t for t in scanned if not s10.S10_RE.match(t)]
    if not codes:
        return scanned
    direction = "outbound" if kind == "to_courier" else "inbound"
    found = dict(
        session.execute(
            select(Dossier.code, Shipment.item_id)
            .join(Shipment)
            .where(Dossier.code.in_(codes), Shipment.direction == direction)
        ).all()
    )
    return [found.get(t, t) for t in scanned]


@bp.get("/handover/<int:handover_id>/labels.pdf")
@page_roles("center")
def labels_pdf(handover_id: int) -> Any:
    """Every label of the batch in one PDF (the items that were on the list)."""
    size = request.args.get("size", "100x150").lower()
    if size not in SIZES:
        return error_page(400, _("Unknown label size."))
    session = db()
    try:
        h = handovers.find(session, handover_id)
    except NotFound:
        return error_page(404, _("There is no handover %(id)s.", id=handover_id))
    ids = [it.shipment_id for it in h.items if it.shipment_id and it.state != "unexpected"]
    shipments = session.scalars(
        select(Shipment)
        .where(Shipment.id.in_(ids))
        .options(
            selectinload(Shipment.courier),
            selectinload(Shipment.dossier).options(
                selectinload(Dossier.applicant), selectinload(Dossier.procedure)
            ),
        )
        .order_by(Shipment.id)
    ).all()
    center = services.get_center(session)
    party = Party(center.name, (center.address,), center.phone)
    tz, base = services.center_tz(center), str(current_app.config["PUBLIC_BASE_URL"])
    pdf = render_labels([label_data(s, party, tz, base) for s in shipments], size)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="handover-{h.id}-labels.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
