"""Filling in a `FormWidget` from the keyboard alone, as a worker would, from an answer script.

The driver only ever sends key events to the widget that has the focus (`QApplication.focusWidget()`),
starting from the field focused when the form opens. At each Tab stop it works out which question
the focus is in (reading the widget, never changing it), looks the answer up in the script and
types it the way a person does:

* text and numbers are typed; dates as dd/mm/yyyy; date-times as a UK date, Tab, a UK time (14:30);
* a drop-down is answered by typing the first letters of the option's label (or the same first
  letter again to step to a later option starting with it, as the widget documents); only when
  neither picks the option do the arrow keys, and `Drive.arrowed` says where;
* a check box is ticked with Space; a repeat group gets an entry by pressing Space on its
  "Add an entry" button, reached by Tab; a signature is the typed name;
* scores are read, not typed: their label is a Tab stop like any other.

Questions hidden by skip logic are skipped by Tab itself, and questions appear as the answers
before them are typed, so the focus is re-read after every key. After each question the driver
checks the editor reads back the answer typed, and it records what was visible and what each score
showed just before and just after, so a test can check skip logic and live scores step by step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from cars_desktop.forms.spec import FieldType
from cars_desktop.ui.widgets.choice_editors import ChoiceEditor, MultipleChoiceEditor
from cars_desktop.ui.widgets.field_editors import PersonLookupEditor
from cars_desktop.ui.widgets.field_row import FieldRow
from cars_desktop.ui.widgets.form_widget import FormWidget

UK = ZoneInfo("Europe/London")
SCORE_PLACEHOLDER = "(answer the questions above)"
MAX_STOPS = 1_000

Path = tuple[str | int, ...]
"""Where an answer lives: ("substances", 1, "route") is the route of the second substance."""


class _Missing:
    """No answer in the script: the driver tabs past the question."""


MISSING = _Missing()


def key_of(path: Path) -> str:
    """A path as text, as the tests name it: "substances.1.route"."""
    return ".".join(str(part) for part in path)


@dataclass(frozen=True)
class Stop:
    """Where the focus is: one part of a question's editor, or a repeat group's Add or Remove button."""

    kind: Literal["part", "add", "remove"]
    row: FieldRow
    path: Path
    part: int = 0

    @property
    def key(self) -> str:
        return key_of(self.path)


@dataclass
class Step:
    """One question as it was typed: what was visible and what the scores showed before and after."""

    key: str
    visible_before: frozenset[str]
    scores_before: dict[str, str]
    visible_after: frozenset[str] = frozenset()
    scores_after: dict[str, str] = field(default_factory=dict)


@dataclass
class Drive:
    """What happened while the form was filled in."""

    steps: dict[str, Step] = field(default_factory=dict)
    """Questions answered, by key, in the order typed."""
    scores_read: dict[str, str] = field(default_factory=dict)
    """Each score's text when Tab reached it."""
    arrowed: list[str] = field(default_factory=list)
    """Drop-downs whose option could not be picked by typing letters (the arrow keys were used)."""
    entries_added: dict[str, int] = field(default_factory=dict)
    """Entries added to each repeat group with its Add button."""
    keys: int = 0
    """Key presses sent."""


# ----- reading the form (never changing it) ---------------------------------------------------------


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def _locate(rows: Sequence[FieldRow], target: QWidget, prefix: Path) -> Stop | None:
    for row in rows:
        path = (*prefix, row.spec.id)
        group = row.repeat_group
        if group is None:
            parts = row.editor.focus_widgets()
            if target in parts:
                return Stop("part", row, path, parts.index(target))
            continue
        for number, entry in enumerate(group.entries):
            found = _locate(entry.rows, target, (*path, number))
            if found is not None:
                return found
            if target is entry.remove_button:
                return Stop("remove", row, (*path, number))
        if target is group.add_button:
            return Stop("add", row, path)
    return None


def locate(form: FormWidget, target: QWidget) -> Stop | None:
    """The question (or repeat-group button) a widget belongs to; None outside the questions."""
    return _locate(form.rows, target, ())


def _visible(rows: Sequence[FieldRow], prefix: Path) -> set[str]:
    found: set[str] = set()
    for row in rows:
        path = (*prefix, row.spec.id)
        if row.isVisible():
            found.add(key_of(path))
        group = row.repeat_group
        if group is not None:
            for number, entry in enumerate(group.entries):
                found |= _visible(entry.rows, (*path, number))
    return found


def visible_questions(form: FormWidget) -> frozenset[str]:
    """Keys of the questions on screen now (skip logic and hidden sections applied)."""
    return frozenset(_visible(form.rows, ()))


def score_texts(form: FormWidget) -> dict[str, str]:
    """What each score shows now, by field id."""
    texts = {}
    for row in form.rows:
        if row.spec.type is FieldType.COMPUTED:
            label = row.editor.focus_widgets()[0]
            assert isinstance(label, QLabel)
            texts[row.spec.id] = label.text()
    return texts


def answer_at(script: Mapping[str, Any], path: Path) -> Any:
    """The scripted answer at a path, or MISSING."""
    value: Any = script
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return MISSING
            value = value[part]
        else:
            if not isinstance(value, Mapping) or part not in value:
                return MISSING
            value = value[part]
    return MISSING if value is None or value == [] else value


def letters_for(labels: Sequence[str], target: int) -> str | None:
    """Letters that pick option `target` in a fresh drop-down whose first entry is "— choose —".

    Typed letters pick the first option starting with them; typing one letter again steps to the
    next option starting with it. A space would open the list instead, so none is typed.
    """
    label = labels[target].lower()
    for length in range(1, len(label) + 1):
        prefix = label[:length]
        if any(ch.isspace() for ch in prefix):
            break
        if length > 1 and len(set(prefix)) == 1:
            continue  # repeating one letter steps through options instead
        first = next((i for i in range(1, len(labels)) if labels[i].lower().startswith(prefix)), -1)
        if first == target:
            return labels[target][:length]
    letter = label[:1]
    if not letter or letter.isspace():
        return None
    same = [i for i in range(1, len(labels)) if labels[i].lower().startswith(letter)]
    return labels[target][:1] * (same.index(target) + 1)


def typed_date(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def typed_moment(value: str) -> tuple[str, str]:
    """A stored UTC date-time as the UK date and time a worker types."""
    local = datetime.fromisoformat(value).astimezone(UK)
    return local.strftime("%d/%m/%Y"), local.strftime("%H:%M")


def _expected_value(kind: FieldType, value: Any) -> Any:
    if kind is FieldType.SIGNATURE:
        return value["name"]
    return value


def _read_back(row: FieldRow) -> Any:
    value = row.editor.value()
    if row.spec.type is FieldType.SIGNATURE and isinstance(value, dict):
        return value["name"]
    return value


# ----- typing --------------------------------------------------------------------------------------


class KeyboardDriver:
    """Sends keys to whatever has the focus; counts them."""

    def __init__(self, qtbot: QtBot, form: FormWidget) -> None:
        self.qtbot = qtbot
        self.form = form
        self.drive = Drive()

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(focused(), text)
        self.drive.keys += len(text)

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(focused(), key, modifier)
        self.drive.keys += 1

    def tab(self) -> None:
        self.press(Qt.Key.Key_Tab)

    def fill(self, script: Mapping[str, Any]) -> Drive:
        """Answer every question the script has an answer for, by Tab from the focused field to the buttons.

        Stops when Tab reaches the form's first button (Save draft); fails if the focus leaves the
        form, stops moving, or an editor does not read back what was typed.
        """
        form = self.form
        for _ in range(MAX_STOPS):
            here = focused()
            if here is form.save_button or here is form.complete_button:
                return self.drive
            assert form.isAncestorOf(here), f"the focus left the form, to {here.accessibleName()!r}"
            assert here.accessibleName(), f"a Tab stop without an accessible name: {here!r}"
            stop = locate(form, here)
            assert stop is not None, f"Tab stopped outside the questions, on {here.accessibleName()!r}"
            self._answer(stop, here, script)
            before = focused()
            self.tab()
            assert focused() is not before, f"Tab did not move on from {before.accessibleName()!r}"
        raise AssertionError(f"the buttons were not reached within {MAX_STOPS} Tab stops")

    def _answer(self, stop: Stop, here: QWidget, script: Mapping[str, Any]) -> None:
        if stop.kind == "remove":
            return
        if stop.kind == "add":
            wanted = answer_at(script, stop.path)
            group = stop.row.repeat_group
            assert group is not None
            if isinstance(wanted, list) and len(group.entries) < len(wanted):
                assert here.accessibleName() == f"Add an entry to {stop.row.editor.accessible_name}"
                self.press(Qt.Key.Key_Space)
                self.drive.entries_added[stop.key] = self.drive.entries_added.get(stop.key, 0) + 1
                assert len(group.entries) == self.drive.entries_added[stop.key]
                # Space put the focus in the new entry's first question: answer it before tabbing on.
                entry = locate(self.form, focused())
                assert entry is not None and entry.kind == "part", "adding an entry did not focus it"
                self._answer(entry, focused(), script)
            return
        row = stop.row
        kind = row.spec.type
        if kind is FieldType.COMPUTED:
            assert isinstance(here, QLabel)
            self.drive.scores_read[stop.key] = here.text()
            return
        if kind is not FieldType.MULTIPLE_CHOICE:
            assert here.accessibleName().startswith(row.editor.accessible_name), (
                f"{here.accessibleName()!r} does not name its question {row.editor.accessible_name!r}"
            )
        value = answer_at(script, stop.path)
        if value is MISSING:
            return
        parts = row.editor.focus_widgets()
        if stop.part == 0:
            self.drive.steps.setdefault(
                stop.key, Step(stop.key, visible_questions(self.form), score_texts(self.form))
            )
        self._type_part(stop, here, value)
        if stop.part == len(parts) - 1:
            step = self.drive.steps[stop.key]
            step.visible_after = visible_questions(self.form)
            step.scores_after = score_texts(self.form)
            read = _read_back(row)
            assert read == _expected_value(kind, value), (
                f"{stop.key}: typed {value!r} but the editor reads {read!r}"
                + (f" ({row.editor.problem()})" if row.editor.problem() else "")
            )

    def _type_part(self, stop: Stop, here: QWidget, value: Any) -> None:
        row, kind = stop.row, stop.row.spec.type
        typed_as_text = (FieldType.SHORT_TEXT, FieldType.LONG_TEXT, FieldType.INTEGER, FieldType.DECIMAL)
        if kind in typed_as_text or kind is FieldType.TIME or isinstance(row.editor, PersonLookupEditor):
            self.type(str(value))
        elif kind is FieldType.DATE:
            self.type(typed_date(value))
        elif kind is FieldType.DATETIME:
            self.type(typed_moment(value)[stop.part])
        elif kind is FieldType.SIGNATURE:
            self.type(value["name"])
        elif isinstance(row.editor, ChoiceEditor):
            assert isinstance(here, QComboBox)
            self._choose(stop, here, row.editor, value)
        elif isinstance(row.editor, MultipleChoiceEditor):
            assert isinstance(here, QCheckBox)
            code = row.editor.choices[stop.part].code
            assert here.accessibleDescription() == row.editor.accessible_name
            if (code in value) != here.isChecked():
                self.press(Qt.Key.Key_Space)
            assert here.isChecked() == (code in value), f"{stop.key}: Space did not toggle {code!r}"
        else:
            raise AssertionError(f"{stop.key}: no way to type a {kind} answer")

    def _choose(self, stop: Stop, combo: QComboBox, editor: ChoiceEditor, code: Any) -> None:
        codes = [choice.code for choice in editor.choices]
        assert code in codes, f"{stop.key}: {code!r} is not offered"
        target = codes.index(code) + 1
        labels = [combo.itemText(i) for i in range(combo.count())]
        letters = letters_for(labels, target) if combo.currentIndex() == 0 else None
        if letters is not None:
            self.type(letters)
        if combo.currentIndex() != target:
            self.drive.arrowed.append(f"{stop.key} ({labels[target]!r}, typed {letters!r})")
            key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
            while combo.currentIndex() != target:
                before = combo.currentIndex()
                self.press(key)
                assert combo.currentIndex() != before, f"{stop.key}: the arrow keys do not move"
