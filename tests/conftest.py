"""Shared fixtures: real SQLCipher stores in tmp_path, cheap Argon2id for speed, a real PostgreSQL."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cars_desktop.config import KdfCost, Settings
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import WorkstationSession, init_workstation, unlock
from cars_protocol.records import Role

pytest_plugins = ["tests.postgres_fixture"]

ADMIN = "admin1"
ADMIN_PASSWORD = "correct horse battery"
WORKER = "sam.worker"
WORKER_PASSWORD = "another good pass"
CUSTODY = "pc.booker"
CUSTODY_PASSWORD = "custody pass 42"
SITE = "OLDBURY"

# Argon2id at test cost everywhere but the vault's own cost test (tests/storage/test_vault.py).
CHEAP_KDF_ENV = {
    "CARS_ARGON2_MEMORY_KIB": "1024",
    "CARS_ARGON2_TIME_COST": "1",
    "CARS_ARGON2_PARALLELISM": "1",
}


def stress_rounds(default_for_ci: int) -> int:
    """Round count for crash and fault rounds: CARS_STRESS_ROUNDS overrides (run the full count by hand)."""
    return int(os.environ.get("CARS_STRESS_ROUNDS", default_for_ci))


@pytest.fixture
def settings() -> Settings:
    return Settings(kdf=KdfCost(memory_kib=1024, time_cost=1, parallelism=1), lockout_minutes=10)


@dataclass(frozen=True)
class Workstation:
    """A set-up store: its folder, settings and the recovery key shown at set-up."""

    data_dir: Path
    settings: Settings
    recovery_key: str

    def unlock(self, username: str = WORKER, password: str = WORKER_PASSWORD) -> WorkstationSession:
        return unlock(self.settings, self.data_dir, username, password)


@pytest.fixture
def workstation(tmp_path: Path, settings: Settings) -> Workstation:
    """A store with an administrator, a worker-supervisor and a custody-staff user."""
    data_dir = tmp_path / "ws"
    result = init_workstation(settings, data_dir, SITE, ADMIN, ADMIN_PASSWORD)
    admin = unlock(settings, data_dir, ADMIN, ADMIN_PASSWORD)
    try:
        enrol_user(admin, WORKER, "Sam Worker", frozenset({Role.WORKER, Role.SUPERVISOR}), WORKER_PASSWORD)
        enrol_user(admin, CUSTODY, "PC Booker", frozenset({Role.CUSTODY_STAFF}), CUSTODY_PASSWORD)
    finally:
        admin.lock()
    return Workstation(data_dir, settings, result.recovery_key)


@pytest.fixture
def session(workstation: Workstation) -> Iterator[WorkstationSession]:
    """Unlocked as the worker-supervisor; locked again afterwards."""
    unlocked = workstation.unlock()
    yield unlocked
    unlocked.lock()


#: How long threads left by earlier tests (a stopped server's thread pool, say) may take to end.
THREADS_END_WITHIN_S = 30


@pytest.fixture
def only_thread() -> None:
    """Wait until this test process runs no other thread (reports are counted in forked processes
    only then: `reports.parts`), failing with their names if some outlive the wait."""
    deadline = time.monotonic() + THREADS_END_WITHIN_S
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    assert not others, f"other threads still run here, so nothing would be forked: {others}"
