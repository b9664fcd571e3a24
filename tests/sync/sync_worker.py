"""A workstation in a process of its own, for tests that kill it with SIGKILL mid-sync.

    python -m tests.sync.sync_worker DATA_DIR SYNC_URL SEED   (the worker's password on stdin)

It unlocks the enrolled store in DATA_DIR as the test worker, then loops until killed: some random
casework through the real services, then one `sync_now` through SYNC_URL (a fault proxy). It prints
one flushed line per event, so the test knows what had happened when the kill landed:

    READY                         unlocked, about to work
    SAVED <record id> <revision>  a save returned (its transaction committed)
    REQ <path> / RESP <path>      a sync request is being sent / its response head arrived
    SYNCED <sent> <pulled>        a cycle finished;  FAILED <error class>: it did not

The password comes from stdin because secrets never go on a command line or in the environment.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import httpx

from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import unlock
from cars_desktop.sync.errors import SyncError
from tests.server.helpers import WORKER
from tests.sync.stations import Casework, station_settings

TIMEOUT_S = 30.0


def say(line: str) -> None:
    """One event line, flushed at once so it survives a SIGKILL that follows."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _on_request(request: httpx.Request) -> None:
    say(f"REQ {request.url.path}")


def _on_response(response: httpx.Response) -> None:
    say(f"RESP {response.request.url.path}")


def main(argv: list[str]) -> int:
    """Work and sync until killed."""
    folder, sync_url, seed = Path(argv[0]), argv[1], int(argv[2])
    password = sys.stdin.readline().rstrip("\n")
    rng = random.Random(seed)
    session = unlock(station_settings(sync_url), folder, WORKER, password)
    work = Casework(session, rng, f"K{seed}")
    hooks = {"request": [_on_request], "response": [_on_response]}
    with httpx.Client(timeout=TIMEOUT_S, event_hooks=hooks) as http:  # type: ignore[arg-type]
        say("READY")
        while True:
            for _ in range(rng.randint(2, 6)):
                work.step(1)
                for saved in work.saved:
                    say(f"SAVED {saved.id} {saved.revision}")
                work.saved.clear()
            try:
                report = sync_now(session, http, password)
                say(f"SYNCED {report.sent} {report.pulled}")
            except SyncError as exc:
                say(f"FAILED {type(exc).__name__}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
