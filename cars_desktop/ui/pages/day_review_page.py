"""Day review: a supervisor reviews a day's assessments at one or more sites, then signs the day off.

Choose the date and sites; every assessment is listed by worker, kind and status (sortable,
filterable). Open one read-only, approve the selected ones together, or return one with a comment
the worker sees on Today. Signing off is refused while work waits; every sign-off of the day at
the chosen sites, from any supervisor's workstation (they sync), shows as "Signed off by <name> at
<time>". On the right, what only the central server knows: unsent work per workstation, and
over-booked slots waiting to be rebooked (both "not available offline" without it); "Rebook..."
moves a booking out of the chosen slot, which leaves the list once the move has synced.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.resources import reference_list
from cars_desktop.services.day_review import (
    DayReview,
    Reviewed,
    ReviewRow,
    SignOff,
    approve,
    day_assessments,
    overbooked_slots,
    return_for_changes,
    sign_off_day,
    workstation_statuses,
)
from cars_desktop.services.slot_rebooking import Moved
from cars_desktop.services.workstation_facts import site_name
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.day_review_model import overbooked_model, review_model, workstations_model
from cars_desktop.ui.pages.overbooked_rebook_dialog import RebookOverbookedDialog
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.table_view import RecordTable
from cars_desktop.ui.widgets.typed_dates import uk_date, uk_long_datetime
from cars_protocol.sync import OverbookedSlot, WorkstationStatus

OFFLINE = "Not available offline"
ServerView = tuple[list[WorkstationStatus], list[OverbookedSlot]]


def _buddy(text: str, field: QWidget) -> QLabel:
    """A label whose mnemonic (the letter after &) puts the focus in `field`."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


class DayReviewPage(QWidget):
    """Date and sites, the day's assessments with the decisions, and the server's views."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = context
        self._review: DayReview | None = None
        self.setAccessibleName("Day review")

        self.day = QDateEdit(QDate.currentDate())
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName("Day to review")
        self.sites = QListWidget()
        self.sites.setAccessibleName("Sites to review (tick one or more)")
        self.sites.setMaximumHeight(90)
        for site in reference_list("sites").current():
            item = QListWidgetItem(site.name)
            item.setData(Qt.ItemDataRole.UserRole, site.code)
            item.setCheckState(
                Qt.CheckState.Checked if site.code == context.session.site_code else Qt.CheckState.Unchecked
            )
            self.sites.addItem(item)
        self.show_button = QPushButton("&Show the day")
        self.show_button.setAccessibleName("Show the day's assessments")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by worker, assessment, person or status")
        self.filter.setAccessibleName("Filter the day's assessments")

        self.model = review_model(self)
        self.table = RecordTable(self.model, "The day's assessments", multi_select=True)
        self.summary = QLabel()
        self.summary.setAccessibleName("Review summary")
        self.sign_offs = QLabel()
        self.sign_offs.setAccessibleName("Who signed off the day")
        self.sign_offs.setWordWrap(True)
        self.open_button = QPushButton("&Open read-only")
        self.approve_button = QPushButton("&Approve selected")
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("What the worker must change")
        self.comment.setAccessibleName("Comment for the worker")
        self.return_button = QPushButton("&Return with comment")
        self.sign_off_button = QPushButton("Sign o&ff the day")
        self.kpis_button = QPushButton("&KPIs...")
        for button, name in (
            (self.kpis_button, "Open the KPI reports"),
            (self.open_button, "Open the chosen assessment read-only"),
            (self.approve_button, "Approve the selected assessments"),
            (self.return_button, "Return the chosen assessment with the comment"),
            (self.sign_off_button, "Sign off the day"),
        ):
            button.setAccessibleName(name)
        self.error = MessageLabel(MessageKind.ERROR, "Review problem")
        self.notice = MessageLabel(MessageKind.NOTICE, "Review result")

        self.workstations = workstations_model(self)
        self.workstation_table = RecordTable(self.workstations, "Unsent work per workstation")
        self.overbooked = overbooked_model(self)
        self.overbooked_table = RecordTable(self.overbooked, "Over-booked appointment slots")
        self.server_note = QLabel(OFFLINE)
        self.server_note.setAccessibleName("Central server information")
        self.rebook_button = QPushButton("Re&book...")
        self.rebook_button.setAccessibleName("Rebook a booking from the chosen over-booked slot")
        self.rebook_button.setEnabled(False)
        self._rebook_dialog: RebookOverbookedDialog | None = None
        self.server_button = QPushButton("Ask the central ser&ver")
        self.server_button.setAccessibleName("Ask the central server for workstations and over-booked slots")

        # Labels with a mnemonic (Alt+letter) move the focus to their field: the filter and the
        # comment are typed into mid-review, so they must be reachable without Tab-walking.
        self.day_label = _buddy("&Day:", self.day)
        self.sites_label = _buddy("S&ites:", self.sites)
        self.filter_label = _buddy("Fi&lter:", self.filter)
        self.comment_label = _buddy("Co&mment:", self.comment)
        top = QHBoxLayout()
        top.addWidget(self.day_label)
        top.addWidget(self.day)
        top.addWidget(self.sites_label)
        top.addWidget(self.sites, 1)
        top.addWidget(self.show_button)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_label)
        filter_row.addWidget(self.filter, 1)
        decisions = QHBoxLayout()  # the comment gets a row of its own: it is the one thing typed
        decisions.addWidget(self.open_button)
        decisions.addWidget(self.approve_button)
        decisions.addStretch(1)
        decisions.addWidget(self.kpis_button)
        commenting = QHBoxLayout()
        commenting.addWidget(self.comment_label)
        commenting.addWidget(self.comment, 1)
        commenting.addWidget(self.return_button)
        commenting.addWidget(self.sign_off_button)
        left = QVBoxLayout()
        left.addLayout(top)
        left.addLayout(filter_row)
        left.addWidget(self.table, 1)
        left.addWidget(self.summary)
        left.addWidget(self.sign_offs)
        left.addLayout(decisions)
        left.addLayout(commenting)
        left.addWidget(self.error)
        left.addWidget(self.notice)
        server = QGroupBox("From the central server")
        server_layout = QVBoxLayout(server)
        server_layout.addWidget(self.server_note)
        server_layout.addWidget(QLabel("Unsent work per workstation"))
        server_layout.addWidget(self.workstation_table)
        server_layout.addWidget(QLabel("Over-booked slots to rebook"))
        server_layout.addWidget(self.overbooked_table)
        server_buttons = QHBoxLayout()
        server_buttons.addWidget(self.rebook_button)
        server_buttons.addWidget(self.server_button)
        server_buttons.addStretch(1)
        server_layout.addLayout(server_buttons)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addWidget(server, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Day review</h2>"))
        layout.addLayout(columns)

        self.show_button.clicked.connect(self.refresh)
        self.filter.textChanged.connect(self.table.set_filter)
        self.open_button.clicked.connect(self.open_chosen)
        self.table.doubleClicked.connect(lambda _index: self.open_chosen())
        self.approve_button.clicked.connect(self.approve_selected)
        self.return_button.clicked.connect(self.return_chosen)
        self.sign_off_button.clicked.connect(self.sign_off)
        self.kpis_button.clicked.connect(lambda: self._ctx.navigator.show_page("reports"))
        self.server_button.clicked.connect(self.refresh_server)
        self.rebook_button.clicked.connect(self.rebook_chosen)
        self.overbooked_table.doubleClicked.connect(lambda _index: self.rebook_chosen())
        self.overbooked_table.selectionModel().selectionChanged.connect(self._slot_chosen)
        context.bus.sig_changed.connect(self._on_changed)
        self.refresh()
        self.refresh_server()

    # -- reading ------------------------------------------------------------------------------

    def chosen_day(self) -> date:
        return self.day.date().toPython()  # type: ignore[return-value]

    def chosen_sites(self) -> list[str]:
        items = (self.sites.item(i) for i in range(self.sites.count()))
        return [
            str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i.checkState() == Qt.CheckState.Checked
        ]

    def refresh(self) -> None:
        """Reload the day's assessments for the chosen date and sites."""
        session, day, sites = self._ctx.session, self.chosen_day(), self.chosen_sites()
        run_op(
            self._ctx.app.runner,
            lambda: day_assessments(session, day, sites),
            self._show,
            self.error.show_message,
            parent=self,
        )

    def _show(self, review: DayReview) -> None:
        self._review = review
        self.model.set_rows(review.rows)
        self.table.fit_columns()
        parts = [
            f"{len(review.rows)} assessments on {uk_date(review.day)}",
            f"{review.waiting} waiting for review",
        ]
        self.summary.setText(". ".join(parts) + ".")
        self.sign_offs.setText(
            "\n".join(f"{site_name(s.site_code)}: {s.label}" for s in review.sign_offs)
            or f"Not signed off yet for {uk_date(review.day)}."
        )
        self.sign_off_button.setEnabled(not review.signed_off_by(self._ctx.session.user.username))

    def _on_changed(self, changes: Changes) -> None:
        if concerns(changes, ("assessment", "review_decision", "day_sign_off")):
            self.refresh()
        if concerns(changes, ("appointment",)) and self._ctx.app.http_factory is not None:
            self.refresh_server()  # a move or a sync may have cleared an over-booked slot

    def refresh_server(self) -> None:
        """Ask the central server for workstations' unsent work and over-booked slots."""
        factory = self._ctx.app.http_factory
        if factory is None:
            self._server_unavailable(OFFLINE)
            return
        session = self._ctx.session

        def ask() -> ServerView:
            with factory() as http:
                return workstation_statuses(session, http), overbooked_slots(session, http)

        self.server_note.setText("Asking the central server...")
        run_op(self._ctx.app.runner, ask, self._show_server, self._server_unavailable, parent=self)

    def _show_server(self, view: ServerView) -> None:
        stations, slots = view
        self.workstations.set_rows(stations)
        self.overbooked.set_rows(slots)
        self.workstation_table.fit_columns()
        self.overbooked_table.fit_columns()
        self._slot_chosen()
        waiting = sum(s.pending_count for s in stations)
        self.server_note.setText(
            f"{waiting} unsent changes across {len(stations)} workstations; {len(slots)} over-booked slots."
        )

    def _server_unavailable(self, message: str) -> None:
        self.workstations.set_rows([])
        self.overbooked.set_rows([])
        self.server_note.setText(OFFLINE if message == OFFLINE else f"{OFFLINE}: {message}")
        self._slot_chosen()

    # -- over-booked slots --------------------------------------------------------------------

    def chosen_slot(self) -> OverbookedSlot | None:
        row = self.overbooked_table.current_source_row()
        return None if row is None else self.overbooked.row_at(row)

    def _slot_chosen(self) -> None:
        self.rebook_button.setEnabled(self.chosen_slot() is not None)

    def rebook_chosen(self) -> None:
        """Open the rebooking dialog for the chosen over-booked slot."""
        slot = self.chosen_slot()
        if slot is None:
            self.error.show_message("choose an over-booked slot first")
            return
        self.error.clear_message()
        dialog = RebookOverbookedDialog(self._ctx, slot, self)
        dialog.sig_moved.connect(self._moved)
        dialog.finished.connect(dialog.deleteLater)
        self._rebook_dialog = dialog
        dialog.open()

    def _moved(self, done: Moved) -> None:
        made = done.appointment
        self.notice.show_message(
            f"rebooked for {uk_long_datetime(made.starts_at)}. The slot leaves the list once this has synced."
        )
        if made.reason == "required_assessment":  # the person must be told the new time in writing
            self._ctx.navigator.preview_document(made.person_id, DocumentKind.RA2_APPOINTMENT_CHANGE.value)

    # -- decisions ----------------------------------------------------------------------------

    def selected(self) -> list[ReviewRow]:
        chosen = (self.model.row_at(r) for r in self.table.selected_source_rows())
        return [row for row in chosen if row is not None]

    def open_chosen(self) -> None:
        """Open the chosen assessment read-only."""
        rows = self.selected()
        if not rows:
            self.error.show_message("choose an assessment first")
            return
        row = rows[0]
        self._ctx.navigator.open_form(row.person_id, row.form_id, row.assessment_id, read_only=True)

    def _decided(self, verb: str) -> Callable[[Reviewed], None]:
        def done(result: Reviewed) -> None:
            count = len(result.decisions)
            self.notice.show_message(f"{count} assessment{'s' if count != 1 else ''} {verb}.")
            self.comment.clear()

        return self._ctx.bus.broadcasting(lambda result: result.changes, done)

    def approve_selected(self) -> None:
        """Approve every selected assessment (all or none)."""
        self.error.clear_message()
        items: list[tuple[uuid.UUID, int]] = [(r.assessment_id, r.revision) for r in self.selected()]
        session = self._ctx.session
        run_op(
            self._ctx.app.runner,
            lambda: approve(session, items),
            self._decided("approved"),
            self.error.show_message,
            parent=self,
        )

    def return_chosen(self) -> None:
        """Return the chosen assessment to its worker with the comment."""
        self.error.clear_message()
        rows = self.selected()
        if len(rows) != 1:
            self.error.show_message("choose one assessment to return")
            return
        row, comment, session = rows[0], self.comment.text(), self._ctx.session
        run_op(
            self._ctx.app.runner,
            lambda: return_for_changes(session, row.assessment_id, row.revision, comment),
            self._decided("returned to the worker"),
            self.error.show_message,
            parent=self,
        )

    def sign_off(self) -> None:
        """Sign off the day at the chosen sites."""
        self.error.clear_message()
        session, day, sites = self._ctx.session, self.chosen_day(), self.chosen_sites()
        run_op(
            self._ctx.app.runner,
            lambda: sign_off_day(session, day, sites),
            self._signed_off,
            self.error.show_message,
            parent=self,
        )

    def _signed_off(self, made: tuple[SignOff, ...]) -> None:
        sites = ", ".join(site_name(s.site_code) for s in made)
        self.notice.show_message(f"the day is signed off for {sites}.")
        self._ctx.bus.broadcast(Changes(record_types=frozenset({"day_sign_off"})))


PAGE = PageSpec(
    page_id="day_review",
    title="Day review",
    build=DayReviewPage,
    permission=Permission.REVIEW_CASEWORK,
    order=70,
    help_topic="day_review",
    roles_note="Supervisors: approve or return the day's assessments and sign the day off.",
)
