"""What the journey tests share: a seeded real store, the program's controller, keyboard helpers.

The journeys run the real `GuiController` (unlock window, main window, pages from the registry, form
windows, print previews) over a real SQLCipher store in tmp_path seeded with invented casework, on
the inline task runner, and move by key presses sent to whatever has the focus. Where a step needs
something on screen to be found (a row in a list), the test reads the view's model, never its
pixels, and then moves there with the keyboard.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from cars_desktop.app import GuiController
from cars_desktop.services.forms import OpenForm
from cars_desktop.services.seed import SeedReport, seed
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.form_window import FormWindow
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.unlock_window import UnlockWindow
from cars_desktop.ui.widgets.form_widget import Mode
from cars_protocol.records import RecordBase
from tests.conftest import Workstation
from tests.ui.keyboard_driver import KeyboardDriver

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
NO_MODIFIER = Qt.KeyboardModifier.NoModifier
SEED_PEOPLE = 40
W = TypeVar("W", bound=QWidget)
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
    """Make a window the active one, as a click on it would (shortcuts need an active window).

    Waits on the widget's own `isActiveWindow`, not `qtbot.waitActive`: that asks the `QWindow`,
    which counts a window parented to the main window (a form, a preview) as active whenever the
    main window is, so it returned before the window system's activation of the new window had
    been processed and the keys went on to the main window.
    """
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)


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
    # The first page is built on an event-loop turn after the window is shown.
    for _ in range(500):
        if not window.first_page_pending():
            break
        QTest.qWait(10)
    return window


def wait_for_form(qtbot: QtBot, window: MainWindow, count: int = 1) -> FormWindow:
    """The newest form window once its form is on screen."""
    qtbot.waitUntil(lambda: len(window.navigator.open_form_windows()) >= count, timeout=5_000)
    form_window = window.navigator.open_form_windows()[-1]
    qtbot.waitUntil(lambda: form_window.form_widget is not None, timeout=5_000)
    return form_window


def wait(qtbot: QtBot, done: Callable[[], bool], timeout_ms: int = 5_000) -> None:
    qtbot.waitUntil(done, timeout=timeout_ms)


def go_to(qtbot: QtBot, window: MainWindow, page_id: str) -> QWidget:
    """Open a page with its shortcut (Ctrl+number) pressed in the main window; the page shown."""
    keys = window.shortcuts[page_id]
    activate(qtbot, window)
    QTest.keySequence(window, QKeySequence(keys))
    assert window.current_page_id == page_id, f"{keys} did not open {page_id}"
    return window.page_widgets[page_id]


def choose_from_menu(qtbot: QtBot, open_menu: Callable[[], None], title: str) -> None:
    """Open a pop-up menu with a key press (`open_menu`), then pick `title` with Down and Return.

    A pop-up menu runs its own event loop until it closes, so the keys for it are sent from a timer
    that fires inside that loop.
    """
    picked: list[str] = []

    def drive_menu() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu), "no menu opened"
        titles = [action.text() for action in menu.actions()]
        if title not in titles:
            menu.close()
            picked.append(f"not offered: {title!r} (offered {titles})")
            return
        for _ in range(len(titles) + 1):
            active = menu.activeAction()
            if active is not None and active.text() == title:
                break
            qtbot.keyClick(menu, Qt.Key.Key_Down)
        qtbot.keyClick(menu, Qt.Key.Key_Return)
        picked.append(title)

    QTimer.singleShot(0, drive_menu)
    open_menu()
    qtbot.waitUntil(lambda: bool(picked), timeout=5_000)
    assert picked == [title], picked[0]


def complete_form_by_keyboard(
    qtbot: QtBot, window: MainWindow, answers: Mapping[str, Any], count: int = 1
) -> OpenForm:
    """Fill in the newest form window by keyboard, complete it (Ctrl+Return), close it (Ctrl+W)."""
    form_window = wait_for_form(qtbot, window, count)
    form = form_window.form_widget
    assert form is not None
    activate(qtbot, form_window)
    assert form.isAncestorOf(focused()), f"the form opened without the focus: {focused().accessibleName()!r}"
    KeyboardDriver(qtbot, form).fill(answers)
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert form.mode is Mode.COMPLETED, f"not completed: {form.summary.text()} {form.save_error.text()}"
    completed = form.form
    press(qtbot, Qt.Key.Key_W, CTRL)
    wait(qtbot, lambda: form_window not in window.navigator.open_form_windows())
    return completed


def records_of(workstation: Workstation, person_id: uuid.UUID) -> list[RecordBase]:
    """A person's live records, read back in a fresh session."""
    session = workstation.unlock()
    try:
        with session.unit_of_work() as uow:
            return [r for r in uow.records.for_person(person_id) if r.is_live]
    finally:
        session.lock()


def now_minute() -> datetime:
    """Now, to the minute, in UTC (a form's date-times are typed to the minute)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def wait_for_window(qtbot: QtBot, kind: type[W]) -> W:
    """The visible top-level window of a kind (a dialog a key press opened), once it is shown."""

    def shown() -> list[W]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(shown()), timeout=5_000)
    return shown()[-1]
