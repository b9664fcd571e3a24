"""What the journey tests share: a seeded real store, the program's controller, keyboard helpers.

The journeys run the real `GuiController` (unlock window, main window, pages from the registry, form
windows, print previews) over a real SQLCipher store in tmp_path seeded with invented casework, on
the inline task runner, and move by key presses sent to whatever has the focus. Where a step needs
something on screen to be found (a row in a list), the test reads the view's model, never its
pixels, and then moves there with the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from cars_desktop.app import GuiController
from cars_desktop.services.seed import SeedReport, seed
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.form_window import FormWindow
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.unlock_window import UnlockWindow
from tests.conftest import Workstation

CTRL = Qt.KeyboardModifier.ControlModifier
NO_MODIFIER = Qt.KeyboardModifier.NoModifier
SEED_PEOPLE = 40
SEED_DAYS = 7


def seed_casework(workstation: Workstation, people: int = SEED_PEOPLE, days: int = SEED_DAYS) -> SeedReport:
    """Invented people and their casework over the last days, saved as the worker-supervisor."""
    session = workstation.unlock()
    try:
        return seed(session, people, days=days, end=date.today())
    finally:
        session.lock()


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def type_text(qtbot: QtBot, text: str) -> None:
    """Type into whatever has the focus."""
    qtbot.keyClicks(focused(), text)


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER, times: int = 1) -> None:
    """Press a key on whatever has the focus."""
    for _ in range(times):
        qtbot.keyClick(focused(), key, modifier)


def activate(qtbot: QtBot, window: QWidget) -> None:
    """Make a window the active one, as a click on it would (shortcuts need an active window)."""
    with qtbot.waitActive(window):
        window.activateWindow()


def unlock_by_keyboard(qtbot: QtBot, window: UnlockWindow, username: str, password: str) -> None:
    """Type the user name (unless it is kept from the lock) and the password, then Enter."""
    activate(qtbot, window)
    if window.username.text() != username:
        window.username.setFocus()
        window.username.clear()
        type_text(qtbot, username)
        press(qtbot, Qt.Key.Key_Tab)
    else:
        assert focused() is window.password, "after a lock the cursor should wait in the password"
    type_text(qtbot, password)
    press(qtbot, Qt.Key.Key_Return)


@contextmanager
def running_program(context: AppContext) -> Iterator[GuiController]:
    """The program's controller, started on the unlock window and shut down afterwards."""
    controller = GuiController(context)
    try:
        controller.start()
        yield controller
    finally:
        controller.shutdown()


def main_window(controller: GuiController) -> MainWindow:
    window = controller.main_window
    assert window is not None, "no main window: the session is not unlocked"
    return window


def wait_for_form(qtbot: QtBot, window: MainWindow, count: int = 1) -> FormWindow:
    """The newest form window once its form is on screen."""
    qtbot.waitUntil(lambda: len(window.navigator.open_form_windows()) >= count, timeout=5_000)
    form_window = window.navigator.open_form_windows()[-1]
    qtbot.waitUntil(lambda: form_window.form_widget is not None, timeout=5_000)
    return form_window


def wait(qtbot: QtBot, done: Callable[[], bool], timeout_ms: int = 5_000) -> None:
    qtbot.waitUntil(done, timeout=timeout_ms)
