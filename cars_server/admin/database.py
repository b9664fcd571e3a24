"""Opening the server database for a command, with one-line reasons when it cannot be used."""

from __future__ import annotations

import getpass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from cars_server.errors import CarsServerError, DatabaseNotReady
from cars_server.storage.migrate import is_current

MIGRATE_HINT = "run 'cars-server migrate' first"


def describe_database_error(exc: SQLAlchemyError) -> str:
    """The driver's first line (host and port, never the password), or the error's kind."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        first = str(exc.orig).strip().splitlines()
        if first:
            return first[0][:300]
    return type(exc).__name__


def require_current_schema(engine: Engine) -> None:
    """Raise `DatabaseNotReady` unless the database is at the newest schema revision."""
    try:
        current = is_current(engine)
    except SQLAlchemyError as exc:
        raise CarsServerError(f"cannot use the database: {describe_database_error(exc)}") from None
    if not current:
        raise DatabaseNotReady(f"the database schema is missing or out of date: {MIGRATE_HINT}")


def admin_actor() -> str:
    """Who to name in the s.62 log for a command-line action: the local operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:unknown"
