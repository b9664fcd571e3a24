"""Whether a store's schema is at the newest revision, answered without importing Alembic.

Every unlock opens the store and must make sure its schema is current. Alembic (its script
directory, its runtime and SQLAlchemy's dialect modules it pulls in) costs a noticeable import on
the unlock path, yet nearly always the answer is "already current". So the newest revision is kept
here as a constant (`HEAD_REVISION`, checked against the migration scripts by
tests/storage/test_schema_version.py), the stored one is read with one plain query, and Alembic is
imported (`storage.migrate`) only when the two differ: a new store or one from an older program.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

HEAD_REVISION = "0006"
"""The newest migration in storage/migrations/versions; raise it with every new migration script."""


def stored_revision(connection: Connection) -> str | None:
    """The revision recorded in the store's `alembic_version` table; None for a new (empty) store."""
    try:
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except OperationalError:  # no such table: nothing has been migrated yet
        connection.rollback()
        return None
    return rows[0] if len(rows) == 1 else None


def is_current(engine: Engine) -> bool:
    """Whether the store is at `HEAD_REVISION` (one small query, no Alembic)."""
    with engine.connect() as connection:
        return stored_revision(connection) == HEAD_REVISION


def ensure_current(engine: Engine) -> None:
    """Bring the schema to the newest revision, importing Alembic only if there is work to do."""
    if is_current(engine):
        return
    from cars_desktop.storage.migrate import upgrade_to_head

    upgrade_to_head(engine)
