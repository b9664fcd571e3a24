"""Release: the checklist for a person leaving custody, and who is in custody here today to choose from.

Each item (Naloxone handed back, appointment booked, referral made, release pack printed) says in
words whether it is done, not done or not needed, why, and has a button that does it: a form to
start or amend, or the release pack's print preview. The rule lives in `services/release.py`; this
page only shows it. The checklist is also offered from the person page, in a window
(`ReleaseChecklistDialog`), and is read again when the change bus says the person's records changed
or the page is shown again (a print is not a change on the bus).
"""

from __future__ import annotations

import uuid
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.services.release import (
    ChecklistItem,
    InCustody,
    ReleaseChecklist,
    StepKind,
    people_in_custody,
    release_checklist,
)
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.table_view import list_view
from cars_desktop.ui.widgets.typed_dates import uk_date, uk_datetime

RELEASE_RECORD_TYPES = frozenset(
    {"naloxone_supply", "appointment", "referral", "assessment", "custody_episode"}
)


IN_CUSTODY_COLUMNS: tuple[Column[InCustody], ...] = (
    Column("Name", lambda p: p.person_name),
    Column("Date of birth", lambda p: uk_date(p.date_of_birth), sort_key=lambda p: p.date_of_birth),
    Column("Custody record", lambda p: p.custody_record_number),
    Column("Arrived", lambda p: uk_datetime(p.arrived_at), sort_key=lambda p: p.arrived_at),
    Column("Released", lambda p: uk_datetime(p.released_at) if p.released_at else "Still in custody"),
)


class InCustodyModel(ColumnTableModel[InCustody]):
    """People in custody at this site today, latest arrival first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(IN_CUSTODY_COLUMNS, parent)


class ReleaseChecklistView(QWidget):
    """The checklist for one person: a row per item, each with its state in words and its button."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.person_id: uuid.UUID | None = None
        self.checklist: ReleaseChecklist | None = None
        self._token = 0
        self.setAccessibleName("Release checklist")
        self.heading = QLabel("Choose a person to see their release checklist.")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(2, 1)
        self.item_buttons: dict[str, QPushButton] = {}
        self.state_labels: dict[str, QLabel] = {}
        self.pack_button = QPushButton("Print release &pack…")
        self.pack_button.setAccessibleName("Print release pack")
        self.pack_button.setToolTip("Open the print preview of the release pack (Ctrl+Shift+P)")
        self.pack_button.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.pack_button.clicked.connect(self.print_pack)
        self.person_button = QPushButton("Open person &record")
        self.person_button.setAccessibleName("Open this person's record")
        self.person_button.clicked.connect(self.open_person)
        self.error = MessageLabel(MessageKind.ERROR, "Problem", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pack_button)
        buttons.addWidget(self.person_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addLayout(self.grid)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._set_enabled()
        context.bus.sig_changed.connect(self._on_changed)

    def show_person(self, person_id: uuid.UUID, log_consultation: bool = True) -> None:
        """Read and show the checklist for one person (off the GUI thread)."""
        self.person_id = person_id
        self._token += 1
        token, session = self._token, self._context.session
        run_op(
            self._context.app.runner,
            lambda: release_checklist(session, person_id, log_consultation=log_consultation),
            partial(self._loaded, token),
            partial(self._failed, token),
            parent=self,
        )

    def reload(self) -> None:
        """Read the checklist again without a new consultation entry."""
        if self.person_id is not None:
            self.show_person(self.person_id, log_consultation=False)

    def _loaded(self, token: int, checklist: ReleaseChecklist) -> None:
        if token != self._token:
            return
        self.error.clear_message()
        self.checklist = checklist
        crn = f", custody record {checklist.custody_record_number}" if checklist.custody_record_number else ""
        self.heading.setText(f"{checklist.person_name} (born {checklist.date_of_birth:%d/%m/%Y}){crn}")
        left = len(checklist.outstanding)
        self.summary.setText(
            "Everything on the checklist is done."
            if left == 0
            else f"{left} of {len(checklist.items)} items still to do."
        )
        self.summary.setAccessibleDescription(self.summary.text())
        self._fill(checklist.items)
        self._set_enabled()

    def _failed(self, token: int, message: str) -> None:
        if token == self._token:
            self.error.show_message(message)

    def _fill(self, items: tuple[ChecklistItem, ...]) -> None:
        while self.grid.count():
            taken = self.grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.item_buttons.clear()
        self.state_labels.clear()
        for row, item in enumerate(items):
            state = QLabel(item.state_text)
            state.setAccessibleName(f"{item.label}: {item.state_text}")
            state.setStyleSheet("font-weight: bold;" if item.done is False else "")
            label = QLabel(f"<b>{item.label}</b>")
            detail = QLabel(item.detail)
            detail.setTextFormat(Qt.TextFormat.PlainText)
            detail.setWordWrap(True)
            self.grid.addWidget(state, row, 0)
            self.grid.addWidget(label, row, 1)
            self.grid.addWidget(detail, row, 2)
            self.state_labels[item.item.value] = state
            if item.step is not None and item.step.kind is not StepKind.PREVIEW:
                button = QPushButton(item.step.label)
                button.setAccessibleName(f"{item.step.label.rstrip('…')} ({item.label})")
                button.clicked.connect(partial(self.take_step, item))
                self.grid.addWidget(button, row, 3)
                self.item_buttons[item.item.value] = button

    def _set_enabled(self) -> None:
        has = self.checklist is not None
        self.pack_button.setEnabled(has)
        self.person_button.setEnabled(has)

    def take_step(self, item: ChecklistItem) -> None:
        """Do what an item needs: start or amend its form, or preview a document."""
        step, person_id = item.step, self.person_id
        if step is None or person_id is None:
            return
        navigator = self._context.navigator
        if step.kind is StepKind.PREVIEW and step.document_kind:
            navigator.preview_document(person_id, step.document_kind)
        elif step.kind is StepKind.AMEND_FORM and step.form_id:
            navigator.open_form(person_id, step.form_id, step.record_id, amend=True)
        elif step.kind is StepKind.START_FORM and step.form_id:
            navigator.open_form(person_id, step.form_id)

    def print_pack(self) -> None:
        """Open the print preview of the release pack."""
        if self.person_id is not None:
            self._context.navigator.preview_document(self.person_id, DocumentKind.RELEASE_PACK.value)

    def open_person(self) -> None:
        """Go to the person's record."""
        if self.person_id is not None:
            self._context.navigator.open_person(self.person_id)

    def _on_changed(self, changes: Changes) -> None:
        if self.checklist is None or not isValid(self):
            return
        if concerns(changes, record_ids=self.checklist.record_ids) or concerns(
            changes, record_types=RELEASE_RECORD_TYPES
        ):
            self.reload()


class ReleaseChecklistDialog(QDialog):
    """The checklist for one person over the person page (not modal: forms open beside it)."""

    def __init__(self, context: PageContext, person_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Release checklist")
        self.setAccessibleName("Release checklist")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.view = ReleaseChecklistView(context, self)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(close)
        self.resize(760, 360)
        self.view.show_person(person_id)


class ReleasePage(QWidget):
    """Today's people in custody on the left, the chosen person's checklist on the right."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._token = 0
        self.setAccessibleName("Release")
        self.model = InCustodyModel(self)
        self.people = list_view("People in custody here today", self, fit_to_contents=True)
        self.people.setModel(self.model)
        self.people.selectionModel().currentRowChanged.connect(
            lambda current, _old: self._chosen(current.row())
        )
        self.checklist = ReleaseChecklistView(context, self)
        self.refresh_button = QPushButton("Re&fresh list")
        self.refresh_button.setAccessibleName("Refresh the list of people in custody")
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.refresh_button.clicked.connect(self.refresh)
        self.error = MessageLabel(MessageKind.ERROR, "Problem", self)
        label = QLabel("People in &custody here today")
        label.setBuddy(self.people)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(label)
        left_layout.addWidget(self.people, 1)
        left_layout.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignLeft)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.checklist)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 800])  # the list's columns fit at 1366x768
        splitter.setChildrenCollapsible(False)
        heading = QLabel("<h2>Release</h2>")
        heading.setAccessibleName("Release")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)
        context.bus.sig_changed.connect(self._on_changed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """The list is read when the page is first shown, and again whenever the worker comes back."""
        super().showEvent(event)
        self.refresh()
        self.checklist.reload()

    def refresh(self) -> None:
        """Read today's list again (off the GUI thread)."""
        self._token += 1
        token, session = self._token, self._context.session
        run_op(
            self._context.app.runner,
            lambda: people_in_custody(session),
            partial(self._listed, token),
            lambda message: self.error.show_message(message),
            parent=self,
        )

    def _listed(self, token: int, people: list[InCustody]) -> None:
        if token != self._token:
            return
        self.error.clear_message()
        chosen = self.checklist.person_id
        self.model.set_rows(people)
        row = next((i for i, p in enumerate(people) if p.person_id == chosen), -1)
        if row >= 0:
            self.people.setCurrentIndex(self.model.index(row, 0))

    def _chosen(self, row: int) -> None:
        person = self.model.row_at(row)
        if person is not None and person.person_id != self.checklist.person_id:
            self.checklist.show_person(person.person_id)

    def show_person(self, person_id: uuid.UUID) -> None:
        """Show the checklist of one person (reached from elsewhere)."""
        self.checklist.show_person(person_id)

    def _on_changed(self, changes: Changes) -> None:
        if isValid(self) and concerns(changes, record_types={"custody_episode", "person"}):
            self.refresh()


def build(context: PageContext) -> QWidget:
    """The page, for the main window."""
    return ReleasePage(context)


PAGE = PageSpec(
    page_id="release",
    title="Release",
    build=build,
    permission=Permission.VIEW_CASEWORK,
    order=40,
    help_topic="release",
    roles_note="Workers: what a person leaving custody should leave with, and the release pack.",
)
