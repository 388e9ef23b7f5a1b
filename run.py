"""Start the product, or run one of its commands.

    python run.py [--host 127.0.0.1] [--port 5000] [--threads 8]   serve (waitress)
    python run.py --workers 4 [--threads 4] …                       several processes (gunicorn)
    python run.py COMMAND ...                                       e.g. create-user, courier add
    flask --app run COMMAND ...                                     the same commands

Every start applies the migrations and seeds the reference data; both are idempotent, so a
second start keeps all data.
"""

from __future__ import annotations

import argparse
import sys

from flask import Flask
from sqlalchemy import func, select

from tracking.app import create_app as _create_app
from tracking.cli import prepare_database
from tracking.serving import GUNICORN_THREADS, WAITRESS_THREADS


def create_app() -> Flask:
    """For ``flask --app run``: the app with its database ready."""
    app = _create_app()
    prepare_database(app)
    return app


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python run.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument(
        "--threads",
        type=int,
        help="threads per process (default 8 with one process; 4 per process with --workers, "
        "where more only contend for the interpreter and PostgreSQL: bench/README.md)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes (Linux, gunicorn; for PostgreSQL: SQLite has one writer)",
    )
    args = parser.parse_args(argv)

    from tracking.models import User

    app = create_app()
    with app.app_context():
        session = app.extensions["tracking.sessionmaker"]()
        users = session.scalar(select(func.count(User.id)))
        session.close()
    url = f"http://{args.host}:{args.port}"
    print(f"Serving on {url}  (database: {app.config['DATABASE_URL'].split('@')[-1]})")
    if not users:
        print(
            "No staff account yet. Create the first one with:\n"
            "  python run.py create-user admin --role admin\n"
            "and an API token with:\n"
            "  python run.py create-token --role admin --name integrator"
        )
    sys.stdout.flush()
    from tracking.serving import serve_gunicorn, serve_waitress
    from webhooks.dispatcher import start_background

    if args.workers > 1:
        # each worker process runs its own dispatcher thread (they share the outbox safely on
        # PostgreSQL); started after the fork, as threads do not survive one
        threads = args.threads or GUNICORN_THREADS
        serve_gunicorn(app, args.host, args.port, args.workers, threads, start_background)
    else:
        start_background(app)  # outbound events; a daemon thread (DISPATCHER_THREAD=0: none)
        serve_waitress(app, args.host, args.port, args.threads or WAITRESS_THREADS)
    return 0


def main(argv: list[str]) -> int:
    if argv and not argv[0].startswith("-"):
        app = create_app()
        with app.app_context():
            app.cli.main(args=argv, prog_name="python run.py")  # exits with click's status
    return serve(argv)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
