"""Find or create a person: likely duplicates are listed before a new person can be created.

Used by Find a person ("New person") and by Today ("Add arrival"). The worker types the name, date
of birth and PNC ID if known, and presses Enter: people who may already be them are listed. They
choose one ("Use this person"), or confirm that none is ("Create new person"). Creating is refused
until the check has run for exactly what is typed, so a duplicate cannot be made by accident.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.person_search import (
    CreatedPerson,
    NewPerson,
    PersonMatch,
    create_person,
    likely_duplicates,
    validate_new_person,
)
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.people_model import PeopleTableModel
from cars_desktop.ui.table_view import list_view
from cars_desktop.ui.widgets.typed_dates import parse_typed_date


class NewPersonDialog(QDialog):
    """Find-or-create; emits `sig_person_chosen(person_id)` and closes when a person is settled."""

    sig_person_chosen = Signal(object)
    """The chosen or created person's id (a `uuid.UUID`)."""

    def __init__(
        self, context: PageContext, title: str = "New person", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._checked: NewPerson | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.family = self._line("Family name (surname)")
        self.given = self._line("Given names (forenames)")
        self.dob = self._line("Date of birth", "dd/mm/yyyy")
        self.pnc = self._line("PNC ID (if known)", "yy/nnnnnnnL")
        form = QFormLayout()
        for label, edit in (
            ("&Family name", self.family),
            ("&Given names", self.given),
            ("&Date of birth", self.dob),
            ("&PNC ID", self.pnc),
        ):
            caption = QLabel(label)
            caption.setBuddy(edit)
            form.addRow(caption, edit)
        self.check_button = QPushButton("&Check for this person")
        self.check_button.setAccessibleName("Check whether this person is already known")
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.check)
        self.message = MessageLabel(MessageKind.NOTICE, "Check result")
        self.error = MessageLabel(MessageKind.ERROR, "Problem")
        self.model = PeopleTableModel(self)
        self.table = list_view("People who may already be this person")
        self.table.setModel(self.model)
        self.table.activated.connect(lambda _index: self.use_selected())
        buttons = QDialogButtonBox()
        self.use_button = buttons.addButton("&Use this person", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.setAccessibleName("Use the selected person")
        self.create_button = buttons.addButton("Create &new person", QDialogButtonBox.ButtonRole.ActionRole)
        self.create_button.setAccessibleName("None of these: create a new person")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        self.use_button.clicked.connect(self.use_selected)
        self.create_button.clicked.connect(self.create_new)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self._update_buttons()
        self.resize(760, 480)

    def _line(self, accessible_name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(accessible_name)
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self._details_changed)
        # Return is the dialog's default button (Check): connecting returnPressed too ran the check twice
        return edit

    def details(self) -> NewPerson:
        """What is typed, checked; InvalidInput names the field at fault."""
        try:
            born = parse_typed_date(self.dob.text(), date.today())
        except ValueError as exc:
            raise InvalidInput(f"date of birth: {exc}") from None
        if born is None:
            raise InvalidInput("give the date of birth as dd/mm/yyyy")
        details = NewPerson(
            self.family.text().strip(), self.given.text().strip(), born, self.pnc.text().strip()
        )
        validate_new_person(details)
        return details

    def _details_changed(self) -> None:
        self._checked = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.create_button.setEnabled(self._checked is not None)
        self.use_button.setEnabled(self.model.rowCount() > 0)

    def check(self) -> None:
        """List the people who may already be this one (off the GUI thread)."""
        self.error.clear_message()
        try:
            details = self.details()
        except InvalidInput as exc:
            self.error.show_message(exc.message)
            return
        session = self._context.session
        run_op(
            self._context.app.runner,
            lambda: likely_duplicates(session, details),
            lambda found: self._show_candidates(details, found),
            self.error.show_message,
            parent=self,
        )

    def _show_candidates(self, details: NewPerson, found: list[PersonMatch]) -> None:
        self.model.set_rows(found)
        self._checked = details
        self._update_buttons()  # before moving the focus: Qt ignores focus given to a disabled button
        if found:
            self.message.show_message(
                f"{len(found)} known {'person is' if len(found) == 1 else 'people are'} like this. "
                "Choose one and press Use this person, or Create new person if none is them."
            )
            self.table.selectRow(0)
            self.table.setFocus()
        else:
            self.message.show_message("Nobody known is like this person. Press Create new person.")
            self.create_button.setFocus()

    def use_selected(self) -> None:
        """Settle on the selected known person."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.error.show_message("choose a person in the list first")
            return
        self._chosen(self.model.person_id(rows[0].row()))

    def create_new(self) -> None:
        """Create the person as typed (only after the duplicate check for exactly this)."""
        details = self._checked
        if details is None:
            return
        session = self._context.session
        run_op(
            self._context.app.runner,
            lambda: create_person(session, details),
            self._context.bus.broadcasting(lambda made: made.changes, self._created),
            self.error.show_message,
            parent=self,
        )

    def _created(self, made: CreatedPerson) -> None:
        self._chosen(made.person.id)

    def _chosen(self, person_id: uuid.UUID) -> None:
        self.sig_person_chosen.emit(person_id)
        self.accept()
