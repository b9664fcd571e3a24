"""The schema check on every unlock: Alembic is imported only when a store needs migrating."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from cars_desktop.storage.migrate import head_revision
from cars_desktop.storage.schema_version import HEAD_REVISION, is_current, stored_revision
from cars_desktop.storage.store import Store
from tests.conftest import WORKER, WORKER_PASSWORD, Workstation
from tests.storage.make_fixture_store import FIXTURE_DIR, FIXTURE_PASSWORD, FIXTURE_USER

REPO = Path(__file__).resolve().parents[2]

# Unlocks a store in a fresh interpreter and says which of the heavy modules were imported.
UNLOCK_CHILD = r"""
import json, sys
from pathlib import Path
from cars_desktop.config import KdfCost, Settings
from cars_desktop.services.workstation import unlock
settings = Settings(kdf=KdfCost(memory_kib=1024, time_cost=1, parallelism=1), lockout_minutes=10)
session = unlock(settings, Path(sys.argv[1]), sys.argv[2], sys.stdin.readline().rstrip("\n"))
try:
    with session.unit_of_work() as uow:
        people = uow.records.count("person")
finally:
    session.lock()
print(json.dumps({"alembic": sorted(m for m in sys.modules if m.split(".")[0] == "alembic"),
                  "people": people}))
"""


def unlock_in_child(data_dir: Path, username: str, password: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", UNLOCK_CHILD, str(data_dir), username],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


def test_the_head_constant_is_the_newest_migration_script() -> None:
    """A new migration without raising HEAD_REVISION would leave stores unmigrated: caught here."""
    assert head_revision() == HEAD_REVISION


def test_a_new_store_has_no_revision_then_reaches_head(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    blank = create_engine(f"sqlite:///{tmp_path / 'blank.db'}")
    with blank.connect() as connection:
        assert stored_revision(connection) is None
    blank.dispose()
    store = Store.open(tmp_path / "new.db", b"\x02" * 32)
    try:
        assert is_current(store.engine)
    finally:
        store.dispose()


def test_unlocking_an_up_to_date_store_does_not_import_alembic(workstation: Workstation) -> None:
    result = unlock_in_child(workstation.data_dir, WORKER, WORKER_PASSWORD)
    assert result["alembic"] == []
    assert result["people"] == 0


def test_unlocking_an_old_store_still_migrates_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "old"
    shutil.copytree(FIXTURE_DIR, data_dir)
    result = unlock_in_child(data_dir, FIXTURE_USER, FIXTURE_PASSWORD)
    assert "alembic" in result["alembic"]  # type: ignore[operator]
    assert result["people"] > 0  # type: ignore[operator]
    again = unlock_in_child(data_dir, FIXTURE_USER, FIXTURE_PASSWORD)
    assert again["alembic"] == []  # migrated once, for good
