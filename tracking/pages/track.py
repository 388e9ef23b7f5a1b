"""``/track`` and ``/track/{code}``: citizens follow their dossier, by its code or by the item
number on the envelope (the QR code of every label and receipt opens this page directly).

No login, no JavaScript needed, and nothing personal but the masked name (``tracking.public``).
An unknown code gets a friendly page with the search form again (404), and counts against the
rate limit of misses (``tracking.ratelimit``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from tracking import public, services
from tracking.errors import NotFound
from tracking.i18n import lang
from tracking.pages.common import html_csrf_errors
from tracking.ratelimit import track_limit, track_miss_limit
from tracking.web import db

bp = Blueprint("track", __name__)
html_csrf_errors(bp)

# The status in plain words: what it means for the citizen, and what happens next.
# (direction, status) first, then the status alone.
EXPLAIN: dict[tuple[str, str] | str, Any] = {
    "registered": _l("Your dossier is registered. Nothing has moved yet."),
    "label_created": _l("Your dossier is registered. Nothing has moved yet."),
    "picked_up": _l("The post has collected your dossier and is taking it to the center."),
    ("inbound", "at_post_office"): _l(
        "Your dossier is at a post office, on its way to the center."
    ),
    ("inbound", "in_transit"): _l("Your dossier is on its way to the center."),
    "handed_to_center": _l("The post has handed your dossier to the center, which checks it now."),
    "received_by_center": _l(
        "The center has received your dossier and is processing it. The appointment date "
        "counts from this moment."
    ),
    "result_ready": _l("Your result is ready and will be handed to the post."),
    "handed_to_courier": _l("The center has handed your result to the post for delivery."),
    ("outbound", "at_post_office"): _l("Your result is at a post office, on its way to you."),
    ("outbound", "in_transit"): _l("Your result is on its way to you."),
    "out_for_delivery": _l("A postal worker is bringing your result to you today."),
    "delivered": _l("Your result has been delivered."),
    "delivery_failed": _l(
        "The post could not deliver your result. It will try again or invite you to collect "
        "it at the post office; you can call your post office."
    ),
    "returned": _l("Your result went back to the center. Please contact the center."),
    "cancelled": _l("This dossier was cancelled."),
}
SERVICE_NAMES = {
    "send_dossier": _l("The post carries your dossier to the center."),
    "receive_result": _l("The post brings your result to you."),
    "both": _l("The post carries your dossier to the center and brings the result back."),
}


def explain(direction: str, code: str) -> Any:
    return EXPLAIN.get((direction, code)) or EXPLAIN.get(code, "")


@bp.get("/track")
def form() -> Any:
    asked = request.args.get("code", "").strip()
    if asked:
        return redirect(url_for("track.show", code=asked))
    return render_template("track_form.html")


@bp.get("/track/<path:code>")
@track_limit
@track_miss_limit
def show(code: str) -> Any:
    session = db()
    try:
        dossier = public.find_public(session, code)
    except NotFound:
        body = render_template("track_unknown.html", code=code[: public.MAX_CODE])
        return Response(body, status=404, mimetype="text/html")
    tz = services.center_tz(services.get_center(session))
    view = public.track_page(dossier, tz, lang())
    body = render_template(
        "track.html",
        t=view,
        asked=code,
        explanation=explain(view["direction"], view["status"]),
        service_text=SERVICE_NAMES.get(view["service"], ""),
    )
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
