"""First run: the data folder has no store yet, so the workstation is set up here, once.

Two ways, chosen on the first screen:

* Enrol with the central server: its address and the one-time code IT staff were given. The store
  is created with the server's keys; users then sign in with their central accounts.
* Standalone (no central server): the site and the first administrator, with a password typed
  twice. The recovery key is shown once; continuing needs the last group of it typed back, so
  nobody clicks past the one chance to write it down.

Set-up runs on the task runner (key derivation and the network take time). When it is done,
`sig_done` asks the application for the unlock window. The recovery key is cleared from the screen
as soon as it has been confirmed.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.resources import reference_list
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.help_dialog import open_help
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op

# The set-up services (the store stack, enrolment, httpx) are imported in the tasks that use them:
# this window must be on screen quickly on a first start, before any of that is needed.
if TYPE_CHECKING:
    from cars_desktop.services.enrolment import EnrolResult
    from cars_desktop.services.workstation import InitResult

WINDOW_TITLE = "CARS Desktop — set up this workstation"


def _heading(text: str, scale: float = 1.3) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def _text(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def last_group(recovery_key: str) -> str:
    """The group the operator types back to show they have the key written down."""
    return recovery_key.rsplit("-", 1)[-1]


class FirstRunWindow(QWidget):
    """Choose, set up, (standalone) confirm the recovery key, then `sig_done`."""

    sig_done = Signal()
    """The workstation is set up: show the unlock window."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._busy = False
        self.recovery_key = ""
        self.setWindowTitle(WINDOW_TITLE)
        self.setAccessibleName("Set up this workstation")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._choice_page())
        self.pages.addWidget(self._enrol_page())
        self.pages.addWidget(self._standalone_page())
        self.pages.addWidget(self._key_page())
        self.error = MessageLabel(MessageKind.ERROR, "Set-up problem")
        self.help_button = QPushButton("&Help")
        self.help_button.setAccessibleName("Help on setting up")
        self.help_button.setShortcut("F1")
        self.help_button.clicked.connect(lambda: open_help("first_run", self))

        column = QVBoxLayout()
        column.addWidget(_heading("CARS Desktop", 1.8))
        column.addWidget(_heading("Set up this workstation"))
        column.addWidget(self.pages)
        column.addWidget(self.error)
        column.addLayout(_row(self.help_button, stretch_first=False))
        outer = QGridLayout(self)
        outer.addLayout(column, 1, 1)
        outer.setColumnStretch(0, 1)
        outer.setColumnStretch(1, 2)
        outer.setColumnStretch(2, 1)
        outer.setRowStretch(0, 1)
        outer.setRowStretch(2, 2)
        self.enrol_choice.setFocus()

    # ----- the four screens ---------------------------------------------------------------------

    def _choice_page(self) -> QWidget:
        page = QWidget()
        self.enrol_choice = QRadioButton("&Enrol with the central CARS server (the usual way)")
        self.standalone_choice = QRadioButton("&Standalone workstation, with no central server")
        self.enrol_choice.setChecked(True)
        self.next_button = QPushButton("&Next")
        self.next_button.setAccessibleName("Next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._chosen)
        column = QVBoxLayout(page)
        column.addWidget(
            _text(f"There is no CARS store in {self._context.data_dir} yet. How is this workstation set up?")
        )
        column.addWidget(self.enrol_choice)
        column.addWidget(self.standalone_choice)
        column.addLayout(_row(self.next_button))
        return page

    def _enrol_page(self) -> QWidget:
        page = QWidget()
        self.server_url = QLineEdit(self._context.settings.server_url or "")
        self.server_url.setAccessibleName("Central server address")
        self.server_url.setPlaceholderText("https://cars.example.nhs.uk")
        self.code = QLineEdit()
        self.code.setAccessibleName("One-time enrolment code")
        self.label = QLineEdit(socket.gethostname())
        self.label.setAccessibleName("Name of this workstation")
        self.enrol_button = QPushButton("&Enrol")
        self.enrol_button.setAccessibleName("Enrol")
        self.enrol_button.clicked.connect(self.submit_enrol)
        back = self._back_button()
        form = QFormLayout()
        form.addRow(_buddy("Server &address", self.server_url), self.server_url)
        form.addRow(_buddy("One-time &code", self.code), self.code)
        form.addRow(_buddy("&Workstation name", self.label), self.label)
        column = QVBoxLayout(page)
        column.addWidget(_text("Type the server address and the one-time code IT staff gave you."))
        column.addLayout(form)
        column.addLayout(_row(back, self.enrol_button))
        return page

    def _standalone_page(self) -> QWidget:
        page = QWidget()
        self.site = QComboBox()
        self.site.setAccessibleName("Site")
        for item in reference_list("sites").current():
            self.site.addItem(f"{item.name} ({item.code})", item.code)
        self.admin_username = QLineEdit()
        self.admin_username.setAccessibleName("Administrator's user name")
        self.admin_password = QLineEdit()
        self.admin_password.setAccessibleName("Administrator's password")
        self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_confirm = QLineEdit()
        self.admin_confirm.setAccessibleName("Administrator's password again")
        self.admin_confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.create_button = QPushButton("&Create the workstation")
        self.create_button.setAccessibleName("Create the workstation")
        self.create_button.clicked.connect(self.submit_standalone)
        self.admin_confirm.returnPressed.connect(self.submit_standalone)
        form = QFormLayout()
        form.addRow(_buddy("S&ite", self.site), self.site)
        form.addRow(_buddy("Administrator's &user name", self.admin_username), self.admin_username)
        form.addRow(_buddy("&Password", self.admin_password), self.admin_password)
        form.addRow(_buddy("Password &again", self.admin_confirm), self.admin_confirm)
        column = QVBoxLayout(page)
        column.addWidget(
            _text(
                "The first administrator sets up the other users. Choose a long password (at least 12 "
                "characters; a few unrelated words are good)."
            )
        )
        column.addLayout(form)
        column.addLayout(_row(self._back_button(), self.create_button))
        return page

    def _key_page(self) -> QWidget:
        page = QWidget()
        self.key_label = QLabel()
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        font.setPointSizeF(self.font().pointSizeF() * 1.5)
        self.key_label.setFont(font)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAccessibleName("Recovery key")
        self.written_down = QCheckBox("I have &written the recovery key down and will keep it safe")
        self.written_down.setAccessibleName("I have written the recovery key down")
        self.key_check = QLineEdit()
        self.key_check.setAccessibleName("Last group of the recovery key")
        self.key_check.setMaxLength(8)
        self.continue_button = QPushButton("C&ontinue")
        self.continue_button.setAccessibleName("Continue")
        self.continue_button.setEnabled(False)
        self.continue_button.clicked.connect(self.confirm_key)
        self.written_down.toggled.connect(self._key_ready)
        self.key_check.textChanged.connect(self._key_ready)
        self.key_check.returnPressed.connect(self.confirm_key)
        column = QVBoxLayout(page)
        column.addWidget(_heading("Write down the recovery key now", 1.1))
        column.addWidget(
            _text(
                "This is the only time it is shown. It opens the store if every administrator "
                "password is lost. Keep it in the site safe, never on this computer."
            )
        )
        column.addWidget(self.key_label)
        column.addWidget(self.written_down)
        form = QFormLayout()
        form.addRow(_buddy("Type the &last group of the key", self.key_check), self.key_check)
        column.addLayout(form)
        column.addLayout(_row(self.continue_button))
        return page

    def _back_button(self) -> QPushButton:
        button = QPushButton("&Back")
        button.setAccessibleName("Back")
        button.clicked.connect(lambda: self.show_step(0))
        return button

    # ----- steps --------------------------------------------------------------------------------

    def show_step(self, index: int) -> None:
        """Show one screen and put the focus in its first box."""
        self.error.clear_message()
        self.pages.setCurrentIndex(index)
        first = {0: self.enrol_choice, 1: self.server_url, 2: self.admin_username, 3: self.written_down}
        first[index].setFocus()

    def _chosen(self) -> None:
        self.show_step(1 if self.enrol_choice.isChecked() else 2)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.pages.setEnabled(not busy)

    def submit_enrol(self) -> None:
        """Enrol with the server (off the GUI thread)."""
        if self._busy:
            return
        url, code, label = self.server_url.text().strip(), self.code.text().strip(), self.label.text().strip()
        if not url.startswith(("https://", "http://")):
            self.error.show_message("Type the server address, starting with https://.")
            self.server_url.setFocus()
            return
        if not code:
            self.error.show_message("Type the one-time code.")
            self.code.setFocus()
            return
        context = self._context
        if context.http_factory is None:
            self.error.show_message("This program was started without a network connection to the server.")
            return
        http_factory = context.http_factory

        def work() -> EnrolResult:
            from cars_desktop.services.enrolment import enrol

            http = http_factory()
            try:
                return enrol(context.settings, context.data_dir, url, code, label or "workstation", http)
            finally:
                http.close()

        self._set_busy(True)
        self.error.clear_message()
        run_op(context.runner, work, self._enrolled, self._failed, parent=self)

    def _enrolled(self, _result: EnrolResult) -> None:
        self._set_busy(False)
        self.code.clear()
        self.sig_done.emit()

    def submit_standalone(self) -> None:
        """Create a standalone store with its first administrator (off the GUI thread)."""
        if self._busy:
            return
        username = self.admin_username.text().strip().lower()
        password, again = self.admin_password.text(), self.admin_confirm.text()
        if not username:
            self.error.show_message("Type the administrator's user name.")
            self.admin_username.setFocus()
            return
        if password != again:
            self.admin_password.clear()
            self.admin_confirm.clear()
            self.error.show_message("The two passwords are not the same. Type the password twice again.")
            self.admin_password.setFocus()
            return
        site = str(self.site.currentData())
        context = self._context
        self.admin_password.clear()
        self.admin_confirm.clear()
        self._set_busy(True)
        self.error.clear_message()

        def create() -> InitResult:
            from cars_desktop.services.workstation import init_workstation

            return init_workstation(context.settings, context.data_dir, site, username, password)

        run_op(
            context.runner,
            create,
            self._created,
            self._failed,
            parent=self,
        )

    def _created(self, result: InitResult) -> None:
        self._set_busy(False)
        self.recovery_key = result.recovery_key
        self.key_label.setText(result.recovery_key)
        self.show_step(3)

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self.error.show_message(message)

    def _key_ready(self) -> None:
        self.continue_button.setEnabled(self.written_down.isChecked() and bool(self.key_check.text().strip()))

    def confirm_key(self) -> None:
        """Continue only with the box ticked and the key's last group typed back correctly."""
        if not self.recovery_key:
            return
        typed = self.key_check.text().strip().upper()
        if not self.written_down.isChecked():
            self.error.show_message("Tick the box to say the recovery key is written down.")
            self.written_down.setFocus()
            return
        if typed != last_group(self.recovery_key).upper():
            self.error.show_message(
                "That is not the last group of the recovery key. Check what you wrote down and type its "
                "last four characters."
            )
            self.key_check.selectAll()
            self.key_check.setFocus()
            return
        self.recovery_key = ""
        self.key_label.clear()
        self.key_check.clear()
        self.sig_done.emit()


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def _row(*buttons: QPushButton, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    if stretch_first:
        row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    if not stretch_first:
        row.addStretch(1)
    return row
