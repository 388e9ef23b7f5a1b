"""``/dossiers/new``: center staff register a dossier, see the estimate first, print the receipt.

The form has the contract's fields (CONTRACT.md "Dossiers and shipments"). Each field is
checked here first, with a message in the page's language next to the field and everything the
user typed kept; the same values then go through ``DossierIn`` and ``register_dossier``, whose
refusals (an address outside the province, a duplicate code) are shown the same way. The
estimate (what postal transit adds) appears before saving: ``static/dossier.js`` asks
``POST /api/v1/estimate`` as the user types; without JavaScript the "Estimate" button asks the
same service and shows the form again with it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from tracking import estimating, services, status
from tracking.errors import NotFound, TrackingError
from tracking.i18n import lang
from tracking.models import Courier, Procedure
from tracking.pages.common import error_page, form_text, html_csrf_errors, page_roles
from tracking.schemas import PHONE_RE, DossierIn
from tracking.web import db, now, parse

bp = Blueprint("dossiers", __name__)
html_csrf_errors(bp)

SERVICES = ("send_dossier", "receive_result", "both")
FIELDS = (
    "procedure_code",
    "processing_days",
    "applicant_name",
    "applicant_phone",
    "applicant_address",
    "applicant_id_number",
    "service",
    "courier",
    "submitted_at",
    "code",
)
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,63}$")
# What static/dossier.js says; %(…)s placeholders are filled in the browser.
JS_MESSAGES: dict[str, Any] = {
    "commune": _l("Commune"),
    "km": _l("%(km)s km from the center"),
    "at_center": _l("Dossier at the center by"),
    "due": _l("Appointment"),
    "delivered_by": _l("Result at the citizen's address by"),
    "direct": _l("At the counter it would be"),
    "adds": _l("Postal transit adds"),
    "days": _l("%(days)s working days"),
    "waiting": _l("Calculating…"),
    "cannot": _l("No estimate yet: %(why)s"),
    "address": _l("the address could not be placed: write the commune and the province."),
    "outside": _l("the address is outside the province."),
    "other": _l("check the fields."),
}
# The API's field paths → the form's field names.
API_FIELDS = {
    "applicant.name": "applicant_name",
    "applicant.phone": "applicant_phone",
    "applicant.address": "applicant_address",
    "applicant.id_number": "applicant_id_number",
    "address": "applicant_address",
}


def _typed() -> dict[str, str]:
    return {name: form_text(name, 600) for name in FIELDS}


def check(form: dict[str, str]) -> dict[str, str]:
    """Field → message for everything wrong in the form (empty when all is well)."""
    errors: dict[str, str] = {}
    if not form["applicant_name"]:
        errors["applicant_name"] = _("Write the applicant's full name.")
    elif len(form["applicant_name"]) > 200:
        errors["applicant_name"] = _("A name has at most 200 characters.")
    digits = re.sub(r"[\s.\-()]", "", form["applicant_phone"])
    if not digits:
        errors["applicant_phone"] = _("Write a phone number the post can call.")
    elif not PHONE_RE.match(digits):
        errors["applicant_phone"] = _("A phone number has 8 to 15 digits, like 0912 345 678.")
    if len(form["applicant_address"]) < 3:
        errors["applicant_address"] = _("Write the address: house, village, commune, province.")
    elif len(form["applicant_address"]) > 500:
        errors["applicant_address"] = _("An address has at most 500 characters.")
    if form["applicant_id_number"] and not re.fullmatch(r"\d{9,12}", form["applicant_id_number"]):
        errors["applicant_id_number"] = _("An identity number has 9 to 12 digits.")
    if form["service"] not in SERVICES:
        errors["service"] = _("Choose what the post does.")
    if not form["procedure_code"] and not form["processing_days"]:
        errors["procedure_code"] = _("Choose the procedure, or give the processing days.")
    if form["processing_days"]:
        days = _number(form["processing_days"])
        if days is None or not 0 <= days <= 365 or (days * 2) % 1:
            errors["processing_days"] = _("Processing days: a number like 3 or 2.5, at most 365.")
    if form["submitted_at"] and _when(form["submitted_at"]) is None:
        errors["submitted_at"] = _("Give the date and time like 28/11/2026 09:30.")
    if form["code"] and not CODE_RE.match(form["code"]):
        errors["code"] = _("A code has 3 to 64 letters, digits and . _ / -")
    return errors


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _when(text: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _body(form: dict[str, str]) -> dict[str, Any]:
    """The API's body from a checked form (no field the user left empty)."""
    body: dict[str, Any] = {
        "service": form["service"],
        "applicant": {
            "name": form["applicant_name"],
            "phone": form["applicant_phone"],
            "address": form["applicant_address"],
        },
    }
    if form["applicant_id_number"]:
        body["applicant"]["id_number"] = form["applicant_id_number"]
    if form["procedure_code"]:
        body["procedure_code"] = form["procedure_code"]
    else:
        body["processing_days"] = _number(form["processing_days"])
    if form["courier"]:
        body["courier"] = form["courier"]
    if form["submitted_at"]:
        body["submitted_at"] = _when(form["submitted_at"])
    if form["code"]:
        body["code"] = form["code"]
    return body


def _refusal(exc: TrackingError) -> tuple[str, str]:
    """A service's refusal → (form field, message in the page's words)."""
    field = API_FIELDS.get(exc.field or "", exc.field or "")
    code = exc.code
    if code == "outside_province":
        return field, _("This address is outside the province: the center serves Nghệ An only.")
    if code in ("address_not_placed", "not_estimable"):
        return field or "applicant_address", _(
            "This address could not be placed on the map: write the commune (xã or phường) "
            "and the province."
        )
    if code == "unknown_procedure":
        return "procedure_code", _("This procedure is not in the catalogue.")
    if code == "postal_not_allowed":
        return "procedure_code", _("This procedure cannot be done by post.")
    if code == "duplicate":
        return "code", _("A dossier with this code exists already.")
    if code == "unknown_courier":
        return "courier", _("Choose a courier from the list.")
    if code == "serial_range_exhausted":
        return "courier", _("This courier has no item numbers left: ask the administrator.")
    if field == "submitted_at":
        return field, _("The time cannot be in the future or before 2000.")
    return field or "form", _("This value is not accepted (%(detail)s).", detail=exc.message)


def _choices() -> dict[str, Any]:
    session = db()
    return {
        "procedures": session.scalars(
            select(Procedure).where(Procedure.postal_allowed.is_(True)).order_by(Procedure.name)
        ).all(),
        "couriers": session.scalars(
            select(Courier).where(Courier.active.is_(True)).order_by(Courier.id)
        ).all(),
    }


def _form(
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    estimate: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    body = render_template(
        "dossier_new.html",
        form=form,
        errors=errors or {},
        estimate=estimate,
        services=SERVICES,
        default_courier=current_app.config["DEFAULT_COURIER"],
        js_messages={k: str(v) for k, v in JS_MESSAGES.items()},
        **_choices(),
    )
    return Response(body, status=status_code, mimetype="text/html")


@bp.get("/dossiers/new")
@page_roles("center")
def new() -> Any:
    form = dict.fromkeys(FIELDS, "")
    form["service"] = "both"
    return _form(form)


def _estimate(form: dict[str, str]) -> dict[str, Any]:
    body = _body(form)
    query = estimating.EstimateQuery(
        service=body["service"],
        address=body["applicant"]["address"],
        processing_days=body.get("processing_days"),
        procedure_code=body.get("procedure_code"),
        courier=body.get("courier"),
        submitted_at=body.get("submitted_at"),
    )
    return estimating.estimate_request(
        db(),
        query,
        now(),
        default_courier=current_app.config["DEFAULT_COURIER"],
        settings=estimating.EstimateSettings.from_config(current_app.config),
    ).to_dict()


@bp.post("/dossiers/new")
@page_roles("center")
def create() -> Any:
    form = _typed()
    errors = check(form)
    if errors:
        return _form(form, errors, status_code=400)
    session = db()
    if request.form.get("action") == "estimate":
        try:
            return _form(form, estimate=_estimate(form))
        except TrackingError as exc:
            session.rollback()
            field, message = _refusal(exc)
            return _form(form, {field: message}, status_code=exc.status)
    try:
        data = parse(DossierIn, _body(form))
        dossier = services.register_dossier(
            session,
            data,
            actor=f"user:{current_user.username}",
            now=now(),
            default_courier=current_app.config["DEFAULT_COURIER"],
            session_hours=current_app.config.get("SESSION_HOURS"),
        )
    except TrackingError as exc:
        session.rollback()
        field, message = _refusal(exc)
        return _form(form, {field: message}, status_code=exc.status)
    session.commit()
    return redirect(url_for("dossiers.show", code=dossier.code, new=1))


@bp.get("/dossiers/<path:code>")
@page_roles("center")
def show(code: str) -> Any:
    session = db()
    try:
        dossier = services.find_dossier(session, code)
    except NotFound:
        return error_page(404, _("There is no dossier %(code)s.", code=code))
    tz = services.center_tz(services.get_center(session))
    here = lang()
    timeline = services.timeline(list(dossier.shipments), tz, here)
    return render_template(
        "dossier_show.html",
        d=services.dossier_dict(dossier, tz, ""),
        status_label=status.label(dossier.status, here),
        timeline=timeline,
        just_registered=request.args.get("new") == "1",
    )
