"""What every request shares: its database session, its clock, the caller's identity and role,
JSON bodies, and the one JSON error shape for every 4xx."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy import update
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, HTTPException

from tracking import accounts
from tracking.errors import (
    Forbidden,
    TrackingError,
    Unauthorized,
    UnsupportedMedia,
    ValidationFailed,
)
from tracking.models import ApiToken

log = logging.getLogger(__name__)
csrf = CSRFProtect()
M = TypeVar("M", bound=BaseModel)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_TOUCH_EVERY = timedelta(minutes=15)  # last_used_at: precise enough, one write at most
JSON_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/openapi.json")


def db() -> Session:
    """The request's session; closed (and rolled back unless committed) at teardown.

    Requests that only read (GET, HEAD) get a session that never takes SQLite's write lock.
    """
    if "db" not in g:
        kind = "read_sessionmaker" if request.method in SAFE_METHODS else "sessionmaker"
        g.db = current_app.extensions[f"tracking.{kind}"]()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def touch_token(response: Response) -> Response:
    """Stamp the token's last use after the request (never fails the request)."""
    token_id = g.pop("touch_token", None)
    if token_id is not None:
        try:
            session = db()
            session.rollback()
            session.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now())
            )
            session.commit()
        except OperationalError:  # busy: skip the stamp this time
            log.info("last_used_at of token %s not stamped (database busy)", token_id)
    return response


def now() -> datetime:
    """The clock of this request (tests may pin it with the NOW config key)."""
    pinned = current_app.config.get("NOW")
    return pinned() if callable(pinned) else datetime.now(UTC)


# ── identity ─────────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Principal:
    role: str
    name: str  # for the audit log: "token:<name>" or "user:<username>"


def principal() -> Principal:
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        tok = accounts.authenticate_token(db(), value.strip())
        g.principal = Principal(tok.role, f"token:{tok.name}")
        stamp = tok.last_used_at
        if stamp is None or now() - stamp > TOKEN_TOUCH_EVERY:
            g.touch_token = tok.id
    elif current_user.is_authenticated:
        # Pages call the API with their session cookie: then the CSRF token is required too.
        if request.method not in SAFE_METHODS:
            csrf.protect()
        g.principal = Principal(current_user.role, f"user:{current_user.username}")
    else:
        raise Unauthorized("this needs a staff token or a login")
    return g.principal


F = TypeVar("F", bound=Callable[..., Any])


def roles(*allowed: str) -> Callable[[F], F]:
    """Only these roles (and admin) may call the endpoint."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            who = principal()
            if who.role != "admin" and who.role not in allowed:
                raise Forbidden(f"the {who.role} role may not do this")
            return fn(*args, **kwargs)

        inner.roles = ("admin", *allowed)  # type: ignore[attr-defined]
        return inner  # type: ignore[return-value]

    return wrap


# ── input ────────────────────────────────────────────────────────────────────────────────────
def int_arg(name: str, default: int | None, lo: int, hi: int) -> int | None:
    """A whole-number query argument within [lo, hi]; 400 naming it otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number", field=name) from None
    if not lo <= value <= hi:
        raise ValidationFailed(f"{name} must be between {lo} and {hi}", field=name)
    return value


def json_body() -> Any:
    if not request.is_json:
        raise UnsupportedMedia("send JSON with 'Content-Type: application/json'")
    try:
        return request.get_json()
    except BadRequest as exc:  # 413 is not a BadRequest: it keeps its own answer
        raise ValidationFailed("the body is not valid JSON", code="malformed_json") from exc


def _refuse_nul(value: Any, path: str = "") -> None:
    """NUL characters are refused everywhere: PostgreSQL cannot store them in text."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationFailed("text must not contain NUL characters", field=path or None)
    elif isinstance(value, dict):
        for k, v in value.items():
            _refuse_nul(k, path)
            _refuse_nul(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _refuse_nul(v, f"{path}.{i}" if path else str(i))


def refuse_nul_in_url() -> None:
    """before_request: a NUL in the path or the query string is a client error."""
    if "\x00" in request.path or any("\x00" in k + v for k, v in request.args.items(multi=True)):
        raise ValidationFailed("the URL must not contain NUL characters")


def parse(model: type[M], data: Any = None) -> M:
    """Validate a body against a schema; the first problem becomes the error, with its field."""
    payload = json_body() if data is None else data
    if not isinstance(payload, dict):
        raise ValidationFailed("the body must be a JSON object", code="invalid")
    _refuse_nul(payload)
    try:
        return model.model_validate(payload)
    except PydanticError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        raise ValidationFailed(msg, field=field) from exc


# ── errors ───────────────────────────────────────────────────────────────────────────────────
def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or (
        request.accept_mimetypes.best == "application/json"
    )


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    err: dict[str, Any] = {"code": code, "message": message}
    if field:
        err["field"] = field
    if _wants_json():
        resp = jsonify({"error": err})
    else:
        resp = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return resp


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(TrackingError)
    def _tracking(exc: TrackingError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.field)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Response:
        return error_response(400, "csrf", exc.description or "missing CSRF token")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        resp = error_response(status, HTTP_CODES.get(status, "error"), exc.description or "")
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            resp.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return resp

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response:
        log.warning("integrity error turned into 409: %s", exc.orig)
        return error_response(409, "conflict", "this conflicts with data already stored")

    @app.errorhandler(DataError)
    def _data(exc: DataError) -> Response:
        log.warning("database refused a value, turned into 400: %s", exc.orig)
        return error_response(400, "invalid", "a value could not be stored as given")

    @app.errorhandler(OperationalError)
    def _busy(exc: OperationalError) -> Response:
        log.error("database unavailable: %s", exc.orig)
        resp = error_response(503, "unavailable", "the database is busy; try again")
        resp.headers["Retry-After"] = "2"
        return resp
