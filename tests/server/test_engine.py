"""The server's engine factory: safe SQLite pragmas, psycopg for PostgreSQL, clear refusals."""

from pathlib import Path

import pytest
from sqlalchemy import text

from cars_server.errors import ConfigurationError
from cars_server.storage.engine import build_engine, parse_database_url


def test_sqlite_engine_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{(tmp_path / 'nested' / 'server.db').as_posix()}")
    try:
        with engine.connect() as connection:
            journal_mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
            foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar_one()
    finally:
        engine.dispose()

    assert journal_mode == "wal"
    assert foreign_keys == 1
    assert (tmp_path / "nested" / "server.db").is_file()


def test_bare_postgresql_url_uses_psycopg() -> None:
    assert parse_database_url("postgresql://cars@db/cars").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["mysql://cars@db/cars", "postgresql+psycopg2://cars@db/cars", "not a url"])
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        build_engine(url)
