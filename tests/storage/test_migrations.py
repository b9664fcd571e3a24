"""Schema migrations: an empty store reaches head; a store from revision 0001 upgrades without loss."""

from __future__ import annotations

import shutil
from pathlib import Path

from cars_desktop.config import Settings
from cars_desktop.services.audit_check import verify_audit_log
from cars_desktop.services.records import find_people
from cars_desktop.services.workstation import unlock
from cars_desktop.storage.migrate import current_revision, head_revision
from cars_desktop.storage.store import Store
from tests.storage.make_fixture_store import FIXTURE_DIR, FIXTURE_PASSWORD, FIXTURE_PEOPLE, FIXTURE_USER


def test_empty_store_upgrades_to_head(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "empty.db", b"\x01" * 32)
    try:
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
            tables = {
                r[0] for r in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
            }
        assert {
            "records",
            "record_history",
            "person_index",
            "outbox",
            "audit_log",
            "audit_head",
            "users",
        } <= tables
    finally:
        store.dispose()


def test_revision_0001_store_upgrades_to_head_without_loss(tmp_path: Path, settings: Settings) -> None:
    data_dir = tmp_path / "old"
    shutil.copytree(FIXTURE_DIR, data_dir)
    session = unlock(settings, data_dir, FIXTURE_USER, FIXTURE_PASSWORD)
    try:
        with session.store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        for family, dob in FIXTURE_PEOPLE:
            found = find_people(session, family, dob)
            assert [(p.family_name, p.date_of_birth) for p in found] == [(family, dob)]
        with session.unit_of_work() as uow:
            assert uow.records.count("assessment") == len(FIXTURE_PEOPLE)
        assert verify_audit_log(session) > 0
    finally:
        session.lock()


def test_migrations_build_exactly_the_tables_the_code_declares(tmp_path: Path) -> None:
    """A table or column added to tables.py without a migration would fail here, not on a PC."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from cars_desktop.storage.tables import Base

    store = Store.open(tmp_path / "drift.db", b"\x02" * 32)
    try:
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        store.dispose()
