"""Killing the program at any moment loses no save it reported as committed and corrupts nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from cars_desktop.storage.engine import connect_raw
from cars_desktop.storage.layout import StoreLayout
from tests.conftest import WORKER, WORKER_PASSWORD, Workstation, stress_rounds

REPO = Path(__file__).resolve().parents[2]


def _run_and_kill(data_dir: Path, rng: random.Random) -> list[str]:
    """Start the child, let it commit for a random while, SIGKILL it; return the ids it reported."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.crash_child", str(data_dir), WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdin
    assert child.stdout
    child.stdin.write(f"{WORKER_PASSWORD}\n".encode())
    child.stdin.close()
    first = child.stdout.readline()  # the child has unlocked and committed once
    assert first, "the child died before its first save"
    time.sleep(rng.uniform(0.0, 0.4))
    child.send_signal(signal.SIGKILL)
    child.wait()
    reported = [first.decode().strip()]
    reported += [line.decode().strip() for line in child.stdout.readlines()]
    child.stdout.close()
    return [r for r in reported if r]


def test_sigkill_at_random_moments_loses_no_committed_save(workstation: Workstation) -> None:
    rng = random.Random(20261125)
    layout = StoreLayout(workstation.data_dir)
    reported: list[str] = []
    for _ in range(stress_rounds(6)):
        reported += _run_and_kill(workstation.data_dir, rng)
    session = workstation.unlock()
    key = session.data_key()
    try:
        with session.unit_of_work() as uow:
            missing = [r for r in reported if uow.records.get(uuid.UUID(r)) is None]
    finally:
        session.lock()
    assert reported
    assert missing == []
    conn = connect_raw(layout.database, key)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
    finally:
        conn.close()
