"""Render the main window with its page list, over invented casework, at 1366x768.

Run from the repository root:  PYTHONPATH=. .venv/bin/python docs/screenshots/make_shell_screenshot.py

A throwaway OLDBURY workstation in a temporary folder, seeded with invented people only
(services/seed.py), signed in as the worker-supervisor. A returned form is added so the
notification area shows. Writes main-window.png beside this script.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication
from screenshot_store import SETTINGS, WORKER, WORKER_PASSWORD, make_demo_store, save_grab

from cars_desktop.services.records import save_records
from cars_desktop.services.seed import seed
from cars_desktop.services.workstation import unlock
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.task_runner import InlineTaskRunner
from cars_protocol.records import Assessment, AssessmentStatus, ReviewDecision


def _return_one_form(session: object) -> None:
    """A supervisor returned one of the worker's completed forms (so the notice shows)."""
    from cars_desktop.services.workstation import WorkstationSession

    assert isinstance(session, WorkstationSession)
    with session.unit_of_work() as uow:
        form = next(
            r
            for r in uow.records.iter_all(["assessment"])
            if isinstance(r, Assessment) and r.status is AssessmentStatus.COMPLETED
        )
    decision = ReviewDecision(
        site_code=form.site_code,
        author="a.supervisor",
        assessment_id=form.id,
        assessment_revision=form.revision,
        decision="returned",
        comment="Please add the referral outcome.",
    )
    save_records(session, [decision])


def main() -> int:
    """Write main-window.png."""
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="cars-shots-") as tmp:
        data_dir = Path(tmp) / "store"
        make_demo_store(data_dir)
        session = unlock(SETTINGS, data_dir, WORKER, WORKER_PASSWORD)
        seed(session, people=40, days=3)
        _return_one_form(session)
        context = AppContext(SETTINGS, data_dir, InlineTaskRunner())
        window = MainWindow(context, session)
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        print(save_grab(app, window, "main-window.png"))
        window.lock_now()
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
