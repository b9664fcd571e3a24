"""Asks why a completed form is being changed: the reason is kept with the new revision and in the audit log.

The dialog is opened with `open()`, never `exec()`, so the event loop (autosave, the idle lock, tests)
keeps running; the reason arrives through `sig_reason`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

MIN_REASON_CHARS = 5
MAX_REASON_CHARS = 500


class AmendReasonDialog(QDialog):
    """A one-line reason; OK ("Amend") stays disabled until the reason says something."""

    sig_reason = Signal(str)
    """The worker gave a reason and chose Amend."""

    def __init__(self, form_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Amend {form_title}")
        self.setAccessibleName("Reason for the amendment")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        prompt = QLabel(
            "This form is completed. Say why it is being changed; the reason is kept with the record "
            "and the earlier version stays in its history."
        )
        prompt.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setMaxLength(MAX_REASON_CHARS)
        self.reason.setPlaceholderText("for example: batch number was mistyped")
        prompt.setBuddy(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.amend_button = self.buttons.addButton("&Amend", QDialogButtonBox.ButtonRole.AcceptRole)
        self.amend_button.setAccessibleName("Amend")
        self.amend_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self._check)
        self.reason.returnPressed.connect(self.accept)
        column = QVBoxLayout(self)
        column.addWidget(prompt)
        column.addWidget(self.reason)
        column.addWidget(self.buttons)
        self._check()

    def _check(self) -> None:
        self.amend_button.setEnabled(len(self.reason.text().strip()) >= MIN_REASON_CHARS)

    def accept(self) -> None:
        """Hand the reason on only if it is long enough (Enter in the line edit comes here too)."""
        reason = self.reason.text().strip()
        if len(reason) < MIN_REASON_CHARS:
            return
        super().accept()
        self.sig_reason.emit(reason)
