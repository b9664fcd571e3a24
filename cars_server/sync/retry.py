"""Run one writing transaction, retrying it when a concurrent writer got in the way.

Pushes from many workstations race on the same rows (a change id, a record, the feed head). The
database settles each race by refusing one side: a unique-key violation, a deadlock or
serialization failure on PostgreSQL, a locked file on SQLite. The refused transaction changed
nothing, so running it again from the start is safe; after a few attempts the caller is told the
server is busy, with nothing stored, and its client retries later.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from cars_protocol.sync import ErrorCode
from cars_server.sync.errors import ChangesRefused

ATTEMPTS = 5
#: PostgreSQL's serialization_failure and deadlock_detected.
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})

T = TypeVar("T")


def worth_retrying(exc: IntegrityError | OperationalError) -> bool:
    """A unique-key race, a deadlock, a serialization failure or a locked SQLite file."""
    if isinstance(exc, IntegrityError):
        return True
    original = exc.orig
    if getattr(original, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)


def in_retried_transaction(engine: Engine, work: Callable[[Connection], T], busy_message: str) -> T:
    """Run `work` in one transaction, again from the start after a race; `busy_message` if it keeps losing."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                return work(connection)
        except (IntegrityError, OperationalError) as exc:
            if not worth_retrying(exc):
                raise
            if attempt == ATTEMPTS:
                raise ChangesRefused(ErrorCode.UNAVAILABLE, busy_message, []) from exc
    raise AssertionError("unreachable")  # pragma: no cover
