"""The unlock window, driven from the keyboard against a real store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.task_runner import InlineTaskRunner, TaskRunner
from cars_desktop.ui.unlock_window import WINDOW_TITLE, UnlockWindow
from tests.conftest import SITE, WORKER, WORKER_PASSWORD, Workstation
from tests.ui.conftest import FakeClock, workstation_id


def _window(qtbot: QtBot, context: AppContext) -> UnlockWindow:
    window = UnlockWindow(context)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def _type_and_unlock(qtbot: QtBot, window: UnlockWindow, username: str, password: str) -> None:
    """Keyboard only: type the user name, Tab to the password, type it, press Enter."""
    window.username.setFocus()
    qtbot.keyClicks(window.username, username)
    qtbot.keyClick(window.username, Qt.Key.Key_Tab)
    assert window.focusWidget() is window.password
    qtbot.keyClicks(window.password, password)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)


def _lock_all(sessions: list[WorkstationSession]) -> None:
    for session in sessions:
        session.lock("test_done")


def test_shows_site_and_workstation(qtbot: QtBot, context: AppContext, workstation: Workstation) -> None:
    window = _window(qtbot, context)
    assert window.windowTitle() == WINDOW_TITLE
    assert SITE in window.where.text()
    assert workstation_id(workstation) in window.where.text()
    assert window.password.echoMode() == QLineEdit.EchoMode.Password
    assert window.form_enabled


def test_wrong_password_shows_the_message_and_clears_the_field(qtbot: QtBot, context: AppContext) -> None:
    window = _window(qtbot, context)
    unlocked: list[WorkstationSession] = []
    window.sig_unlocked.connect(unlocked.append)
    _type_and_unlock(qtbot, window, WORKER, "not the password")
    assert unlocked == []
    assert window.error.isVisible()
    assert "not right" in window.error.text()
    assert "4 attempts left" in window.error.text()  # five are allowed by default
    assert window.password.text() == ""
    assert window.username.text() == WORKER
    assert window.form_enabled


def test_too_many_failures_say_locked_out_until_when(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    window = _window(qtbot, context)
    for _ in range(workstation.settings.lockout_attempts):
        window.username.clear()
        _type_and_unlock(qtbot, window, WORKER, "not the password")
    assert "locked out" in window.error.text()
    assert "try again after" in window.error.text()
    window.username.clear()
    _type_and_unlock(qtbot, window, WORKER, WORKER_PASSWORD)  # even the right password is refused now
    assert "locked out" in window.error.text()


def test_empty_fields_are_asked_for_without_calling_the_service(qtbot: QtBot, context: AppContext) -> None:
    window = _window(qtbot, context)
    qtbot.keyClick(window.username, Qt.Key.Key_Return)
    assert window.focusWidget() is window.password  # Enter in the user name moves on to the password
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    assert window.error.text() == "Type your user name."


def test_right_password_unlocks_with_the_real_task_runner(
    qtbot: QtBot, workstation: Workstation, clock: FakeClock
) -> None:
    runner = TaskRunner()
    context = AppContext(workstation.settings, workstation.data_dir, runner, clock=clock)
    window = _window(qtbot, context)
    with qtbot.waitSignal(window.sig_unlocked, timeout=10_000) as blocker:
        _type_and_unlock(qtbot, window, WORKER, WORKER_PASSWORD)
        # While Argon2id runs the form is disabled and the busy indicator is shown.
        assert not window.username.isEnabled()
        assert not window.unlock_button.isEnabled()
        assert window.busy_bar.isVisible()
        assert window.password.text() == ""
    session = blocker.args[0] if blocker.args else None
    assert isinstance(session, WorkstationSession)
    try:
        assert session.user.username == WORKER
        assert not session.locked
        assert window.form_enabled
        assert not window.busy_bar.isVisible()
        assert window.password.text() == ""
    finally:
        _lock_all([session])
        runner.shutdown()


def test_tab_order_reaches_the_unlock_button(qtbot: QtBot, context: AppContext) -> None:
    window = _window(qtbot, context)
    window.username.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.password
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.unlock_button


def test_every_input_has_an_accessible_name(qtbot: QtBot, context: AppContext) -> None:
    window = _window(qtbot, context)
    for widget in (window.username, window.password, window.unlock_button, window.error, window.busy_bar):
        assert widget.accessibleName()


def test_missing_store_tells_the_operator_to_run_init(
    qtbot: QtBot, tmp_path: Path, workstation: Workstation
) -> None:
    context = AppContext(workstation.settings, tmp_path / "empty", InlineTaskRunner())
    window = _window(qtbot, context)
    assert window.store_problem.isVisible()
    assert "cars-desktop init" in window.store_problem.text()
    assert not window.username.isEnabled()
    assert not window.password.isEnabled()
    assert not window.unlock_button.isEnabled()
    assert not window.form_enabled
