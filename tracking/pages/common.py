"""What the pages share: who may open which page, the navigation, HTML answers for refusals.

A staff page declares the roles that may use it with ``@page_roles(...)`` (admin may use all):
a visitor who is not logged in goes to the login form and comes back; a logged-in user of
another role gets a 403 page that says which staff the page is for. The navigation shows each
role only the pages it may open.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

F = TypeVar("F", bound=Callable[..., Any])

ROLE_NAMES = {
    "admin": _l("administrator"),
    "center": _l("center staff"),
    "postal": _l("postal staff"),
}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # lazy strings: translated when shown
    blurb: Any
    roles: tuple[str, ...] | None  # None: everybody, also without login


NAV: tuple[NavItem, ...] = (
    NavItem(
        "scan.page",
        _l("Scan"),
        _l("Record pick-ups, arrivals and deliveries, item after item."),
        ("postal",),
    ),
    NavItem(
        "handover.page",
        _l("Handover"),
        _l("Hand results to the post, receive dossiers from it."),
        ("center",),
    ),
    NavItem(
        "dossiers.new",
        _l("New dossier"),
        _l("Register a dossier, see the expected dates, print the receipt."),
        ("center",),
    ),
    NavItem(
        "dashboard.page",
        _l("Dashboard"),
        _l("Today's figures, overdue results, late handovers."),
        ("center",),
    ),
    NavItem(
        "track.form",
        _l("Track a dossier"),
        _l("Follow a dossier with its code or the number on the envelope."),
        None,
    ),
)


def may_open(roles: tuple[str, ...] | None) -> bool:
    if roles is None:
        return True
    if not current_user.is_authenticated:
        return False
    return current_user.role == "admin" or current_user.role in roles


def nav_items() -> list[dict[str, Any]]:
    here = request.endpoint or ""
    return [
        {
            "url": url_for(item.endpoint),
            "label": item.label,
            "blurb": item.blurb,
            "current": here.split(".")[0] == item.endpoint.split(".")[0],
        }
        for item in NAV
        if may_open(item.roles)
    ]


def error_page(status: int, message: Any, title: Any = None) -> Response:
    """An HTML refusal in the page's language (``message`` already translated)."""
    body = render_template("error.html", status=status, message=message, title=title, own=True)
    return Response(body, status=status, mimetype="text/html")


def page_roles(*allowed: str) -> Callable[[F], F]:
    """Only logged-in staff of these roles (and admin) may open the page."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("views.login", next=request.full_path.rstrip("?")))
            if current_user.role != "admin" and current_user.role not in allowed:
                names = ", ".join(str(ROLE_NAMES[r]) for r in allowed)
                return error_page(
                    403,
                    _l("This page is for %(who)s.", who=names),
                    _l("Not for your role"),
                )
            return fn(*args, **kwargs)

        inner.page_roles = ("admin", *allowed)  # type: ignore[attr-defined]
        return inner  # type: ignore[return-value]

    return wrap


def _csrf_refused(_exc: CSRFError) -> Response:
    return error_page(
        400,
        _l(
            "The form had expired or did not come from this site, so nothing was saved. "
            "Go back, reload the page and try again."
        ),
        _l("Form not accepted"),
    )


def html_csrf_errors(bp: Blueprint) -> None:
    """A readable page, not the JSON-ish default, when a form comes without its CSRF token."""
    bp.register_error_handler(CSRFError, _csrf_refused)


def form_text(name: str, limit: int = 500) -> str:
    """A form field as typed (trimmed, NULs and overlong input cut off: shown back safely)."""
    return request.form.get(name, "").replace("\x00", "").strip()[:limit]
