"""Serving the app: waitress (one process, any OS: the default a newcomer gets) or gunicorn
(several processes on Linux, for PostgreSQL deployments that need more than one core).

Python runs one thread at a time per process, so one process uses about one core whatever its
thread count; more cores need more processes. SQLite allows one writer, so several processes
only help on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

# One process serves its requests on this many threads (waitress: requests wait on the database
# and on slow clients). With several gunicorn processes, fewer threads each: more only contend
# for the interpreter and for PostgreSQL (bench/README.md, "Webhooks": 2 processes × 4 threads
# accepted about a fifth more webhooks a second than 2 × 8, with a lower p99).
WAITRESS_THREADS = 8
GUNICORN_THREADS = 4


def serve_waitress(app: Flask, host: str, port: int, threads: int = WAITRESS_THREADS) -> None:
    import waitress

    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="tracking",
        clear_untrusted_proxy_headers=True,
    )


def serve_gunicorn(
    app: Flask,
    host: str,
    port: int,
    workers: int,
    threads: int = GUNICORN_THREADS,
    post_fork: Callable[[Flask], None] | None = None,
) -> None:
    """Several worker processes forked from this one (the app is built once, before the fork).

    Each worker gets fresh database connections: a pooled connection must never cross a fork.
    """
    from gunicorn.app.base import BaseApplication  # POSIX only

    def _post_fork(_server: Any, _worker: Any) -> None:
        engine = app.extensions["tracking.engine"]
        engine.dispose(close=False)  # the parent's connections stay the parent's
        if post_fork is not None:
            post_fork(app)

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("post_fork", _post_fork)
            self.cfg.set("accesslog", None)
            self.cfg.set("keepalive", 30)

        def load(self) -> Flask:
            return app

    _App().run()
