"""Coded answers: single choice, scale, yes/no/not asked, lookups (drop-down lists) and multiple choice.

Codes are stored and labels shown. A single answer is a drop-down list with an empty "choose" entry
first, so nothing is answered until the worker answers it; from the keyboard, typing the first
letters of an option picks it and the arrow keys step through. Multiple choice is a column of check
boxes, one Tab stop each, toggled with Space.

A stored code that is no longer offered (a reference list entry that has since ended) is still
shown, marked as no longer in use, so opening an old form never silently drops an answer.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QVBoxLayout, QWidget

from cars_desktop.forms.spec import Choice, FieldSpec, FieldType
from cars_desktop.forms.validation import choices_for
from cars_desktop.resources import reference_list
from cars_desktop.ui.widgets.field_editors import FieldEditor

CHOOSE = "— choose —"
YES_NO_CHOICES = [
    Choice(code="yes", label="Yes"),
    Choice(code="no", label="No"),
    Choice(code="not_asked", label="Not asked"),
]
LOOKUP_LISTS = {"provider": "providers", "site": "sites", "local_authority": "local_authorities"}


class _Combo(QComboBox):
    """A drop-down that picks by typed letters and ignores the wheel unless focused.

    Qt's own type-to-select finds nothing when a new letter does not continue the last search
    ("n" for No, then "y" within a moment), which leaves the wrong answer chosen; here the new letter
    starts a fresh search instead, and repeating a letter steps through the options starting with it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._typed = ""
        self._typed_at = 0.0

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        text = event.text()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        if not (plain and text and text.isprintable() and not text.isspace()):
            super().keyPressEvent(event)
            return
        now = time.monotonic()
        interval = QApplication.keyboardInputInterval() / 1000
        self._typed = (self._typed if now - self._typed_at < interval else "") + text.lower()
        self._typed_at = now
        repeated = len(set(self._typed)) == 1
        index = self._match(self._typed, self.currentIndex() + 1 if repeated else 1)
        if index < 0:
            self._typed = text.lower()
            index = self._match(self._typed, self.currentIndex() + 1)
        if index >= 0:
            self.setCurrentIndex(index)
        event.accept()

    def _match(self, prefix: str, start: int) -> int:
        """The first option (after the empty one) starting with `prefix`, searching from `start` round."""
        count = self.count()
        for step in range(count):
            index = 1 + (start - 1 + step) % max(count - 1, 1)
            if index < count and self.itemText(index).lower().startswith(prefix):
                return index
        return -1


def offered_choices(spec: FieldSpec, on: date | None = None) -> list[Choice]:
    """What a coded field offers: yes/no/not asked, a reference list for lookups, else the spec's choices."""
    if spec.type is FieldType.YES_NO:
        return YES_NO_CHOICES
    if spec.type is FieldType.LOOKUP and spec.lookup in LOOKUP_LISTS:
        items = reference_list(LOOKUP_LISTS[spec.lookup]).current(on)
        return [Choice(code=item.code, label=item.name) for item in items]
    return choices_for(spec, on)


class ChoiceEditor(FieldEditor):
    """One code from a list, as a drop-down with an empty first entry."""

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(spec, accessible_name, parent)
        self.choices = list(offered_choices(spec))
        self.combo = _Combo()
        self.combo.setAccessibleName(accessible_name)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.addItem(CHOOSE)
        for choice in self.choices:
            self.combo.addItem(choice.label)
        self.combo.currentIndexChanged.connect(self._picked)
        self._row.addWidget(self.combo)
        self._row.addStretch(1)

    def _picked(self) -> None:
        self.touched = True  # a choice is finished as soon as it is made
        self._edited()

    def value(self) -> Any:
        index = self.combo.currentIndex()
        return self.choices[index - 1].code if index >= 1 else None

    def set_value(self, value: Any) -> None:
        self.combo.blockSignals(True)
        try:
            if value is None:
                self.combo.setCurrentIndex(0)
                return
            codes = [c.code for c in self.choices]
            if value not in codes:
                self.choices.append(Choice(code=value, label=f"{value} (no longer in use)"))
                self.combo.addItem(self.choices[-1].label)
                codes.append(value)
            self.combo.setCurrentIndex(codes.index(value) + 1)
        finally:
            self.combo.blockSignals(False)

    def focus_widgets(self) -> list[QWidget]:
        return [self.combo]


class MultipleChoiceEditor(FieldEditor):
    """Any number of codes, as check boxes; the answer lists the ticked codes in the list's order."""

    def __init__(self, spec: FieldSpec, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(spec, accessible_name, parent)
        self.choices = list(offered_choices(spec))
        self._column = QVBoxLayout()
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(2)
        self._row.addLayout(self._column, 1)
        self.boxes: list[QCheckBox] = []
        for choice in self.choices:
            self._add_box(choice)

    def _add_box(self, choice: Choice) -> None:
        box = QCheckBox(choice.label)
        box.setAccessibleName(choice.label)
        box.setAccessibleDescription(self.accessible_name)
        box.toggled.connect(self._picked)
        self._column.addWidget(box)
        self.boxes.append(box)

    def _picked(self) -> None:
        self.touched = True
        self._edited()

    def value(self) -> Any:
        ticked = [c.code for c, box in zip(self.choices, self.boxes, strict=True) if box.isChecked()]
        return ticked or None

    def set_value(self, value: Any) -> None:
        wanted = list(value) if isinstance(value, list) else []
        for code in wanted:
            if code not in [c.code for c in self.choices]:
                self.choices.append(Choice(code=code, label=f"{code} (no longer in use)"))
                self._add_box(self.choices[-1])
        for choice, box in zip(self.choices, self.boxes, strict=True):
            box.blockSignals(True)
            box.setChecked(choice.code in wanted)
            box.blockSignals(False)

    def focus_widgets(self) -> list[QWidget]:
        return list(self.boxes)
