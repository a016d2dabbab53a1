"""Engines for the store: SQLite files made safe for a trading process, or any URL SQLAlchemy knows.

SQLite connections get ``foreign_keys=ON``, a busy timeout, WAL journaling (readers never block
the writer) and ``synchronous=FULL`` (a commit that returned survives a power cut, which is what
persist-then-act relies on). SQLAlchemy, not the ``sqlite3`` module, emits ``BEGIN``, so every
transaction, DDL included, is atomic; write transactions start with ``BEGIN IMMEDIATE`` so two
writers queue on the busy timeout instead of failing half way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import StaticPool

WRITE_OPTION = "tradewind_write"
"""Execution option marking a connection whose transaction will write (``BEGIN IMMEDIATE``)."""

DEFAULT_BUSY_TIMEOUT_S = 30.0


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for another backend or an in-memory database."""
    if url.get_backend_name() != "sqlite":
        return None
    db = url.database
    if (
        not db
        or db == ":memory:"
        or db.startswith("file::memory:")
        or url.query.get("mode") == "memory"
    ):
        return None
    return Path(db)


def describe(url: URL) -> str:
    """A printable name for the database: the file for SQLite, else the URL without password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return url.render_as_string(hide_password=True)


def make_engine(
    url: str | URL,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S,
    durable: bool = True,
    echo: bool = False,
) -> Engine:
    """Create an engine for ``url``; for a SQLite file, create its folder first.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``sqlite:///data/tradewind-paper.db`` or
        ``postgresql+psycopg://user@host/db``.
    busy_timeout
        Seconds a SQLite connection waits for another writer before failing.
    durable
        SQLite ``synchronous=FULL`` (a returned commit survives a power cut). False uses
        ``NORMAL``: still safe against a crashed or killed process, faster for long replays.
    echo
        Log every SQL statement (debugging).
    """
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(u, echo=echo, pool_pre_ping=True)
    path = sqlite_path(u)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": busy_timeout}}
    if path is None:
        kwargs["poolclass"] = StaticPool  # one shared in-memory database
        kwargs["connect_args"]["check_same_thread"] = False
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, echo=echo, **kwargs)
    sync = "FULL" if durable else "NORMAL"
    event.listen(engine, "connect", _sqlite_connect_hook(int(busy_timeout * 1000), sync))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect_hook(busy_timeout_ms: int, synchronous: str) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see below)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
        finally:
            cursor.close()

    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    write = bool(conn.get_execution_options().get(WRITE_OPTION, False))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def set_sqlite_foreign_keys(conn: Connection, enabled: bool) -> None:
    """Switch SQLite foreign-key enforcement; only effective outside a transaction."""
    if conn.in_transaction():
        raise RuntimeError("PRAGMA foreign_keys cannot change inside a transaction")
    dbapi = conn.connection.dbapi_connection
    if dbapi is None:  # pragma: no cover - a checked-out connection always has one
        raise RuntimeError("connection is closed")
    cursor = dbapi.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")
    finally:
        cursor.close()
