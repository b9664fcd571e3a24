"""Dialogs of the local users page: enrol a user, reset a password, disable a user.

Each dialog runs its own op (`run_op`: Argon2id wrapping takes a noticeable moment, so never on
the GUI thread) and stays open with the message beside the fields if the service refuses, so
nothing typed is lost to a mistake. On success it emits `sig_done` with a notice for the page and
closes. Passwords are cleared from the fields as soon as they have been handed to the service, and
never logged. Dialogs are opened with `open()` (window-modal, event loop keeps running).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.access import Permission, allows
from cars_desktop.services.users import (
    UserSummary,
    disable_user,
    enrol_user,
    reset_password,
    reset_password_using_recovery_key,
)
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.users_model import ROLE_WORDS
from cars_protocol.records import Role


def _password_field(accessible_name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible_name)
    return field


class _OpDialog(QDialog):
    """What the three dialogs share: an error label, OK/Cancel, and running one op at a time."""

    sig_done = Signal(str)
    """The op succeeded; the notice to show on the page."""

    def __init__(self, context: PageContext, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._context = context
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.error = MessageLabel(MessageKind.ERROR, "Problem", self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAccessibleName(ok_text.replace("&", ""))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)

    def finish_layout(self, default: QPushButton | None = None) -> None:
        """Add the message and the buttons below the fields; Return presses `default` (else OK)."""
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)
        # Set once the buttons are inside the dialog: a button outside one cannot be its default.
        (default or self.ok_button).setDefault(True)

    def _submit(self) -> None:
        raise NotImplementedError

    def run(self, fn: Callable[[], object], notice: str) -> None:
        """Run the service call; close with `notice` on success, or show why not and stay open."""
        self.error.clear_message()
        self.ok_button.setEnabled(False)

        def succeeded(_: object) -> None:
            self.ok_button.setEnabled(True)
            self.sig_done.emit(notice)
            self.accept()

        def failed(message: str) -> None:
            self.ok_button.setEnabled(True)
            self.error.show_message(message)

        run_op(self._context.app.runner, fn, succeeded, failed, parent=self)


class EnrolUserDialog(_OpDialog):
    """A new local user: user name, name, roles and a first password typed twice."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, "Enrol a user", "&Enrol", parent)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Name")
        form.addRow("&User name", self.username)
        form.addRow("&Name", self.display_name)
        roles_row = QHBoxLayout()
        self.role_boxes: dict[Role, QCheckBox] = {}
        is_admin = context.session.user.has_role(Role.ADMIN)
        for role in Role:
            box = QCheckBox(ROLE_WORDS.get(role.value, role.value))
            box.setAccessibleName(f"Role: {ROLE_WORDS.get(role.value, role.value)}")
            box.setEnabled(role is not Role.ADMIN or is_admin)
            self.role_boxes[role] = box
            roles_row.addWidget(box)
        form.addRow(QLabel("Roles"), roles_row)
        self.password = _password_field("Password")
        self.confirm = _password_field("Password again")
        form.addRow("&Password", self.password)
        form.addRow("Password &again", self.confirm)
        hint = QLabel("Give the new user their password in person. They can change it after unlocking.")
        hint.setWordWrap(True)
        self.layout_.addLayout(form)
        self.layout_.addWidget(hint)
        self.finish_layout()

    def _submit(self) -> None:
        username = self.username.text().strip()
        name = self.display_name.text().strip() or username
        roles = frozenset(role for role, box in self.role_boxes.items() if box.isChecked())
        if not username:
            self.error.show_message("type the new user's user name")
            self.username.setFocus()
            return
        if not roles:
            self.error.show_message("tick at least one role")
            return
        if self.password.text() != self.confirm.text():
            self.error.show_message("the two passwords are not the same; type them again")
            self.confirm.clear()
            self.password.selectAll()
            self.password.setFocus()
            return
        password = self.password.text()
        session = self._context.session
        self.run(
            lambda: enrol_user(session, username, name, roles, password),
            f"Enrolled {username}: they can unlock this workstation now",
        )


class ResetPasswordDialog(_OpDialog):
    """A new password for a user, with the administrator's rights or the recovery key."""

    def __init__(self, context: PageContext, user: UserSummary, parent: QWidget | None = None) -> None:
        super().__init__(context, f"Reset the password of {user.username}", "&Reset password", parent)
        self.user = user
        may_reset = allows(context.session.actor, Permission.RESET_OTHERS_PASSWORDS)
        self.with_rights = QRadioButton("With my administrator &rights")
        self.with_rights.setAccessibleName("Reset with my administrator rights")
        self.with_rights.setEnabled(may_reset)
        self.with_key = QRadioButton("With the recovery &key")
        self.with_key.setAccessibleName("Reset with the recovery key")
        group = QButtonGroup(self)
        group.addButton(self.with_rights)
        group.addButton(self.with_key)
        (self.with_rights if may_reset else self.with_key).setChecked(True)
        self.recovery = QLineEdit()
        self.recovery.setAccessibleName("Recovery key")
        self.recovery.setPlaceholderText("nine groups of four letters and digits")
        self.with_key.toggled.connect(self.recovery.setEnabled)
        self.recovery.setEnabled(self.with_key.isChecked())
        form = QFormLayout()
        form.addRow(self.with_rights)
        form.addRow(self.with_key)
        form.addRow("Recovery ke&y", self.recovery)
        self.password = _password_field("New password")
        self.confirm = _password_field("New password again")
        form.addRow("&New password", self.password)
        form.addRow("New password &again", self.confirm)
        note = QLabel(f"Any lockout of {user.username} is cleared too. Tell them the new password in person.")
        note.setWordWrap(True)
        self.layout_.addLayout(form)
        self.layout_.addWidget(note)
        self.finish_layout()

    def _submit(self) -> None:
        if self.password.text() != self.confirm.text():
            self.error.show_message("the two passwords are not the same; type them again")
            self.confirm.clear()
            self.password.selectAll()
            self.password.setFocus()
            return
        password, username, session = self.password.text(), self.user.username, self._context.session
        notice = f"Password reset for {username}: they can unlock with the new one"
        if self.with_key.isChecked():
            key_text = self.recovery.text()
            if not key_text.strip():
                self.error.show_message("type the recovery key, or choose to reset with your rights")
                self.recovery.setFocus()
                return
            self.run(lambda: reset_password_using_recovery_key(session, key_text, username, password), notice)
        else:
            self.run(lambda: reset_password(session, username, password), notice)

    def done(self, result: int) -> None:
        """Forget what was typed whichever way the dialog closes."""
        for field in (self.password, self.confirm, self.recovery):
            field.clear()
        super().done(result)


class DisableUserDialog(_OpDialog):
    """Confirm disabling a user: what it does and what it keeps."""

    def __init__(self, context: PageContext, user: UserSummary, parent: QWidget | None = None) -> None:
        super().__init__(context, f"Disable {user.username}", "&Disable user", parent)
        self.user = user
        text = QLabel(
            f"{user.display_name} ({user.username}) will no longer be able to unlock this workstation. "
            "Their account and everything they recorded stay, with their name on it, and the audit "
            "log keeps what they did. On a workstation enrolled with the central service, disable them "
            "there too, or they can still sign in here through the server."
        )
        text.setWordWrap(True)
        self.layout_.addWidget(text)
        self.finish_layout(default=self.buttons.button(QDialogButtonBox.StandardButton.Cancel))

    def _submit(self) -> None:
        session, username = self._context.session, self.user.username
        self.run(
            lambda: disable_user(session, username),
            f"Disabled {username}: they can no longer unlock this workstation",
        )


def button(text: str, accessible_name: str, shortcut: str | None = None) -> QPushButton:
    """A page button with an accessible name and, if given, a shortcut named in its tooltip."""
    widget = QPushButton(text)
    widget.setAccessibleName(accessible_name)
    if shortcut:
        widget.setShortcut(shortcut)
        widget.setToolTip(f"{accessible_name} ({shortcut})")
    return widget
