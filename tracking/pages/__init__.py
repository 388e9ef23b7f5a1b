"""The pages of the three kinds of users: postal staff scanning (``scan``), center staff
handing over, registering and watching (``handover``, ``dossiers``, ``dashboard``), citizens
following their dossier (``track``). Server-rendered Jinja with a little plain JavaScript from
``tracking/static``; the login itself lives in ``tracking.views``."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from tracking import status
    from tracking.i18n import lang
    from tracking.pages import common, dashboard, dossiers, handover, scan, track

    for module in (scan, handover, dossiers, dashboard, track):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(
        nav_items=common.nav_items,
        role_names=common.ROLE_NAMES,
        status_label=lambda code: status.label(code, lang()),
    )
