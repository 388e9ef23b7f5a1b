"""Rate limits of the public doors: the tracking lookups (pages and JSON) and the login form.

Dossier codes (``<agency>-<YYMMDD>-<sequence>``) and S10 identifiers (serial ranges) are easy to
guess, so a lookup must not be cheap to repeat: every lookup of one client address counts against
``TRACK_RATE_LIMIT``, and lookups that find nothing count again against the much smaller
``TRACK_MISS_LIMIT`` (a citizen rarely mistypes ten codes a minute; an enumeration mostly
misses); once that is spent, every lookup of the client is refused (429) until the window has
passed. The page ``/track/{code}`` and ``GET /api/v1/track/{code}`` share both buckets. Failed
logins count against ``LOGIN_RATE_LIMIT`` (password guessing).

Storage is in memory (Flask-Limiter's ``memory://``): one process serves the product
(waitress, threads). Behind a reverse proxy, configure the proxy's address forwarding (Werkzeug's
``ProxyFix``) or every citizen shares the proxy's bucket. Tests (``TESTING``) run without limits
unless they set ``RATELIMIT_ENABLED``.
"""

from __future__ import annotations

from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULTS: dict[str, str] = {
    "TRACK_RATE_LIMIT": "60 per minute;600 per hour",
    "TRACK_MISS_LIMIT": "10 per minute;60 per hour",
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
}

limiter = Limiter(get_remote_address)


def _setting(name: str) -> str:
    return str(current_app.config.get(name) or DEFAULTS[name])


def _missed(response: Response) -> bool:
    return response.status_code == 404


def _login_failed(response: Response) -> bool:
    return response.status_code == 401


# Decorators for the views: the same scope, so the page and the JSON share a bucket.
track_limit = limiter.shared_limit(lambda: _setting("TRACK_RATE_LIMIT"), scope="track")
track_miss_limit = limiter.shared_limit(
    lambda: _setting("TRACK_MISS_LIMIT"), scope="track-miss", deduct_when=_missed
)
login_limit = limiter.limit(
    lambda: _setting("LOGIN_RATE_LIMIT"), methods=["POST"], deduct_when=_login_failed
)


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING"))
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
