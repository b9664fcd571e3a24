"""Every page fits a 1366x768 screen at 100%, 125% and 150% scaling.

Qt lays windows out in logical pixels: at 150% a 1366x768 screen offers 910x512 of them, at 125%
1092x614. So the check is on logical sizes, independent of the platform's scaling support: the main
window's minimum size, with each page in front, must fit the smallest of those screens (pages
scroll inside the window rather than forcing it larger), and at 100% the page itself must not
need scrolling sideways.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.pages.registry import pages_for
from tests.conftest import ADMIN, ADMIN_PASSWORD, WORKER, WORKER_PASSWORD, Workstation

SCREEN = QSize(1366, 768)
SCALES = (1.0, 1.25, 1.5)


def logical(scale: float) -> QSize:
    """The screen as Qt's layouts see it at `scale`."""
    return QSize(int(SCREEN.width() / scale), int(SCREEN.height() / scale))


@pytest.mark.parametrize(("user", "password"), [(WORKER, WORKER_PASSWORD), (ADMIN, ADMIN_PASSWORD)])
def test_every_page_fits_the_screen_at_each_scaling(
    qtbot: QtBot, context: AppContext, workstation: Workstation, user: str, password: str
) -> None:
    session: WorkstationSession = workstation.unlock(user, password)
    window = MainWindow(context, session)
    qtbot.addWidget(window)
    window.resize(SCREEN)
    window.show()
    qtbot.waitExposed(window)
    smallest = logical(max(SCALES))
    too_big: list[str] = []
    sideways: list[str] = []
    try:
        for spec in pages_for(session.actor):
            page = window.show_page(spec.page_id)
            assert page is not None, spec.page_id
            qtbot.wait(10)
            needed = window.minimumSizeHint().expandedTo(window.minimumSize())
            if needed.width() > smallest.width() or needed.height() > smallest.height():
                too_big.append(f"{spec.page_id} needs {needed.width()}x{needed.height()}")
            area = window.stack.currentWidget()
            if page.minimumSizeHint().width() > area.width():
                sideways.append(f"{spec.page_id} needs {page.minimumSizeHint().width()} px wide")
    finally:
        window.close()
        if not session.locked:
            session.lock()
    assert not too_big, f"does not fit {smallest.width()}x{smallest.height()}: {too_big}"
    assert not sideways, f"scrolls sideways at 100% on {SCREEN.width()}x{SCREEN.height()}: {sideways}"
