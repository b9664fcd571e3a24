"""Render the unlock window and the main window offscreen at 1366x768, for the docs and for review.

Run from the repository root:  PYTHONPATH=. .venv/bin/python docs/screenshots/make_screenshots.py

It sets up a throwaway workstation (OLDBURY, an invented worker) in a temporary folder, so no real
store is read and nothing personal can appear. 1366x768 is the smallest screen on the custody PCs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication
from screenshot_store import SETTINGS, WORKER, WORKER_PASSWORD, make_demo_store, save_grab

from cars_desktop.services.workstation import unlock
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.task_runner import InlineTaskRunner
from cars_desktop.ui.unlock_window import UnlockWindow


def main() -> int:
    """Write unlock_window.png (after one wrong password) and main_window.png."""
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="cars-shots-") as tmp:
        data_dir = Path(tmp) / "store"
        make_demo_store(data_dir)
        context = AppContext(SETTINGS, data_dir, InlineTaskRunner())

        unlock_window = UnlockWindow(context)
        unlock_window.username.setText(WORKER)
        unlock_window.password.setText("not the password")
        unlock_window.submit()  # shows the error a wrong password gives
        print(save_grab(app, unlock_window, "unlock_window.png"))
        unlock_window.close()

        session = unlock(SETTINGS, data_dir, WORKER, WORKER_PASSWORD)
        main_window = MainWindow(context, session)
        print(save_grab(app, main_window, "main_window.png"))
        main_window.close()  # signs out: locks the session and stops the idle timer
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
