"""Bring the server database's schema to the newest revision (`cars-server migrate`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """The newest schema revision this server knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest schema revision."""
    with engine.connect() as connection:
        return current_revision(connection) == head_revision()


def upgrade_to_head(engine: Engine) -> str | None:
    """Run pending migrations and return the revision the database was at before (None if empty)."""
    with engine.connect() as connection:
        before = current_revision(connection)
    if before == head_revision():
        return before
    with engine.begin() as connection:
        command.upgrade(_config(connection), "head")
    return before
