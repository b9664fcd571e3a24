"""Build the server's SQLAlchemy engine for SQLite (single-site, tests) or PostgreSQL (production).

Nothing is created at import time: `build_engine` is called by `create_app`, so each app (and each
test) owns its engine and disposes of it on shutdown.
"""

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from cars_server.errors import ConfigurationError

#: Seconds libpq waits for a PostgreSQL server before giving up, so a health check cannot hang.
POSTGRES_CONNECT_TIMEOUT_S = 10
#: Milliseconds SQLite waits on a locked database before raising, instead of failing at once.
SQLITE_BUSY_TIMEOUT_MS = 5000


def parse_database_url(url: str) -> URL:
    """Parse and check a database URL, raising `ConfigurationError` without quoting it back.

    `postgresql://` is read as `postgresql+psycopg://`, the only PostgreSQL driver installed.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        # The URL may contain a password, so the message must not echo it.
        raise ConfigurationError(
            "The database URL (CARS_SERVER_DATABASE_URL) is not a valid SQLAlchemy URL."
        ) from exc
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite" and driver == "pysqlite":
        return parsed
    if parsed.drivername == "postgresql":
        # A bare "postgresql://" means SQLAlchemy's default, psycopg2, which is not installed.
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "postgresql" and driver == "psycopg":
        return parsed
    raise ConfigurationError(
        f"Unsupported database {parsed.drivername!r}: use 'sqlite:///<file>' or 'postgresql+psycopg://...'."
    )


def build_engine(url: str) -> Engine:
    """Create an engine for `url`; no connection is opened until first use.

    SQLite: the parent folder is created, and every connection gets WAL, foreign keys and a busy
    timeout. PostgreSQL: connections are pinged before reuse and time out instead of hanging.
    """
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _build_sqlite_engine(parsed)
    return _build_postgresql_engine(parsed)


def _build_sqlite_engine(url: URL) -> Engine:
    """Create a SQLite engine whose connections all use the same safe pragmas."""
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot create the folder for the SQLite database: {exc.strerror}."
            ) from exc
    engine = create_engine(url)
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _set_sqlite_pragmas(
    dbapi_connection: sqlite3.Connection, _connection_record: ConnectionPoolEntry
) -> None:
    """Apply per-connection pragmas: SQLite forgets them whenever a connection is opened."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _build_postgresql_engine(url: URL) -> Engine:
    """Create a PostgreSQL engine on psycopg 3 with a bounded connect time."""
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
