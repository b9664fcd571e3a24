"""Render the unlock window and the main window offscreen at 1366x768, for the docs and for review.

Run from the repository root:  PYTHONPATH=. .venv/bin/python docs/screenshots/make_screenshots.py

It sets up a throwaway workstation (OLDBURY, an invented worker) in a temporary folder, so no real
store is read and nothing personal can appear. 1366x768 is the smallest screen on the custody PCs.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from cars_desktop.config import KdfCost, Settings
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import init_workstation, unlock
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.task_runner import InlineTaskRunner
from cars_desktop.ui.unlock_window import UnlockWindow
from cars_protocol.records import Role

OUT = Path(__file__).resolve().parent
SIZE = (1366, 768)
# A cheap key derivation: these stores are thrown away and the screenshots should be quick.
SETTINGS = Settings(kdf=KdfCost(memory_kib=1024, time_cost=1, parallelism=1))


def _save(app: QApplication, widget: QWidget, name: str) -> Path:
    widget.resize(*SIZE)
    widget.show()
    app.processEvents()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    return path


def main() -> int:
    """Write unlock_window.png (after one wrong password) and main_window.png."""
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="cars-shots-") as tmp:
        data_dir = Path(tmp) / "store"
        init_workstation(SETTINGS, data_dir, "OLDBURY", "admin1", "correct horse battery")
        admin = unlock(SETTINGS, data_dir, "admin1", "correct horse battery")
        try:
            roles = frozenset({Role.WORKER, Role.SUPERVISOR})
            enrol_user(admin, "sam.worker", "Sam Worker", roles, "another good pass")
        finally:
            admin.lock("screenshots")
        context = AppContext(SETTINGS, data_dir, InlineTaskRunner())

        unlock_window = UnlockWindow(context)
        unlock_window.username.setText("sam.worker")
        unlock_window.password.setText("not the password")
        unlock_window.submit()  # shows the error a wrong password gives
        print(_save(app, unlock_window, "unlock_window.png"))
        unlock_window.close()

        session = unlock(SETTINGS, data_dir, "sam.worker", "another good pass")
        main_window = MainWindow(context, session)
        print(_save(app, main_window, "main_window.png"))
        main_window.close()  # signs out: locks the session and stops the idle timer
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
