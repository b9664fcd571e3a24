"""The editor every field is drawn with, and the editors for text, numbers, signatures and scores.

Each editor binds one answer both ways in the JSON shape `forms.validation` checks: `value()` gives
the answer (None while blank), `set_value()` shows a stored one. Typed text that cannot become an
answer yet (letters in a number) is never thrown away: the editor keeps it on screen, reports it
through `problem()` and gives None as the answer, so the rest of the form still saves.

Editors emit `sig_edited` for changes the worker makes, never for `set_value`, so loading a draft
does not look like typing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from cars_desktop.forms.computed import shown_value
from cars_desktop.forms.spec import FieldSpec
from cars_desktop.ui.widgets.typed_dates import uk_time_text

NUMBER_WIDTH_CHARS = 12


def char_width(widget: QWidget, chars: int) -> int:
    """The width of `chars` average characters in the widget's font, so sizes follow the font, not pixels."""
    return widget.fontMetrics().horizontalAdvance("0" * chars) + 16


class FieldEditor(QWidget):
    """One answer's editor; subclasses build the Qt widgets and convert to and from the answer."""

    sig_edited = Signal()
    """The worker changed the answer (not emitted by `set_value`)."""
    sig_left = Signal()
    """The worker finished with the field (pressed Return or moved on): time to show its messages."""

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.accessible_name = accessible_name
        self.setAccessibleName(accessible_name)
        self.touched = False
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)

    def value(self) -> Any:
        """The answer in its stored JSON shape, or None while blank or not yet readable."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show a stored answer (None clears the editor)."""
        raise NotImplementedError

    def problem(self) -> str | None:
        """What is wrong with typed text that cannot become an answer yet, or None."""
        return None

    def set_read_only(self, read_only: bool) -> None:
        """Completed forms show their answers without letting them change."""
        for widget in self.focus_widgets():
            widget.setEnabled(not read_only)

    def focus_widgets(self) -> list[QWidget]:
        """The widgets Tab stops at, in order."""
        raise NotImplementedError

    def focus_first(self) -> None:
        """Put the keyboard focus in this field."""
        widgets = self.focus_widgets()
        if widgets:
            widgets[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def has_focus_within(self) -> bool:
        """Whether the keyboard focus is in one of this editor's widgets."""
        return any(w.hasFocus() for w in self.focus_widgets())

    def _edited(self) -> None:
        self.sig_edited.emit()

    def _left(self) -> None:
        self.touched = True
        self.sig_left.emit()


class _LineEditor(FieldEditor):
    """A single line of typed text; subclasses turn the text into the answer."""

    max_chars: int | None = None

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(spec, accessible_name, parent)
        self.line = QLineEdit()
        self.line.setAccessibleName(accessible_name)
        if self.max_chars is not None:
            self.line.setMaximumWidth(char_width(self.line, self.max_chars))
        self.line.textEdited.connect(self._edited)
        self.line.editingFinished.connect(self._finished)
        self._row.addWidget(self.line)
        if self.max_chars is not None:
            self._row.addStretch(1)

    def _finished(self) -> None:
        self._left()

    def focus_widgets(self) -> list[QWidget]:
        return [self.line]

    def set_read_only(self, read_only: bool) -> None:
        # Read-only rather than disabled: a keyboard user can still reach and read the answer.
        self.line.setReadOnly(read_only)

    def text(self) -> str:
        return self.line.text().strip()


class ShortTextEditor(_LineEditor):
    """Short text: the answer is the trimmed text."""

    def value(self) -> Any:
        return self.text() or None

    def set_value(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))


class PersonLookupEditor(_LineEditor):
    """A person's reference (their record id), typed or pasted until a person search page exists."""

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(spec, accessible_name, parent)
        self.line.setPlaceholderText("the person's reference")

    def value(self) -> Any:
        if self.problem() is not None:
            return None
        return str(uuid.UUID(self.text())) if self.text() else None

    def problem(self) -> str | None:
        if not self.text():
            return None
        try:
            uuid.UUID(self.text())
        except ValueError:
            return "paste the person's reference from their record"
        return None

    def set_value(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))


class NumberEditor(_LineEditor):
    """A whole or decimal number typed as text, so a blank stays blank (a spin box would show 0)."""

    max_chars = NUMBER_WIDTH_CHARS

    def __init__(
        self, spec: FieldSpec, accessible_name: str, whole: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(spec, accessible_name, parent)
        self.whole = whole
        self.line.setAlignment(Qt.AlignmentFlag.AlignRight)

    def _parsed(self) -> int | float | None:
        text = self.text().replace(",", "")
        if not text:
            return None
        if self.whole:
            return int(text)
        number = float(text)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(text)
        return int(number) if number.is_integer() and "." not in text else number

    def value(self) -> Any:
        try:
            return self._parsed()
        except ValueError:
            return None

    def problem(self) -> str | None:
        try:
            self._parsed()
        except ValueError:
            return "enter a whole number, in digits" if self.whole else "enter a number, in digits"
        return None

    def set_value(self, value: Any) -> None:
        self.line.setText("" if value is None else f"{value:g}" if isinstance(value, float) else str(value))


class _PlainText(QPlainTextEdit):
    """A few lines tall, and Tab moves on (a worker tabbing through the form must not type a tab)."""

    LINES = 4
    sig_focus_out = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        margins = self.contentsMargins()
        height = self.fontMetrics().lineSpacing() * self.LINES + margins.top() + margins.bottom() + 12
        return QSize(hint.width(), height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(super().minimumSizeHint().width(), self.fontMetrics().lineSpacing() * 2 + 12)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.sig_focus_out.emit()


class LongTextEditor(FieldEditor):
    """Several lines of text; the answer keeps the worker's line breaks."""

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(spec, accessible_name, parent)
        self.text_edit = _PlainText()
        self.text_edit.setAccessibleName(accessible_name)
        self.text_edit.textChanged.connect(self._edited)
        self.text_edit.sig_focus_out.connect(self._left)
        self._row.addWidget(self.text_edit)

    def value(self) -> Any:
        text = self.text_edit.toPlainText()
        return text.rstrip() if text.strip() else None

    def set_value(self, value: Any) -> None:
        self.text_edit.blockSignals(True)
        try:
            self.text_edit.setPlainText("" if value is None else str(value))
        finally:
            self.text_edit.blockSignals(False)

    def set_read_only(self, read_only: bool) -> None:
        self.text_edit.setReadOnly(read_only)

    def focus_widgets(self) -> list[QWidget]:
        return [self.text_edit]


class SignatureEditor(_LineEditor):
    """A typed name, stamped with the time it was typed: the record of who signed and when."""

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(spec, accessible_name, parent)
        self.line.setPlaceholderText("type the full name of the person signing")
        self.stamp = QLabel()
        self.stamp.setAccessibleName(f"{accessible_name}, time signed")
        self._row.addWidget(self.stamp)
        self._signed_at: datetime | None = None

    def _edited(self) -> None:
        # Changing the name is signing again, so the time moves with it.
        self._signed_at = datetime.now(UTC).replace(microsecond=0) if self.text() else None
        self._show_stamp()
        super()._edited()

    def _show_stamp(self) -> None:
        self.stamp.setText(f"Signed {uk_time_text(self._signed_at)}" if self._signed_at else "")

    def value(self) -> Any:
        if not self.text() or self._signed_at is None:
            return None
        return {"name": self.text(), "signed_at": self._signed_at.isoformat()}

    def set_value(self, value: Any) -> None:
        name, signed_at = "", None
        if isinstance(value, dict):
            name = str(value.get("name", ""))
            try:
                signed_at = datetime.fromisoformat(str(value.get("signed_at")))
            except ValueError:
                signed_at = None
        self.line.setText(name)
        self._signed_at = signed_at if name else None
        self._show_stamp()


class ComputedView(FieldEditor):
    """A score worked out from other answers: read-only, reachable with Tab so it can be read out."""

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(spec, accessible_name, parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName(accessible_name)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self._row.addWidget(self.label, 1)
        self.show_result(None)

    def show_result(self, result: Any) -> None:
        """Show the scorer's latest result (None while inputs are missing)."""
        assert self.spec.computed is not None
        text = shown_value(self.spec.computed, result)
        self.label.setText(text)
        self.label.setAccessibleDescription(text)

    def value(self) -> Any:
        return None  # worked out by the service from the other answers, never typed

    def set_value(self, value: Any) -> None:
        self.show_result(value)

    def set_read_only(self, read_only: bool) -> None:
        pass  # always read-only

    def focus_widgets(self) -> list[QWidget]:
        return [self.label]
