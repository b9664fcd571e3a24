"""The workstation process killed with SIGKILL at random points of its syncs: no loss, no duplicate.

A real client process (`tests.sync.sync_worker`) does casework and syncs in a loop through a slow
link (the fault proxy with a bandwidth cap), and is killed with SIGKILL: in half the rounds at a
random moment, in the others a random moment after its Nth push or pull request went out, so kills
land while requests are on the wire, between a reply and its receipts being stored, inside store
transactions and between cycles. The worker's flushed event lines say where each kill landed.

Afterwards one clean sync, then: every record the store holds is on the server once at its latest
revision, every change the store made is applied exactly once (`check_exactly_once`), and every
save the worker saw commit survived its death (a save in progress when killed may be lost).

Rounds: CARS_STRESS_ROUNDS (default small, for CI).
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.conftest import stress_rounds
from tests.server.helpers import PASSWORDS, WORKER, running_server
from tests.sync.fault_proxy import FaultProxy, Faults
from tests.sync.stations import (
    check_exactly_once,
    enrol_station,
    local_records,
    open_station,
    sync_until_quiet,
)

ROUNDS = stress_rounds(6)
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Slow enough that a push or pull of a few records takes a noticeable while on the wire.
SLOW_LINK = Faults(delay_s=0.02, bandwidth_bytes_per_s=12_000)
WAIT_S = 60.0  # for the worker to start or reach a request; generous for a loaded CI machine
EXCHANGES = ("/v1/push", "/v1/pull")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")


class Worker:
    """One worker process and the event lines it printed, read in a thread as they arrive."""

    def __init__(self, folder: Path, sync_url: str, seed: int, stderr: IO[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.sync.sync_worker", str(folder), sync_url, str(seed)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert self.process.stdin is not None
        self.process.stdin.write(PASSWORDS[WORKER] + "\n")
        self.process.stdin.close()
        self.lines: list[str] = []
        self._events: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.endswith("\n"):  # a line cut short by the kill is not an event
                self.lines.append(line.rstrip("\n"))
                self._events.put(line.rstrip("\n"))
        self._events.put(None)

    def wait_for(self, predicate: str, count: int = 1) -> None:
        """Wait until `count` event lines starting with `predicate` have been printed."""
        deadline = time.monotonic() + WAIT_S
        seen = 0
        while True:
            try:
                line = self._events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"the worker did not print {predicate!r} in {WAIT_S} s") from None
            if line is None:
                raise AssertionError(f"the worker ended before printing {predicate!r}: {self.lines[-5:]}")
            if line.startswith(predicate):
                seen += 1
                if seen >= count:
                    return

    def kill(self) -> str:
        """SIGKILL it; return the last event it printed before dying."""
        os.kill(self.process.pid, signal.SIGKILL)
        code = self.process.wait(WAIT_S)
        self._reader.join(WAIT_S)
        assert code == -signal.SIGKILL, (
            f"the worker had already exited ({code}) before the kill; its stderr is in worker-stderr.txt"
        )
        return self.lines[-1] if self.lines else ""


def _where(last: str) -> str:
    """Name the point a kill landed at, from the last event line before it."""
    word, _, rest = last.partition(" ")
    if word == "REQ" and rest in EXCHANGES:
        return "request in flight"
    if word == "RESP" and rest in EXCHANGES:
        return "reply arrived, receipts or page not yet stored"
    if word in ("REQ", "RESP"):
        return "signing in"
    if word == "SAVED":
        return "during casework"
    return "between cycles"


def test_sigkill_at_random_points_of_syncs_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(9091)
    landed: Counter[str] = Counter()
    committed: dict[str, int] = {}  # record id -> highest revision the worker saw committed
    with (
        running_server(tmp_path) as server,
        httpx.Client(timeout=30) as direct,
        FaultProxy.for_url(server.base_url, faults=SLOW_LINK, rng=random.Random(17)) as proxy,
        (tmp_path / "worker-stderr.txt").open("w") as stderr,
    ):
        folder = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "killed", direct)
        open_station(folder, direct).lock()  # the worker user gets a key slot here, while online
        for round_no in range(ROUNDS):
            worker = Worker(folder, proxy.url, 100 + round_no, stderr)
            try:
                worker.wait_for("READY")
                if round_no % 2:
                    worker.wait_for(f"REQ {rng.choice(EXCHANGES)}", rng.randint(1, 3))
                    time.sleep(rng.uniform(0.0, 0.3))
                else:
                    time.sleep(rng.uniform(0.0, 2.5))
            finally:
                last = worker.kill()
            landed[_where(last)] += 1
            for line in worker.lines:
                if line.startswith("SAVED "):
                    _, record_id, revision = line.split()
                    committed[record_id] = max(committed.get(record_id, 0), int(revision))
        print(f"{ROUNDS} kills landed: {dict(landed)}; {len(committed)} records saw a commit")
        assert landed["request in flight"] > 0, f"no kill landed mid-request: {dict(landed)}"
        assert committed, "the workers never saved anything"
        proxy.set_faults(Faults())
        session = open_station(folder, direct, proxy.url)
        try:
            sync_until_quiet([session], direct)
            check_exactly_once(server.engine, [session])
            held = local_records(session)
            lost = [
                rid for rid, revision in committed.items() if rid not in held or held[rid].revision < revision
            ]
            assert not lost, f"{len(lost)} committed saves were lost by a kill"
        finally:
            session.lock()
