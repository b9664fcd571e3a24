"""Installing a new CARS Desktop over an old one keeps the store and migrates it, losing nothing.

The old install is the committed store at the first schema revision (`fixtures/store_rev0001`, made
by `make_fixture_store.py` with the code of that release: invented people, two users, an audit
chain). It is copied to where an install keeps its data, read *as it is* (without migrating) to
note every record, user and audit entry, and then opened by the current program through its
command line, the way the first start after an upgrade does. Afterwards: the schema is at head,
every record, user and audit entry is byte-for-byte what it was (new entries only appended), the
chain verifies, the same passwords unlock, the workstation is the same one, and it keeps working.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from cars_desktop.cli import main
from cars_desktop.config import Settings
from cars_desktop.domain.errors import AuthenticationFailed
from cars_desktop.services.audit_check import verify_audit_log
from cars_desktop.services.records import find_people, save_record
from cars_desktop.services.workstation import unlock
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.migrate import current_revision, head_revision
from cars_desktop.storage.store import Store
from cars_desktop.storage.vault import Vault
from tests.conftest import CHEAP_KDF_ENV
from tests.factories import person
from tests.storage.make_fixture_store import FIXTURE_DIR, FIXTURE_PASSWORD, FIXTURE_PEOPLE, FIXTURE_USER

FIXTURE_ADMIN = "fixture.admin"
FIRST_RELEASED_REVISION = "0001"
#: The tables of the first released schema whose rows are the workstation's data and its evidence.
KEPT_TABLES = ("records", "record_history", "person_index", "outbox", "users", "audit_log", "audit_head")

Snapshot = dict[str, list[tuple[Any, ...]]]


def _snapshot(data_dir: Path, columns: dict[str, list[str]] | None = None) -> tuple[str | None, Snapshot]:
    """The schema revision and every row of the kept tables, read without migrating anything."""
    key = Vault.load(StoreLayout(data_dir).vault).unwrap_with_password(FIXTURE_USER, FIXTURE_PASSWORD)
    store = Store.open(StoreLayout(data_dir).database, key, migrate=False)
    try:
        with store.engine.connect() as connection:
            revision = current_revision(connection)
            rows: Snapshot = {}
            for table in KEPT_TABLES:
                names = (columns or {}).get(table) or [
                    r[1] for r in connection.exec_driver_sql(f"PRAGMA table_info({table})")
                ]
                listed = ", ".join(f'"{name}"' for name in names)
                query = f"SELECT {listed} FROM {table} ORDER BY rowid"
                rows[table] = [tuple(row) for row in connection.exec_driver_sql(query)]
                rows[f"{table}:columns"] = [tuple(names)]
    finally:
        store.dispose()
    return revision, rows


def _columns(snapshot: Snapshot) -> dict[str, list[str]]:
    return {table: list(snapshot[f"{table}:columns"][0]) for table in KEPT_TABLES}


@pytest.fixture
def old_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The first release's data folder, as an upgrade finds it."""
    for name, value in CHEAP_KDF_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))  # the log file goes under the test's folder
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    data_dir = tmp_path / "ProgramData" / "CARS Desktop"
    shutil.copytree(FIXTURE_DIR, data_dir)
    return data_dir


def test_the_first_start_after_an_upgrade_migrates_the_old_store_and_loses_nothing(
    old_install: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    revision, before = _snapshot(old_install)
    assert revision == FIRST_RELEASED_REVISION
    assert len(before["records"]) == 2 * len(FIXTURE_PEOPLE) and len(before["audit_log"]) > 0
    identity = Vault.load(StoreLayout(old_install).vault).content.workstation_id

    # The upgraded program's first run against the old data folder (here: verifying the log).
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{FIXTURE_PASSWORD}\n"))
    status = main(
        ["--data-dir", str(old_install), "audit", "verify", "--user", FIXTURE_USER, "--password-stdin"]
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err

    revision, after = _snapshot(old_install, _columns(before))
    assert revision == head_revision() != FIRST_RELEASED_REVISION
    for table in KEPT_TABLES:
        if table in ("audit_log", "audit_head"):
            continue
        assert after[table] == before[table], f"{table} changed in the upgrade"
    # The audit log only grew: the old entries are exactly as they were, the new ones follow them.
    assert after["audit_log"][: len(before["audit_log"])] == before["audit_log"]
    assert len(after["audit_log"]) > len(before["audit_log"])
    assert Vault.load(StoreLayout(old_install).vault).content.workstation_id == identity


def test_after_the_upgrade_the_same_passwords_unlock_and_the_store_keeps_working(
    old_install: Path, settings: Settings
) -> None:
    admin = unlock(settings, old_install, FIXTURE_ADMIN, FIXTURE_PASSWORD)  # migrates on this first open
    admin.lock()
    with pytest.raises(AuthenticationFailed):
        unlock(settings, old_install, FIXTURE_USER, FIXTURE_PASSWORD + " wrong")
    session = unlock(settings, old_install, FIXTURE_USER, FIXTURE_PASSWORD)
    try:
        with session.store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        for family, dob in FIXTURE_PEOPLE:
            found = find_people(session, family, dob)
            assert [(p.family_name, p.date_of_birth) for p in found] == [(family, dob)]
        entries = verify_audit_log(session)
        saved = save_record(session, person(author=FIXTURE_USER, family_name="Dunmore", site_code="COVENTRY"))
        with session.unit_of_work() as uow:
            assert uow.records.count("person") == len(FIXTURE_PEOPLE) + 1
            assert uow.sync.pending_count() >= 1  # new work is queued in the migrated outbox
        assert verify_audit_log(session) > entries  # the chain carries on across the upgrade
        assert saved.records[0].family_name == "Dunmore"
    finally:
        session.lock()
