"""The local users page over a real store, driven by the keyboard."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import AuthenticationFailed, InvalidInput, NotPermitted
from cars_desktop.services.audit_log_view import AuditFilter, read_audit_page
from cars_desktop.services.users import disable_user, list_users, reset_password_using_recovery_key
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages import users_admin_page
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.user_dialogs import DisableUserDialog, EnrolUserDialog, ResetPasswordDialog
from cars_desktop.ui.pages.users_admin_page import UsersAdminPage
from cars_desktop.ui.pages.users_model import UsersModel
from tests.conftest import ADMIN, ADMIN_PASSWORD, CUSTODY, CUSTODY_PASSWORD, WORKER, Workstation


class RecordingNavigator:
    """A navigator that records what the page asked for."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, object]] = []

    def show_page(self, page_id: str) -> None:
        self.asked.append(("page", page_id))

    def open_person(self, person_id: uuid.UUID) -> None:
        self.asked.append(("person", person_id))

    def open_form(
        self, person_id: uuid.UUID, form_id: str, record_id: uuid.UUID | None = None, **_: object
    ) -> None:
        self.asked.append(("form", form_id))

    def preview_document(self, person_id: uuid.UUID, kind: str, *_: object) -> None:
        self.asked.append(("preview", kind))

    def notify(self, message: str) -> None:
        self.asked.append(("notify", message))


@pytest.fixture
def admin(workstation: Workstation) -> Iterator[WorkstationSession]:
    unlocked = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    yield unlocked
    unlocked.lock()


def _page(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> tuple[UsersAdminPage, ChangeBus]:
    bus = ChangeBus()
    page = UsersAdminPage(PageContext(context, session, bus, RecordingNavigator()))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.table.setFocus()
    return page, bus


def _dialog(qtbot: QtBot, kind: type[QWidget]) -> QWidget:
    """The one open dialog of `kind` (a button's shortcut clicks it after a short animation)."""

    def found() -> list[QWidget]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]

    qtbot.waitUntil(lambda: len(found()) == 1)
    dialog = found()[0]
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _closed(dialog: QWidget) -> bool:
    """Closed (and perhaps already deleted: the page's dialogs delete themselves on close)."""
    return not isValid(dialog) or not dialog.isVisible()


def _back(qtbot: QtBot, page: QWidget) -> None:
    """A closed dialog hands activation back to its page (the offscreen platform needs asking)."""
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)


def _alt(qtbot: QtBot, widget: QWidget, key: Qt.Key) -> None:
    """Press Alt+key (a button's mnemonic) and let the button's click animation finish."""
    qtbot.keyClick(widget, key, Qt.KeyboardModifier.AltModifier)
    qtbot.wait(150)


def _type(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget(), text)


def test_model_passes_the_model_tester(qtmodeltester, admin: WorkstationSession) -> None:  # type: ignore[no-untyped-def]
    model = UsersModel()
    model.set_rows(list_users(admin))
    qtmodeltester.check(model)
    texts = {model.index(r, 0).data(): model.index(r, 3).data() for r in range(model.rowCount())}
    assert texts == {ADMIN: "Active", WORKER: "Active", CUSTODY: "Active"}
    assert model.index(0, 4).data(Qt.ItemDataRole.DisplayRole) != ""
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Roles"


def test_enrol_by_keyboard_then_reset_and_disable(
    qtbot: QtBot, context: AppContext, admin: WorkstationSession, workstation: Workstation
) -> None:
    page, bus = _page(qtbot, context, admin)
    assert page.model.rowCount() == 3
    heard: list[Changes] = []
    bus.sig_changed.connect(heard.append)

    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = _dialog(qtbot, EnrolUserDialog)
    assert isinstance(dialog, EnrolUserDialog)
    dialog.username.setFocus()
    _type(qtbot, "jo.new")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    _type(qtbot, "Jo New")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # first role: Worker
    assert QApplication.focusWidget() is dialog.role_boxes[next(iter(dialog.role_boxes))]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    dialog.password.setFocus()
    _type(qtbot, "a fine new pass 1")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    _type(qtbot, "a different one 2")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert dialog.isVisible() and "not the same" in dialog.error.text()
    assert QApplication.focusWidget() is dialog.password
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    _type(qtbot, "a fine new pass 1")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _closed(dialog))
    assert "Enrolled jo.new" in page.notice.text()
    assert heard and heard[-1].users
    assert page.model.row_of("jo.new") >= 0
    unlock(workstation.settings, workstation.data_dir, "jo.new", "a fine new pass 1").lock()

    # reset jo.new's password with administrator rights
    _back(qtbot, page)
    assert QApplication.focusWidget() is page.table
    page.select("jo.new")
    qtbot.keyClick(page.table, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    reset = _dialog(qtbot, ResetPasswordDialog)
    assert isinstance(reset, ResetPasswordDialog) and reset.with_rights.isChecked()
    reset.password.setFocus()
    _type(qtbot, "the reset pass 99")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    _type(qtbot, "the reset pass 99")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _closed(reset))
    unlock(workstation.settings, workstation.data_dir, "jo.new", "the reset pass 99").lock()

    # disable: the confirmation defaults to Cancel, so Return alone changes nothing
    _back(qtbot, page)
    page.select("jo.new")
    qtbot.keyClick(page.table, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    confirm = _dialog(qtbot, DisableUserDialog)
    qtbot.keyClick(confirm, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: _closed(confirm))
    _back(qtbot, page)
    page.select("jo.new")
    qtbot.keyClick(page.table, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    confirm = _dialog(qtbot, DisableUserDialog)
    assert isinstance(confirm, DisableUserDialog)
    _alt(qtbot, confirm, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: _closed(confirm))
    row = page.model.row_of("jo.new")
    assert page.model.index(row, 3).data() == "Disabled"
    with pytest.raises(AuthenticationFailed):
        unlock(workstation.settings, workstation.data_dir, "jo.new", "the reset pass 99")
    page.select("jo.new")
    assert not page.reset_button.isEnabled() and not page.disable_button.isEnabled()


def test_lockout_is_shown_and_cleared(
    qtbot: QtBot, context: AppContext, admin: WorkstationSession, workstation: Workstation
) -> None:
    for _ in range(workstation.settings.lockout_attempts):
        with pytest.raises(AuthenticationFailed):
            unlock(workstation.settings, workstation.data_dir, CUSTODY, "wrong password here")
    page, _ = _page(qtbot, context, admin)
    row = page.model.row_of(CUSTODY)
    assert page.model.index(row, 3).data().startswith("Locked out until ")
    page.select(CUSTODY)
    assert page.clear_button.isEnabled()
    _alt(qtbot, page, Qt.Key.Key_C)
    assert page.model.index(page.model.row_of(CUSTODY), 3).data() == "Active"
    assert "pc.booker can try" in page.notice.text()
    unlock(workstation.settings, workstation.data_dir, CUSTODY, CUSTODY_PASSWORD).lock()


def test_supervisor_resets_with_the_recovery_key(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, workstation: Workstation
) -> None:
    page, _ = _page(qtbot, context, session)
    page.select(CUSTODY)
    page.reset_password()
    dialog = _dialog(qtbot, ResetPasswordDialog)
    assert isinstance(dialog, ResetPasswordDialog)
    assert not dialog.with_rights.isEnabled() and dialog.with_key.isChecked()
    dialog.recovery.setText("AAAA-AAAA")
    dialog.password.setText("recovered pass 77")
    dialog.confirm.setText("recovered pass 77")
    dialog.ok_button.click()
    assert dialog.isVisible() and "recovery key is 36" in dialog.error.text()
    dialog.recovery.setText(workstation.recovery_key)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: _closed(dialog))
    unlock(workstation.settings, workstation.data_dir, CUSTODY, "recovered pass 77").lock()
    entries = read_audit_page(session, AuditFilter(operation="administration")).entries
    assert "via: recovery_key" in entries[0].details and "user: pc.booker" in entries[0].details


def test_disable_rules(
    admin: WorkstationSession, session: WorkstationSession, workstation: Workstation
) -> None:
    with pytest.raises(InvalidInput, match="cannot disable yourself"):
        disable_user(admin, ADMIN)
    with pytest.raises(NotPermitted, match="only an administrator"):
        disable_user(session, ADMIN)
    with pytest.raises(InvalidInput, match="no user called"):
        disable_user(admin, "nobody")
    disable_user(admin, CUSTODY)
    with pytest.raises(InvalidInput, match="already disabled"):
        disable_user(admin, CUSTODY)
    with pytest.raises(InvalidInput, match="is disabled"):
        reset_password_using_recovery_key(admin, workstation.recovery_key, CUSTODY, "whatever pass 12")


def test_custody_staff_cannot_open_the_page(qtbot: QtBot, workstation: Workstation) -> None:
    from cars_desktop.domain.access import allows

    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        assert users_admin_page.PAGE.permission is not None
        assert not allows(custody.actor, users_admin_page.PAGE.permission)
    finally:
        custody.lock()
