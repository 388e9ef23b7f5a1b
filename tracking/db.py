"""Engine, sessions and the declarative base.

One engine per application; the caller owns each transaction (services never commit). Times are
stored in UTC: ``UTCDateTime`` refuses naive values and hands back aware UTC datetimes on both
SQLite (which has no time zone type) and PostgreSQL (``timestamptz``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from cachetools import TTLCache
from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Insert,
    MetaData,
    Select,
    Table,
    Update,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

# Explicit constraint names so that migrations can name what they change, on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give the time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each database needs.

    SQLite: WAL (readers never wait for the writer), foreign keys on, a busy timeout, and
    transactions begun IMMEDIATE so that two writers queue instead of failing on a lock upgrade.
    A reading engine (``read_engine``) begins DEFERRED: it never takes the write lock.
    """
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            if u.database and u.database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def read_engine(engine: Engine) -> Engine:
    """The same pool, for transactions that only read (SQLite: BEGIN DEFERRED)."""
    return engine.execution_options(sqlite_begin="DEFERRED")


def make_sessionmaker(engine: Engine, cache: ReferenceCache | None = None) -> sessionmaker:
    """Sessions of one application; they share its ``ReferenceCache`` (``reference_cache``)."""
    return sessionmaker(
        bind=engine,
        expire_on_commit=False,
        autoflush=True,
        info={"reference_cache": cache if cache is not None else ReferenceCache()},
    )


class ReferenceCache:
    """Reference data that every estimate reads and an administrator rarely changes (couriers'
    transit tables, the center's calendar overrides), kept for ``ttl`` seconds per application
    (cachetools' TTLCache, behind a lock: sessions of several threads share it).

    A change made through this application clears its entry at once; one made by another
    process is seen within ``ttl``. Only estimates read through it: the legal appointment date
    always reads the calendar afresh.
    """

    def __init__(self, ttl: float = 30.0, maxsize: int = 256) -> None:
        self._data: TTLCache[Hashable, Any] = TTLCache(maxsize=maxsize, ttl=ttl)
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                return cast(T, self._data[key])
        value = load()
        with self._lock:
            self._data[key] = value
        return value

    def forget(self, kind: str) -> None:
        """Drop every entry whose key starts with ``kind``."""
        with self._lock:
            for key in [k for k in self._data if isinstance(k, tuple) and k[:1] == (kind,)]:
                self._data.pop(key, None)


def driver_execute(conn: Connection, stmt: Insert | Update, rows: Sequence[dict[str, Any]]) -> Any:
    """An INSERT or UPDATE of plain and JSON columns straight on the driver's cursor: the few
    writes of every checkpoint skip SQLAlchemy's per-statement work (compiled once per shape).

    PostgreSQL only, where it matters (each statement costs Python time that the database waits
    for); elsewhere the connection executes it. Times go as they are: psycopg stores aware
    datetimes exactly as ``UTCDateTime`` would. Returns the driver's cursor (its rows, for a
    RETURNING, once a pipeline has been answered).
    """
    if conn.dialect.name != "postgresql":
        return conn.execute(stmt, list(rows))
    sql, json_keys = _driver_sql(conn, stmt, tuple(rows[0]))
    rows = [_plain(r, json_keys) for r in rows]
    cursor = conn.connection.driver_connection.cursor()
    if len(rows) == 1:
        cursor.execute(sql, rows[0])
    else:
        cursor.executemany(sql, rows)
    return cursor


def driver_rows(conn: Connection, stmt: Select[Any] | Insert, params: dict[str, Any]) -> list[Any]:
    """A SELECT (or an INSERT … RETURNING) straight on the driver's cursor: the rows as tuples,
    as the driver gives them, without SQLAlchemy's result processing (PostgreSQL: times come
    aware, in the connection's time zone). For the reads of every checkpoint; elsewhere the
    connection executes it. It does not flush the session: the caller does, if it has changes
    the query must see."""
    return driver_reads(conn, [(stmt, params)])[0]


def driver_reads(
    conn: Connection, queries: Sequence[tuple[Select[Any] | Insert, dict[str, Any]]]
) -> list[list[Any]]:
    """Several statements as ``driver_rows`` runs each, sent together (PostgreSQL: one round
    trip; the server still runs them one after the other, each seeing what the ones before
    it did, such as a row lock taken). Elsewhere they run one by one."""
    if conn.dialect.name != "postgresql":
        return [[tuple(r) for r in conn.execute(stmt, params)] for stmt, params in queries]
    raw = conn.connection.driver_connection
    cursors = []
    with _as_sqlalchemy_error(conn), raw.pipeline() if len(queries) > 1 else nullcontext():
        for stmt, params in queries:
            sql, json_keys = _driver_sql(conn, stmt, tuple(params))
            cursor = raw.cursor()
            cursor.execute(sql, _plain(params, json_keys))
            cursors.append(cursor)
    return [list(cursor.fetchall()) for cursor in cursors]


@contextmanager
def _as_sqlalchemy_error(conn: Connection) -> Iterator[None]:
    """The driver's errors of a pipeline, raised as SQLAlchemy's exceptions for them (what the
    callers, and the web layer's error mapping, expect of any statement)."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(
            "(pipelined statements)", None, exc, dbapi.Error, dialect=conn.dialect
        ) from exc


def _driver_sql(
    conn: Connection, stmt: Insert | Update | Select[Any], keys: tuple[str, ...]
) -> tuple[str, frozenset[str]]:
    """The statement's SQL for these parameter keys, and which of them are JSON columns
    (compiled once per shape; the statement is kept so that its id stays its own)."""
    shape = (id(stmt), keys)
    compiled = _DRIVER_SQL.get(shape)
    if compiled is None:
        if isinstance(stmt, Select):
            sql, json_keys = str(stmt.compile(dialect=conn.dialect)), frozenset[str]()
        else:  # an INSERT or UPDATE: the columns are the parameters given
            table = cast(Table, stmt.table)
            json_cols = frozenset(c.name for c in table.columns if isinstance(c.type, JSON))
            sql = str(stmt.compile(dialect=conn.dialect, column_keys=list(keys)))
            json_keys = json_cols & set(keys)
        compiled = _DRIVER_SQL[shape] = (sql, json_keys, stmt)
    return compiled[0], compiled[1]


def _plain(params: dict[str, Any], json_keys: frozenset[str]) -> dict[str, Any]:
    """The parameters as the driver takes them: JSON columns' values as JSON text (None too:
    SQLAlchemy's JSON stores it as JSON null)."""
    if not json_keys:
        return params
    return {**params, **{k: json.dumps(params[k]) for k in json_keys}}


_DRIVER_SQL: dict[tuple[int, tuple[str, ...]], tuple[str, frozenset[str], Any]] = {}


def reference_cache(session: Session) -> ReferenceCache:
    """The application's cache; a session made elsewhere (a script's) gets one of its own."""
    cache = session.info.get("reference_cache")
    if cache is None:
        cache = session.info["reference_cache"] = ReferenceCache()
    return cast(ReferenceCache, cache)


@contextmanager
def pipelined(session: Session) -> Iterator[Connection]:
    """A connection whose statements are sent without waiting for each answer.

    PostgreSQL (psycopg's pipeline mode): the statements executed inside travel together and
    are answered together when the block ends: one round trip instead of one each. Only for
    writes whose results are not read inside the block: a SELECT or a RETURNING executed here
    gives no rows (a single-row INSERT needs ``.inline()``, or SQLAlchemy adds a RETURNING).
    Pending ORM changes are flushed first, and the block's statements go through the
    connection, never the session, so that no autoflush runs inside. An error of any statement
    is raised when the block ends, as SQLAlchemy's exception for it. SQLite (no round trips:
    the database is in the process) runs the statements one by one.
    """
    session.flush()
    conn = session.connection()
    raw = conn.connection.driver_connection
    if conn.dialect.name != "postgresql" or not hasattr(raw, "pipeline"):
        yield conn
        return
    with _as_sqlalchemy_error(conn), raw.pipeline():
        yield conn
