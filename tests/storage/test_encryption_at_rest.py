"""Nothing in the data folder reveals a saved record or the schema, while open and after closing."""

from __future__ import annotations

from pathlib import Path

from cars_desktop.services.backup import backup_store
from cars_desktop.services.records import save_records
from cars_desktop.services.seed import seed
from tests import factories
from tests.conftest import ADMIN, ADMIN_PASSWORD, Workstation

MARKERS = [b"Zephyrine", b"Quillfeather", b"Marnie", b"91/123456Q"]
SCHEMA_WORDS = [b"CREATE TABLE", b"record_history", b"person_index", b"audit_log", b"family_name"]


def _scan(folder: Path) -> list[str]:
    """Every (file, plaintext) finding in a folder tree, in UTF-8 and UTF-16 forms."""
    findings = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data.startswith(b"SQLite format 3"):
            findings.append(f"{path.name}: plain SQLite header")
        for needle in MARKERS + SCHEMA_WORDS:
            for form in (needle, needle.decode().encode("utf-16-le")):
                if form in data:
                    findings.append(f"{path.name}: {needle.decode()}")
    return findings


def test_no_plaintext_while_open_writing_and_after_close(workstation: Workstation, tmp_path: Path) -> None:
    session = workstation.unlock()
    seed(session, people=60, random_seed=3)
    person = factories.person()
    records = [person, factories.assessment(person.id)]
    save_records(session, records)
    # Open, with the last writes still in the WAL (not checkpointed).
    wal = workstation.data_dir / "cars.db-wal"
    assert wal.exists()
    assert wal.stat().st_size > 0
    assert _scan(workstation.data_dir) == []
    # A long-running transaction in flight: the journal and WAL hold only ciphertext too.
    with session.unit_of_work() as uow:
        for _ in range(50):
            uow.records.save(factories.person(), session.user.username)
        uow.session.flush()
        assert _scan(workstation.data_dir) == []
    session.lock()
    assert _scan(workstation.data_dir) == []
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        backups = tmp_path / "backups"
        backups.mkdir()
        backup_store(admin, backups / "ws.cbak")
    finally:
        admin.lock()
    assert _scan(backups) == []


def test_the_scan_does_find_plaintext_when_it_is_there(tmp_path: Path) -> None:
    """The scan itself must be able to fail, or the test above proves nothing."""
    import sqlite3

    conn = sqlite3.connect(tmp_path / "plain.db")
    conn.execute("CREATE TABLE person_index (family_name TEXT)")
    conn.execute("INSERT INTO person_index VALUES ('Quillfeather')")
    conn.commit()
    conn.close()
    findings = _scan(tmp_path)
    assert "plain.db: plain SQLite header" in findings
    assert "plain.db: Quillfeather" in findings
