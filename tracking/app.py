"""The composition root: ``create_app(config)`` wires configuration, database, blueprints,
login, CSRF and the error shape."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from tracking import config as config_mod
from tracking.db import ReferenceCache, make_engine, make_sessionmaker, read_engine
from tracking.web import (
    close_db,
    csrf,
    refuse_nul_in_url,
    register_error_handlers,
    touch_token,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = config_mod.load(config)
    inst = Path(settings["INSTANCE_PATH"])
    app = Flask("tracking", instance_path=str(inst), instance_relative_config=True)
    app.config.update(settings)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Vietnamese stays readable
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_mod.secret_key(inst)
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = app.config.get("ENGINE") or make_engine(url)
    app.extensions["tracking.engine"] = engine
    cache = ReferenceCache(float(app.config.get("REFERENCE_CACHE_SECONDS", 30)))
    app.extensions["tracking.sessionmaker"] = make_sessionmaker(engine, cache)
    app.extensions["tracking.read_sessionmaker"] = make_sessionmaker(read_engine(engine), cache)
    app.teardown_appcontext(close_db)
    app.before_request(refuse_nul_in_url)
    app.after_request(touch_token)

    csrf.init_app(app)
    from tracking import api, api_estimate, views

    views.login_manager.init_app(app)
    app.register_blueprint(api.health_bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(api_estimate.bp)
    csrf.exempt(api_estimate.bp)  # like api.bp: bearer tokens; cookie callers checked in web.py
    csrf.exempt(api.bp)  # bearer-token calls; cookie-authenticated calls are checked in web.py
    csrf.exempt(api.health_bp)
    from tracking import api_subscriptions

    app.register_blueprint(api_subscriptions.bp)
    csrf.exempt(api_subscriptions.bp)  # admin bearer tokens, like api.bp

    from tracking import api_checkpoints, openapi
    from webhooks import http as webhooks_http

    app.register_blueprint(api_checkpoints.bp)
    csrf.exempt(api_checkpoints.bp)
    from tracking import api_labels

    app.register_blueprint(api_labels.bp)
    csrf.exempt(api_labels.bp)  # bearer tokens; cookie callers are checked in web.py
    app.register_blueprint(webhooks_http.bp)
    csrf.exempt(webhooks_http.bp)  # signed by the courier, no cookies
    app.register_blueprint(openapi.bp)
    from tracking import api_track, i18n, pages, ratelimit

    i18n.init_app(app)  # Vietnamese pages by default, English by a switch
    ratelimit.init_app(app)  # public lookups and the login form
    app.register_blueprint(api_track.bp)  # public, GET only
    pages.register(app)
    register_error_handlers(app)

    from tracking import cli

    cli.init_app(app)
    logging.getLogger("tracking").setLevel(logging.INFO)
    return app
