"""Find a person: by name (any order, misspelt), date of birth, PNC ID or custody record number.

Typing is debounced (`DEBOUNCE_MS` after the last key) and the search runs on the task runner; an
answer that arrives after a newer search started is dropped, so the table always shows what is
typed now. Enter on a row opens the person; "New person" checks for likely duplicates first.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.services.person_search import PersonMatch, PersonQuery, search_people
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.new_person_dialog import NewPersonDialog
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.people_model import PeopleTableModel
from cars_desktop.ui.table_view import list_view
from cars_desktop.ui.widgets.typed_dates import parse_typed_date

DEBOUNCE_MS = 300
WATCHED = ("person", "custody_episode")


class FindPersonPage(QWidget):
    """The search fields, the results table and "New person"."""

    def __init__(
        self, context: PageContext, parent: QWidget | None = None, debounce_ms: int = DEBOUNCE_MS
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._generation = 0
        self.setAccessibleName("Find a person")
        self.name = self._field("Name, in any order")
        self.dob = self._field("Date of birth", "dd/mm/yyyy")
        self.pnc = self._field("PNC ID")
        self.crn = self._field("Custody record number")
        form = QFormLayout()
        for label, edit in (
            ("&Name", self.name),
            ("Date of &birth", self.dob),
            ("&PNC ID", self.pnc),
            ("Custody &record number", self.crn),
        ):
            caption = QLabel(label)
            caption.setBuddy(edit)
            form.addRow(caption, edit)
        self.new_button = QPushButton("Ne&w person…")
        self.new_button.setAccessibleName("Add a new person (checks for duplicates first)")
        self.new_button.clicked.connect(self.new_person)
        self.status = MessageLabel(MessageKind.NOTICE, "Search result")
        self.error = MessageLabel(MessageKind.ERROR, "Search problem")
        self.model = PeopleTableModel(self)
        self.table = list_view("People found", fit_to_contents=True)
        self.table.setModel(self.model)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        top = QHBoxLayout()
        top.addLayout(form, 1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        heading = QLabel("<h2>Find a person</h2>")
        heading.setAccessibleName("Find a person")
        layout.addWidget(heading)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.timer = QTimer(self)
        self.timer.setObjectName("find_person_debounce")
        self.timer.setSingleShot(True)
        self.timer.setInterval(debounce_ms)
        self.timer.timeout.connect(self.search_now)
        QShortcut(QKeySequence("Ctrl+F"), self, self.name.setFocus)
        context.bus.sig_changed.connect(self._on_changed)
        self.setFocusProxy(self.name)

    def _field(self, accessible_name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(accessible_name)
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(True)
        edit.textChanged.connect(lambda _text: self.timer.start())
        edit.returnPressed.connect(self._enter_in_field)
        return edit

    def query(self) -> PersonQuery | None:
        """What is typed; None (with a message) if the date of birth cannot be read."""
        text = self.dob.text().strip()
        born: date | None = None
        if text:
            try:
                born = parse_typed_date(text, date.today())
            except ValueError as exc:
                self.error.show_message(f"date of birth: {exc}")
                return None
            if born is None:
                self.error.show_message("write the date of birth as dd/mm/yyyy")
                return None
        return PersonQuery(self.name.text(), born, self.pnc.text(), self.crn.text())

    def _enter_in_field(self) -> None:
        """Enter in a field searches at once, or opens the only/best result if already shown."""
        if self.timer.isActive() or self.model.rowCount() == 0:
            self.search_now()
        else:
            self.table.setFocus()
            self.table.selectRow(0)

    def search_now(self) -> None:
        """Run the search for what is typed (off the GUI thread)."""
        self.timer.stop()
        self.error.clear_message()
        query = self.query()
        if query is None:
            return
        self._generation += 1
        generation = self._generation
        if query.is_empty:
            self.model.set_rows([])
            self.status.clear_message()
            return
        session = self._context.session
        run_op(
            self._context.app.runner,
            lambda: search_people(session, query),
            lambda found: self._show(generation, found),
            self.error.show_message,
            parent=self,
        )

    def _show(self, generation: int, found: list[PersonMatch]) -> None:
        if generation != self._generation:
            return  # a newer search is on its way
        self.model.set_rows(found)
        if found:
            self.status.show_message(
                f"{len(found)} {'person' if len(found) == 1 else 'people'} found. "
                "Press Enter on a row to open the person."
            )
            self.table.selectRow(0)
        else:
            self.status.show_message("Nobody found. Check the spelling, or add a new person.")

    def open_row(self, row: int) -> None:
        """Open the person on `row`."""
        if 0 <= row < self.model.rowCount():
            self._context.navigator.open_person(self.model.person_id(row))

    def new_person(self) -> NewPersonDialog:
        """The find-or-create dialog, with what is typed carried over."""
        dialog = NewPersonDialog(self._context, "New person", self)
        words = self.name.text().split()
        if len(words) >= 2:
            dialog.given.setText(" ".join(words[:-1]))
            dialog.family.setText(words[-1])
        elif words:
            dialog.family.setText(words[0])
        dialog.dob.setText(self.dob.text())
        dialog.pnc.setText(self.pnc.text())
        dialog.sig_person_chosen.connect(self._person_chosen)
        dialog.open()
        return dialog

    def _person_chosen(self, person_id: uuid.UUID) -> None:
        self._context.navigator.open_person(person_id)

    def _on_changed(self, changes: Changes) -> None:
        if concerns(changes, WATCHED) and self.model.rowCount():
            self.search_now()


def build(context: PageContext) -> QWidget:
    """Build the page for the main window."""
    return FindPersonPage(context)


PAGE = PageSpec(
    page_id="find_person",
    title="Find a person",
    build=build,
    permission=Permission.VIEW_PEOPLE,
    order=20,
    shortcut="Ctrl+2",
    help_topic="find_person",
    roles_note="Workers, court workers and supervisors",
)
