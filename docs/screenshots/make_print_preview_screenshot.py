"""Render the print preview on an invented person's required-assessment notice, offscreen.

Run from the repository root:  PYTHONPATH=. .venv/bin/python docs/screenshots/make_print_preview_screenshot.py

A throwaway OLDBURY workstation gets the invented casework of `documents.statutory_specimen`; the
dialog builds the RA4 notice through the document services (one consultation in that store's audit
log) and is grabbed at 1100x800 (a dialog over the 1366x768 window). Writes print-preview.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from screenshot_store import OUT, SETTINGS, WORKER, WORKER_PASSWORD, make_demo_store

from cars_desktop.documents import statutory_specimen as casework
from cars_desktop.documents.model import DocumentKind
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import unlock
from cars_desktop.ui.print_preview_dialog import PrintPreviewDialog, service_actions
from cars_desktop.ui.task_runner import InlineTaskRunner


def main() -> int:
    """Write print-preview.png."""
    app = QApplication(sys.argv)  # noqa: F841 - kept alive for the dialog
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "ws"
        make_demo_store(data_dir)
        session = unlock(SETTINGS, data_dir, WORKER, WORKER_PASSWORD)
        try:
            person = casework.specimen_person()
            save_records(
                session,
                [person, casework.specimen_episode(person), casework.initial_follow_up_required(person)],
            )
            runner = InlineTaskRunner()
            actions = service_actions(session, person.id, DocumentKind.RA4_FOLLOW_UP_REQUIRED)
            dialog = PrintPreviewDialog(runner, actions)
            dialog.resize(1100, 800)
            dialog.show()
            QTest.qWait(1500)  # QtPdf renders pages on its own thread
            path = OUT / "print-preview.png"
            if not dialog.grab().save(str(path)):
                raise SystemExit(f"could not write {path}")
            dialog.close()
            runner.shutdown()
        finally:
            session.lock("screenshots")
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
