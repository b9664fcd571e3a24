"""The unlock window: the first thing on screen and where the program returns on every lock.

Unlocking derives a key with Argon2id (a fraction of a second by design), so it runs as an op on the
task runner with the form disabled and a busy indicator shown. The password field is emptied as
soon as an attempt starts, whatever its outcome, so a password never sits in a widget on a shared PC.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPaintEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.errors import CarsError, StoreError
from cars_desktop.services.workstation_facts import WorkstationIdentity, workstation_identity
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op

if TYPE_CHECKING:
    from cars_desktop.config import Settings
    from cars_desktop.services.workstation import WorkstationSession

WINDOW_TITLE = "CARS Desktop — unlock"


def _heading(text: str, scale: float) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


class UnlockWindow(QWidget):
    """User name and password in, an unlocked `WorkstationSession` out through `sig_unlocked`."""

    sig_unlocked = Signal(object)
    """A session was unlocked (the `WorkstationSession`)."""

    sig_first_paint = Signal()
    """The window has been painted for the first time (queued after that paint): the program can
    start its background warm-up without delaying what the user first sees."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._busy = False
        self._painted = False
        self.facts: WorkstationIdentity | None = None
        self.setWindowTitle(WINDOW_TITLE)
        self.setAccessibleName("Unlock CARS Desktop")

        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where.setAccessibleName("Workstation")
        self.notice = MessageLabel(MessageKind.NOTICE, "Notice")
        self.store_problem = MessageLabel(MessageKind.ERROR, "Workstation problem")

        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_button = QPushButton("Un&lock")  # Alt+L: Alt+U is the user name's
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.setAutoDefault(True)  # Enter on the focused button unlocks too
        self.error = MessageLabel(MessageKind.ERROR, "Unlock error")
        self.busy_label = QLabel("Unlocking…")
        self.busy_label.setAccessibleName("Unlocking")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # no measure of progress: Argon2id either finishes or fails
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setAccessibleName("Unlocking, please wait")

        self._build_layout()
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.unlock_button)
        self.username.returnPressed.connect(self._on_username_return)
        self.password.returnPressed.connect(self.submit)
        self.unlock_button.clicked.connect(self.submit)
        self._set_busy(False)
        self.reload_workstation()

    def _build_layout(self) -> None:
        form = QFormLayout()
        user_label = QLabel("&User name")
        user_label.setBuddy(self.username)
        password_label = QLabel("&Password")
        password_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(password_label, self.password)

        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy_label)
        busy_row.addWidget(self.busy_bar, 1)
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.unlock_button)

        column = QVBoxLayout()
        column.addWidget(_heading("CARS Desktop", 1.8))
        column.addWidget(_heading("Unlock this workstation", 1.2))
        column.addWidget(self.where)
        column.addWidget(self.store_problem)
        column.addWidget(self.notice)
        column.addSpacing(self.fontMetrics().height())
        column.addLayout(form)
        column.addWidget(self.error)
        column.addLayout(busy_row)
        column.addLayout(button_row)

        # Centre the column and give it half the width, whatever the screen: stretch, not pixels.
        outer = QGridLayout(self)
        outer.addLayout(column, 1, 1)
        outer.setColumnStretch(0, 1)
        outer.setColumnStretch(1, 2)
        outer.setColumnStretch(2, 1)
        outer.setRowStretch(0, 1)
        outer.setRowStretch(2, 2)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """Paint as usual; after the first paint, say so once (queued, so the paint completes)."""
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self, self.sig_first_paint.emit)

    def reload_workstation(self) -> None:
        """Read the site and workstation id; with no usable store, say why and disable the form."""
        try:
            self.facts = workstation_identity(self._context.data_dir)
        except StoreError as exc:
            self.facts = None
            self.where.setText("")
            self.where.setVisible(False)
            self.store_problem.show_message(exc.message)
        else:
            self.where.setText(f"Site: {self.facts.site_label}\nWorkstation: {self.facts.workstation_id}")
            self.where.setAccessibleDescription(self.where.text())
            self.where.setVisible(True)
            self.store_problem.clear_message()
        self._set_busy(False)

    @property
    def form_enabled(self) -> bool:
        """Whether someone can type and unlock now (a store is present and no unlock is running)."""
        return self.facts is not None and not self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        enabled = self.form_enabled
        for widget in (self.username, self.password, self.unlock_button):
            widget.setEnabled(enabled)
        self.busy_label.setVisible(busy)
        self.busy_bar.setVisible(busy)

    def show_locked(self, message: str, username: str = "") -> None:
        """Back after a lock: say why, keep the user name and put the cursor in the password."""
        self.error.clear_message()
        self.notice.show_message(message)
        self.username.setText(username)
        self.password.clear()
        (self.password if username else self.username).setFocus()

    def _on_username_return(self) -> None:
        if self.password.text():
            self.submit()
        else:
            self.password.setFocus()

    def submit(self) -> None:
        """Start an unlock with what is typed; the password field is emptied at once."""
        if not self.form_enabled:
            return
        username = self.username.text().strip().lower()  # user names are lower case by rule
        password = self.password.text()
        self.password.clear()
        self.notice.clear_message()
        if not username:
            self.error.show_message("Type your user name.")
            self.username.setFocus()
            return
        if not password:
            self.error.show_message("Type your password.")
            self.password.setFocus()
            return
        self.error.clear_message()
        self._set_busy(True)
        context = self._context

        def attempt() -> WorkstationSession:
            # Imported here, on the task runner: the store stack (SQLAlchemy, SQLCipher, Alembic,
            # httpx) is not needed to draw this window, and is usually warmed up by now (app.py).
            from cars_desktop.services.workstation import unlock

            # With a server connection an enrolled workstation can enrol a user new to this PC, and
            # sync when the offline limit requires it; `unlock` uses it only when enrolled.
            http = None
            if context.http_factory is not None:
                try:
                    http = context.http_factory()
                except CarsError:  # an unreadable CA file must not stop an offline unlock
                    http = None
            try:
                return unlock(context.settings, context.data_dir, username, password, http=http)
            finally:
                if http is not None:
                    http.close()

        run_op(context.runner, attempt, self._unlocked, self._failed, parent=self)

    def use_settings(self, settings: Settings) -> None:
        """Unlock with these settings from now on (saved on the Settings page in the last session)."""
        self._context = replace(self._context, settings=settings)

    def _unlocked(self, session: WorkstationSession) -> None:
        self._set_busy(False)
        self.username.clear()
        self.sig_unlocked.emit(session)

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self.error.show_message(message)
        self.password.setFocus()
