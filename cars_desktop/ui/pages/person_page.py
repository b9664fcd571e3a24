"""The person record: who they are, their detentions, and a timeline of everything recorded about them.

Opened through `Navigator.open_person` (the main window calls `show_person`). From here a worker
starts any form their role allows, opens a form read-only (or continues a draft), amends a
completed one, prints any document the records support, prints a document again, and opens the
release checklist. The record is read through `run_op` (off the GUI thread) and read again,
quietly, whenever the change bus says something about this person changed: a change to a record
on the screen, or a new record that `touches_person` finds is theirs.
"""

from __future__ import annotations

import uuid
from functools import partial

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.services.person_record import (
    EntryKind,
    PersonRecord,
    TimelineEntry,
    load_person_record,
    touches_person,
)
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.person_details_view import PersonDetailsView
from cars_desktop.ui.pages.person_timeline_model import EpisodesModel, TimelineModel
from cars_desktop.ui.pages.release_page import ReleaseChecklistDialog
from cars_desktop.ui.table_model import sortable
from cars_desktop.ui.table_view import list_view

#: Record types a person's page shows; a change to any other type cannot concern it.
PERSON_RECORD_TYPES = frozenset(
    {
        "person",
        "assessment",
        "action",
        "referral",
        "naloxone_supply",
        "appointment",
        "custody_episode",
        "consent",
    }
)
NO_PERSON_TEXT = "No person open. Open someone from Today or Find a person."


def _button(text: str, accessible: str, shortcut: str | None = None) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(accessible)
    tip = accessible + (f" ({shortcut})" if shortcut else "")
    button.setToolTip(tip)
    if shortcut:
        button.setShortcut(QKeySequence(shortcut))
    return button


class PersonPage(QWidget):
    """One person's record; empty until `show_person` is called."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.person_id: uuid.UUID | None = None
        self.record: PersonRecord | None = None
        self._load_token = 0
        self._release_dialog: ReleaseChecklistDialog | None = None
        self.setAccessibleName("Person record")

        self.heading = QLabel(NO_PERSON_TEXT)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAccessibleName("Person")
        self.details = PersonDetailsView(self)

        self.episodes_model = EpisodesModel(self)
        self.episodes = list_view("Custody episodes, latest first", self, fit_to_contents=True)
        self.episodes.setModel(self.episodes_model)
        self.timeline_model = TimelineModel(self)
        self.timeline_proxy = sortable(self.timeline_model, self)
        self.timeline = list_view("Timeline of everything recorded, newest first", self, fit_to_contents=True)
        self.timeline.setModel(self.timeline_proxy)
        self.timeline.setSortingEnabled(True)
        self.timeline.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.timeline.activated.connect(self._activated)
        self.timeline.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.start_button = _button("&Start form…", "Start a form for this person", "Ctrl+N")
        self.start_menu = QMenu(self)
        self.start_menu.setAccessibleName("Forms you can start")
        self.start_button.setMenu(self.start_menu)
        self.open_button = _button("&Open", "Open the selected entry (Enter)")
        self.amend_button = _button("A&mend…", "Amend the selected completed form")
        self.print_button = _button("&Print…", "Print a document for this person", "Ctrl+P")
        self.print_menu = QMenu(self)
        self.print_menu.setAccessibleName("Documents you can print")
        self.print_button.setMenu(self.print_menu)
        self.release_button = _button("&Release checklist…", "Release checklist for this person")
        self.book_button = _button("&Book appointment…", "Book an appointment for this person")
        self.refresh_button = _button("Re&fresh", "Read this person's record again", "F5")
        self.open_button.clicked.connect(self.open_selected)
        self.amend_button.clicked.connect(self.amend_selected)
        self.release_button.clicked.connect(self.open_release_checklist)
        self.book_button.clicked.connect(self.book_appointment)
        self.refresh_button.clicked.connect(lambda: self.reload(quiet=True))
        focus_timeline = QShortcut(QKeySequence("Alt+T"), self)
        focus_timeline.activated.connect(self.timeline.setFocus)

        self.notice = MessageLabel(MessageKind.NOTICE, "Notice", self)
        self.error = MessageLabel(MessageKind.ERROR, "Problem", self)
        self._build_layout()
        self._update_buttons()
        context.bus.sig_changed.connect(self._on_changed)

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        for widget in (
            self.start_button,
            self.open_button,
            self.amend_button,
            self.print_button,
            self.release_button,
            self.book_button,
        ):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)

        top = QWidget(self)
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.details, 2)
        episodes_box = QVBoxLayout()
        episodes_label = QLabel("Custody &episodes")
        episodes_label.setBuddy(self.episodes)
        episodes_box.addWidget(episodes_label)
        episodes_box.addWidget(self.episodes)
        top_layout.addLayout(episodes_box, 3)

        timeline_box = QWidget(self)
        timeline_layout = QVBoxLayout(timeline_box)
        timeline_layout.setContentsMargins(0, 0, 0, 0)
        timeline_label = QLabel("&Timeline (newest first; Enter opens the selected entry)")
        timeline_label.setBuddy(self.timeline)
        timeline_layout.addWidget(timeline_label)
        timeline_layout.addWidget(self.timeline)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(timeline_box)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(buttons)
        layout.addWidget(self.notice)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)

    # ----- loading -------------------------------------------------------------------------------

    def show_person(self, person_id: uuid.UUID) -> None:
        """Show one person's record (read off the GUI thread; the opening is logged)."""
        if person_id != self.person_id:
            self.person_id = person_id
            self.record = None
            self.heading.setText("Opening the record…")
            self.details.set_details(None)
            self.episodes_model.set_rows([])
            self.timeline_model.set_rows([])
            self._update_buttons()
            self._load(log_consultation=True)
        else:
            self.reload(quiet=True)
        self.timeline.setFocus()

    def reload(self, quiet: bool = True) -> None:
        """Read the shown person's record again (no new consultation entry when `quiet`)."""
        if self.person_id is not None:
            self._load(log_consultation=not quiet)

    def _load(self, log_consultation: bool) -> None:
        person_id = self.person_id
        assert person_id is not None
        self._load_token += 1
        token = self._load_token
        session = self._context.session
        run_op(
            self._context.app.runner,
            lambda: load_person_record(session, person_id, log_consultation=log_consultation),
            partial(self._loaded, token),
            partial(self._failed, token),
            parent=self,
        )

    def _loaded(self, token: int, record: PersonRecord) -> None:
        if token != self._load_token:
            return  # a newer read is on its way
        self.error.clear_message()
        self.record = record
        self.heading.setText(record.details.full_name)
        self.details.set_details(record.details)
        self.episodes_model.set_rows(record.episodes)
        selected = self.selected_entry()
        self.timeline_model.set_rows(record.timeline)
        self._reselect(selected)
        self._fill_menus(record)
        self._update_buttons()

    def _failed(self, token: int, message: str) -> None:
        if token != self._load_token:
            return
        if self.record is None:
            self.heading.setText(NO_PERSON_TEXT)
        self.error.show_message(message)
        self._update_buttons()

    def _reselect(self, entry: TimelineEntry | None) -> None:
        """Keep the worker's place in the timeline across a refresh."""
        target = 0
        if entry is not None:
            for row, shown in enumerate(self.timeline_model.rows):
                if shown.record_id == entry.record_id and shown.at == entry.at and shown.title == entry.title:
                    target = row
                    break
        if self.timeline_model.rowCount() > 0:
            index = self.timeline_proxy.mapFromSource(self.timeline_model.index(target, 0))
            self.timeline.setCurrentIndex(index)

    def _fill_menus(self, record: PersonRecord) -> None:
        self.start_menu.clear()
        for form in record.forms_to_start:
            action = self.start_menu.addAction(form.title)
            action.setToolTip(form.purpose)
            action.triggered.connect(partial(self.start_form, form.form_id))
        self.print_menu.clear()
        for document in record.documents:
            action = self.print_menu.addAction(document.title)
            action.triggered.connect(partial(self.print_document, document.kind, document.variant))

    # ----- live refresh --------------------------------------------------------------------------

    def _on_changed(self, changes: Changes) -> None:
        if self.person_id is None or self.record is None or not isValid(self):
            return
        if concerns(changes, record_ids=self.record.record_ids):
            self.reload(quiet=True)
            return
        if not concerns(changes, record_types=PERSON_RECORD_TYPES):
            return
        person_id, session, ids = self.person_id, self._context.session, tuple(changes.record_ids)
        run_op(
            self._context.app.runner,
            lambda: touches_person(session, person_id, ids),
            lambda theirs: self.reload(quiet=True) if theirs and person_id == self.person_id else None,
            lambda _message: None,  # a failed check only means no refresh; the next change tries again
            parent=self,
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Coming back to the page reads the record again (a print made elsewhere has no change)."""
        super().showEvent(event)
        if self.record is not None:
            self.reload(quiet=True)

    # ----- what the worker does ------------------------------------------------------------------

    def selected_entry(self) -> TimelineEntry | None:
        """The timeline entry with the keyboard focus, if any."""
        index = self.timeline.currentIndex()
        if not index.isValid():
            return None
        return self.timeline_model.row_at(self.timeline_proxy.mapToSource(index).row())

    def _update_buttons(self) -> None:
        has_person = self.record is not None
        entry = self.selected_entry() if has_person else None
        opens = entry is not None and (entry.form_record_id is not None or entry.kind is EntryKind.DOCUMENT)
        self.open_button.setEnabled(opens)
        self.open_button.setText("Print &again…" if entry and entry.kind is EntryKind.DOCUMENT else "&Open")
        self.amend_button.setEnabled(bool(entry and entry.may_amend and entry.kind is EntryKind.FORM))
        self.start_button.setEnabled(has_person and not self.start_menu.isEmpty())
        self.print_button.setEnabled(has_person and not self.print_menu.isEmpty())
        self.release_button.setEnabled(has_person)
        self.book_button.setEnabled(has_person)
        self.refresh_button.setEnabled(has_person)

    def _activated(self, index: QModelIndex) -> None:
        self.timeline.setCurrentIndex(index)
        self.open_selected()

    def open_selected(self) -> None:
        """Open the selected entry: its form (a draft to continue, else read-only) or a print again."""
        entry = self.selected_entry()
        if entry is None or self.person_id is None:
            return
        navigator = self._context.navigator
        if entry.kind is EntryKind.DOCUMENT and entry.document_kind:
            navigator.preview_document(
                self.person_id, entry.document_kind, entry.document_source_id, entry.variant
            )
        elif entry.form_record_id is not None and entry.form_id:
            continuing = entry.kind is EntryKind.FORM and entry.may_continue
            navigator.open_form(self.person_id, entry.form_id, entry.form_record_id, read_only=not continuing)

    def amend_selected(self) -> None:
        """Open the selected completed form as an amendment (the form asks for the reason)."""
        entry = self.selected_entry()
        if entry is None or self.person_id is None or not entry.may_amend or not entry.form_id:
            return
        self._context.navigator.open_form(self.person_id, entry.form_id, entry.form_record_id, amend=True)

    def start_form(self, form_id: str) -> None:
        """Start a new form of this kind for the person."""
        if self.person_id is not None:
            self._context.navigator.open_form(self.person_id, form_id)

    def print_document(self, kind: str, variant: str | None = None) -> None:
        """Open the print preview of a document made from the person's records."""
        if self.person_id is not None:
            self._context.navigator.preview_document(self.person_id, kind, None, variant)

    def book_appointment(self) -> None:
        """Book (or rebook) an appointment for this person, on the booking page."""
        if self.person_id is not None:
            self._context.navigator.book_appointment(self.person_id)

    def open_release_checklist(self) -> ReleaseChecklistDialog | None:
        """The release checklist for this person, in a window over the page."""
        if self.person_id is None:
            return None
        if self._release_dialog is not None and isValid(self._release_dialog):
            self._release_dialog.close()
        dialog = ReleaseChecklistDialog(self._context, self.person_id, self)
        self._release_dialog = dialog
        dialog.open()
        return dialog


def build(context: PageContext) -> QWidget:
    """The page, for the main window."""
    return PersonPage(context)


PAGE = PageSpec(
    page_id="person",
    title="Person",
    build=build,
    permission=Permission.VIEW_PEOPLE,
    order=30,
    help_topic="person",
    roles_note="Workers and supervisors: one person's details, detentions and everything recorded.",
)
