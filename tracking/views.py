"""The staff login and the home page. The pages of the three user groups are in
``tracking.pages``; the language switch in ``tracking.i18n``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, login_user, logout_user
from sqlalchemy import select

from tracking import accounts
from tracking.i18n import safe_next
from tracking.models import Center, User
from tracking.pages.common import html_csrf_errors
from tracking.ratelimit import login_limit
from tracking.web import db

bp = Blueprint("views", __name__)
html_csrf_errors(bp)
login_manager = LoginManager()
login_manager.login_view = "views.login"
login_manager.login_message = _l("Please log in.")


class StaffUser(UserMixin):
    """What the session remembers of a user (not the ORM row: it outlives the request)."""

    def __init__(self, user: User):
        self.id = str(user.id)
        self.username = user.username
        self.full_name = user.full_name
        self.role = user.role


@login_manager.user_loader
def _load_user(user_id: str) -> StaffUser | None:
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    return StaffUser(user) if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("views.index"))


@bp.get("/")
def index() -> Any:
    center = db().scalars(select(Center).limit(1)).first()
    return render_template("index.html", center=center)


@bp.route("/login", methods=["GET", "POST"])
@login_limit
def login() -> Any:
    next_url = request.args.get("next")
    if request.method == "GET":
        return render_template("login.html", next_url=next_url)
    username = request.form.get("username", "")
    user = accounts.check_password(db(), username, request.form.get("password", ""))
    if user is None:
        return render_template(
            "login.html",
            error=_("Wrong username or password."),
            username=username,
            next_url=next_url,
        ), 401
    login_user(StaffUser(user))
    flash(_("Logged in."), "ok")
    return redirect(_safe_next(next_url))


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    flash(_("Logged out."), "ok")
    return redirect(url_for("views.login"))
