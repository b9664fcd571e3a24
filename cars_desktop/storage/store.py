"""An open, unlocked workstation store: its engine and session factories.

Writes begin with BEGIN IMMEDIATE, so two writers queue at the start instead of one failing when
it upgrades its lock half-way through (the audit chain reads its head and appends in one go).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from cars_desktop.storage.engine import build_engine, build_plain_engine
from cars_desktop.storage.schema_version import ensure_current


def _use_explicit_begin(engine: Engine) -> None:
    """Take transaction control from the DB-API driver so BEGIN IMMEDIATE is possible."""

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Store:
    """The unlocked store. Dispose it to close every connection and drop the keyed pool."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _use_explicit_begin(engine)
        writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write_sessions = sessionmaker(bind=writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def open(cls, path: Path, key: bytes, *, migrate: bool = True) -> Store:
        """Open (creating if new) and bring the schema up to date."""
        store = cls(build_engine(path, key))
        if migrate:
            ensure_current(store.engine)
        return store

    @classmethod
    def open_plain(cls, path: Path) -> Store:
        """Unencrypted twin for benchmarks only."""
        store = cls(build_plain_engine(path))
        ensure_current(store.engine)
        return store

    def write_session(self) -> Session:
        return self._write_sessions()

    def read_session(self) -> Session:
        return self._read_sessions()

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (before backups and at lock)."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        self.engine.dispose()
