"""Render the main window of an enrolled workstation with its sync status bar, offscreen, at 1366x768.

Run from the repository root:  PYTHONPATH=. .venv/bin/python docs/screenshots/make_sync_screenshot.py

It starts a throwaway central server on a loopback port (the test helper, SQLite in a temporary
folder), enrols two workstations, makes one conflict between them (invented people only), then opens
the second workstation's window, syncs, and saves one more record so the bar shows a change waiting,
the last good sync and the conflict waiting for a supervisor. Writes sync-status.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx
from PySide6.QtWidgets import QApplication
from screenshot_store import SETTINGS, save_grab

from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.task_runner import InlineTaskRunner
from cars_protocol.records import Person
from tests.factories import person
from tests.server.helpers import PASSWORDS, WORKER, running_server


def _workstation(server_url: str, code: str, folder: Path, http: httpx.Client) -> WorkstationSession:
    enrol(SETTINGS, folder, server_url, code, folder.name, http)
    return unlock(SETTINGS, folder, WORKER, PASSWORDS[WORKER], http=http)


def main() -> int:
    """Write sync-status.png."""
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="cars-shots-") as tmp, running_server(Path(tmp)) as server:
        with httpx.Client(timeout=30) as http:
            a = _workstation(server.base_url, server.enrolment_code(), Path(tmp) / "custody-a", http)
            b_dir = Path(tmp) / "custody-b"
            b = _workstation(server.base_url, server.enrolment_code(), b_dir, http)
            original = save_record(a, person(author=WORKER, family_name="Merriweather")).records[0]
            sync_now(a, http)
            sync_now(b, http)
            with b.unit_of_work() as uow:
                on_b = uow.records.get(original.id)
            assert isinstance(on_b, Person)
            save_record(a, original.model_copy(update={"phone": "01210000001"}))
            save_record(b, on_b.model_copy(update={"phone": "01210000002"}))
            sync_now(a, http)
            a.lock("screenshots")
            b.lock("screenshots")

        context = AppContext(
            SETTINGS, b_dir, InlineTaskRunner(), http_factory=lambda: httpx.Client(timeout=30)
        )
        session = unlock(SETTINGS, b_dir, WORKER, PASSWORDS[WORKER])
        window = MainWindow(context, session)
        assert window.sync is not None
        window.sync.sync_now()  # pushes B's edit: a conflict, kept for a supervisor
        run_op(  # one more save, as a page would: counted at once, sent after the debounce
            context.runner,
            lambda: save_record(session, person(author=WORKER, family_name="Ashcombe")),
            window.change_bus.broadcasting(lambda saved: saved.changes, lambda saved: None),
            parent=window,
        )
        print(save_grab(app, window, "sync-status.png"))
        print(window.sync_bar.text())
        window.close()  # signs out: stops the sync timers and locks the session
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
