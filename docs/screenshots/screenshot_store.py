"""What both screenshot scripts share: a throwaway demo workstation and saving a window's image.

The store holds invented people only and lives in a temporary folder, so no real record can appear.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from cars_desktop.config import KdfCost, Settings
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import init_workstation, unlock
from cars_protocol.records import Role

OUT = Path(__file__).resolve().parent
SIZE = (1366, 768)  # the smallest screen on the custody PCs
# A cheap key derivation: these stores are thrown away and the screenshots should be quick.
SETTINGS = Settings(kdf=KdfCost(memory_kib=1024, time_cost=1, parallelism=1))
WORKER = "sam.worker"
WORKER_PASSWORD = "another good pass"  # noqa: S105 - throwaway store of invented people


def make_demo_store(data_dir: Path) -> None:
    """An OLDBURY workstation with an administrator and a worker-supervisor."""
    init_workstation(SETTINGS, data_dir, "OLDBURY", "admin1", "correct horse battery")
    admin = unlock(SETTINGS, data_dir, "admin1", "correct horse battery")
    try:
        roles = frozenset({Role.WORKER, Role.SUPERVISOR})
        enrol_user(admin, WORKER, "Sam Worker", roles, WORKER_PASSWORD)
    finally:
        admin.lock("screenshots")


def save_grab(app: QApplication, widget: QWidget, name: str) -> Path:
    """Lay the widget out at SIZE and write its image beside this script."""
    widget.resize(*SIZE)
    widget.show()
    app.processEvents()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    return path
