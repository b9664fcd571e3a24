"""Date, time and date-time editors: line edits that accept what a worker types, never a mouse-only picker.

A calendar pop-up is slow from the keyboard and a `QDateEdit` cannot be left blank, so each part is a
line edit read by `typed_dates`. Once the worker moves on, a readable date is rewritten in the
standard form and spelt out beside the field ("Monday 24 March 2025") so a slip is easy to see.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from cars_desktop.forms.spec import FieldSpec
from cars_desktop.ui.widgets.field_editors import FieldEditor, char_width
from cars_desktop.ui.widgets.typed_dates import (
    DATE_HINT,
    TIME_HINT,
    format_date,
    format_time,
    parse_typed_date,
    parse_typed_time,
    uk_to_utc_iso,
    utc_iso_to_uk,
)

DATE_CHARS = 12
TIME_CHARS = 7


def _line(accessible_name: str, hint: str, chars: int) -> QLineEdit:
    line = QLineEdit()
    line.setAccessibleName(accessible_name)
    line.setPlaceholderText(hint)
    line.setAccessibleDescription(f"Type it as {hint}")
    line.setMaximumWidth(char_width(line, chars))
    return line


class _DateTimeParts(FieldEditor):
    """A date line, a time line, or both; subclasses say which and how they combine."""

    has_date = True
    has_time = True

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(spec, accessible_name, parent)
        both = self.has_date and self.has_time
        self.date_line = _line(f"{accessible_name}, date" if both else accessible_name, DATE_HINT, DATE_CHARS)
        self.time_line = _line(f"{accessible_name}, time" if both else accessible_name, TIME_HINT, TIME_CHARS)
        self.spelt = QLabel()
        self.spelt.setAccessibleName(f"{accessible_name}, as read")
        for line, wanted in ((self.date_line, self.has_date), (self.time_line, self.has_time)):
            self._row.addWidget(line)
            line.setVisible(wanted)  # a part the field does not have stays hidden, out of the Tab order
            line.textEdited.connect(self._edited)
            line.editingFinished.connect(self._finished)
        self._row.addWidget(self.spelt)
        self._row.addStretch(1)

    def focus_widgets(self) -> list[QWidget]:
        parts = ((self.date_line, self.has_date), (self.time_line, self.has_time))
        return [line for line, wanted in parts if wanted]

    def set_read_only(self, read_only: bool) -> None:
        self.date_line.setReadOnly(read_only)
        self.time_line.setReadOnly(read_only)

    def _date(self) -> date | None:
        return parse_typed_date(self.date_line.text(), date.today())

    def _time(self) -> time | None:
        return parse_typed_time(self.time_line.text())

    def problem(self) -> str | None:
        try:
            typed_date = self._date() if self.has_date else None
            typed_time = self._time() if self.has_time else None
        except ValueError as exc:
            return str(exc)
        if self.has_date and self.has_time and (typed_date is None) != (typed_time is None):
            return "enter both the date and the time"
        return None

    def _finished(self) -> None:
        """Rewrite readable input in the standard form, so what is stored is what is shown."""
        try:
            typed_date = self._date() if self.has_date else None
            if typed_date is not None:
                self.date_line.setText(format_date(typed_date))
            typed_time = self._time() if self.has_time else None
            if typed_time is not None:
                self.time_line.setText(format_time(typed_time))
        except ValueError:
            pass  # the message beside the field says what to fix; the text stays as typed
        self._spell()
        if not self.has_focus_within():  # moving from the date to the time is not leaving the field
            self._left()

    def _spell(self) -> None:
        try:
            typed_date = self._date() if self.has_date else None
        except ValueError:
            typed_date = None
        text = f"{typed_date:%A} {typed_date.day} {typed_date:%B %Y}" if typed_date else ""
        self.spelt.setText(text)

    def _show(self, typed_date: date | None, typed_time: time | None) -> None:
        self.date_line.setText(format_date(typed_date) if typed_date else "")
        self.time_line.setText(format_time(typed_time) if typed_time else "")
        self._spell()


class DateEditor(_DateTimeParts):
    """A date, stored "YYYY-MM-DD"."""

    has_time = False

    def value(self) -> Any:
        try:
            typed = self._date()
        except ValueError:
            return None
        return typed.isoformat() if typed else None

    def set_value(self, value: Any) -> None:
        try:
            self._show(date.fromisoformat(value) if isinstance(value, str) else None, None)
        except ValueError:
            self._show(None, None)


class TimeEditor(_DateTimeParts):
    """A time of day, stored "HH:MM"."""

    has_date = False

    def value(self) -> Any:
        try:
            typed = self._time()
        except ValueError:
            return None
        return format_time(typed) if typed else None

    def set_value(self, value: Any) -> None:
        try:
            self._show(None, time.fromisoformat(value) if isinstance(value, str) else None)
        except ValueError:
            self._show(None, None)


class DateTimeEditor(_DateTimeParts):
    """A date and time typed in UK time, stored in UTC ("YYYY-MM-DDTHH:MM:SS+00:00")."""

    def value(self) -> Any:
        if self.problem() is not None:
            return None
        typed_date, typed_time = self._date(), self._time()
        if typed_date is None or typed_time is None:
            return None
        return uk_to_utc_iso(typed_date, typed_time)

    def set_value(self, value: Any) -> None:
        try:
            typed_date, typed_time = utc_iso_to_uk(value) if isinstance(value, str) else (None, None)
        except ValueError:
            typed_date, typed_time = None, None
        self._show(typed_date, typed_time)
