"""The composition root: unlock → main window → lock → unlock window, and a clean exit."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cars_desktop.app import GuiController, run_gui
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.unlock_window import UnlockWindow
from tests.conftest import WORKER, WORKER_PASSWORD, Workstation
from tests.ui.conftest import FakeClock, workstation_id


def _unlock(qtbot: QtBot, window: UnlockWindow) -> None:
    window.username.setFocus()
    qtbot.keyClicks(window.username, WORKER)
    qtbot.keyClick(window.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(window.password, WORKER_PASSWORD)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)


def _activate(qtbot: QtBot, window: MainWindow | UnlockWindow) -> None:
    with qtbot.waitActive(window):
        window.activateWindow()


def test_unlock_then_ctrl_l_returns_to_the_unlock_window(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    controller = GuiController(context)
    try:
        controller.start()
        _activate(qtbot, controller.unlock_window)
        _unlock(qtbot, controller.unlock_window)

        main = controller.main_window
        assert main is not None
        assert main.isVisible()
        assert not controller.unlock_window.isVisible()
        session = main.session
        assert "Signed in as Sam Worker" in main.signed_in.text()
        assert "OLDBURY" in main.signed_in.text()
        assert workstation_id(workstation) in main.workstation.text()

        _activate(qtbot, main)
        qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert session.locked
        assert controller.main_window is None
        assert controller.unlock_window.isVisible()
        assert controller.unlock_window.username.text() == WORKER
        assert controller.unlock_window.notice.isVisible()
    finally:
        controller.shutdown()


def test_idle_lock_returns_to_the_unlock_window_with_the_reason(
    qtbot: QtBot, context: AppContext, clock: FakeClock
) -> None:
    controller = GuiController(context)
    try:
        controller.start()
        _unlock(qtbot, controller.unlock_window)
        main = controller.main_window
        assert main is not None
        clock.advance(5 * 60 + 1)
        main.idle_watcher.check()
        assert main.session.locked
        assert controller.unlock_window.isVisible()
        assert controller.unlock_window.notice.text() == "Locked after 5 minutes without use."
    finally:
        controller.shutdown()


def test_shutdown_locks_an_open_session(qtbot: QtBot, context: AppContext) -> None:
    controller = GuiController(context)
    controller.start()
    _unlock(qtbot, controller.unlock_window)
    assert controller.main_window is not None
    session = controller.main_window.session
    controller.shutdown()
    assert session.locked
    assert not any(w.isVisible() for w in QApplication.topLevelWidgets())


def _visible_main_window() -> MainWindow | None:
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    return windows[0] if windows else None


def test_run_gui_unlocks_signs_out_and_returns_zero(qtbot: QtBot, workstation: Workstation) -> None:
    """The whole program with the real task runner: unlock, then Ctrl+Q ends the event loop."""
    seen: dict[str, object] = {}

    def drive() -> None:
        unlock_window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, UnlockWindow))
        _unlock(qtbot, unlock_window)
        qtbot.waitUntil(lambda: _visible_main_window() is not None, timeout=10_000)
        main = _visible_main_window()
        assert main is not None
        seen["session"] = main.session
        main.sign_out_action.trigger()

    QTimer.singleShot(0, drive)
    status = run_gui(workstation.settings, workstation.data_dir, [])
    assert status == 0
    session = seen["session"]
    assert getattr(session, "locked", False)
    # No stray Quit event is left behind to end the next event loop at once.
    timer = QTimer()
    timer.setSingleShot(True)
    with qtbot.waitSignal(timer.timeout, timeout=2_000):
        timer.start(10)
