"""Missed appointments: appointments at this site whose time passed with no attendance recorded.

The worker records "came" or "did not attend" (a missed required assessment raises the police
notification action, from the required assessment form's own rule), or rebooks at one of the next
free slots; rebooking a required assessment opens the RA2 notice in the print preview, since the
person must be told of the new time in writing.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.services.bookings import (
    AttendanceRecorded,
    MissedRow,
    missed_appointments,
    rebook,
    record_attendance,
)
from cars_desktop.services.workstation_facts import site_name
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.free_slots import offer_free_slots
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.table_view import RecordTable
from cars_desktop.ui.widgets.typed_dates import uk_date, uk_datetime, uk_long_datetime

REASONS = {"required_assessment": "Required assessment", "voluntary": "Voluntary"}

MISSED_COLUMNS: tuple[Column[MissedRow], ...] = (
    Column(
        "Appointment",
        lambda r: uk_datetime(r.appointment.starts_at),
        lambda r: r.appointment.starts_at.isoformat(),
    ),
    Column("Name", lambda r: r.name),
    Column("Date of birth", lambda r: uk_date(r.date_of_birth), lambda r: str(r.date_of_birth)),
    Column("Reason", lambda r: REASONS.get(r.appointment.reason, r.appointment.reason)),
    Column("Place", lambda r: site_name(r.appointment.location_site_code)),
    Column("Booked by", lambda r: r.appointment.booked_by),
    Column("Recorded", lambda r: "Did not attend" if r.recorded_missed else "Nothing yet"),
)


def missed_model(parent: QWidget | None = None) -> ColumnTableModel[MissedRow]:
    """Missed appointments (`MissedRow` rows)."""
    return ColumnTableModel(MISSED_COLUMNS, parent)


class MissedAppointmentsPage(QWidget):
    """The list, what to record for the chosen one, and where to rebook it."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = context
        self.setAccessibleName("Missed appointments")
        self.model = missed_model(self)
        self.table = RecordTable(self.model, "Missed appointments")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name, reason or place")
        self.filter.setAccessibleName("Filter missed appointments")
        self.attended_button = QPushButton("&Came after all")
        self.attended_button.setAccessibleName("Record that the person came")
        self.missed_button = QPushButton("&Did not attend")
        self.missed_button.setAccessibleName("Record that the person did not attend")
        self.slots = QComboBox()
        self.slots.setAccessibleName("New appointment slot")
        self.rebook_button = QPushButton("&Rebook at this slot")
        self.rebook_button.setAccessibleName("Rebook at the chosen slot")
        self.error = MessageLabel(MessageKind.ERROR, "Problem")
        self.notice = MessageLabel(MessageKind.NOTICE, "Result")

        actions = QHBoxLayout()
        for button in (self.attended_button, self.missed_button):
            actions.addWidget(button)
        actions.addSpacing(24)
        actions.addWidget(QLabel("Rebook at:"))
        actions.addWidget(self.slots, 1)
        actions.addWidget(self.rebook_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Missed appointments</h2>"))
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)

        self.filter.textChanged.connect(self.table.set_filter)
        self.table.selectionModel().selectionChanged.connect(self._chosen_changed)
        self.attended_button.clicked.connect(lambda: self.record(attended=True))
        self.missed_button.clicked.connect(lambda: self.record(attended=False))
        self.rebook_button.clicked.connect(self.rebook)
        context.bus.sig_changed.connect(self._on_changed)
        self.refresh()

    def refresh(self) -> None:
        """Reload the list."""
        session = self._ctx.session
        run_op(
            self._ctx.app.runner,
            lambda: missed_appointments(session),
            self._show,
            self.error.show_message,
            parent=self,
        )

    def _show(self, rows: list[MissedRow]) -> None:
        self.model.set_rows(rows)
        self.table.fit_columns()
        self.table.select_first()
        self._chosen_changed()

    def _on_changed(self, changes: Changes) -> None:
        if concerns(changes, ("appointment",)):
            self.refresh()

    def chosen(self) -> MissedRow | None:
        row = self.table.current_source_row()
        return None if row is None else self.model.row_at(row)

    def _chosen_changed(self) -> None:
        chosen = self.chosen()
        for button in (self.attended_button, self.missed_button):
            button.setEnabled(chosen is not None and not chosen.recorded_missed)
        self.rebook_button.setEnabled(chosen is not None)
        self.slots.clear()
        if chosen is None:
            return
        offer_free_slots(self._ctx, chosen.appointment, self.slots, self.error.show_message, self)

    def record(self, attended: bool) -> None:
        """Record attendance for the chosen appointment."""
        chosen = self.chosen()
        if chosen is None:
            return
        self.error.clear_message()
        session, appointment_id = self._ctx.session, chosen.appointment.id
        run_op(
            self._ctx.app.runner,
            lambda: record_attendance(session, appointment_id, attended),
            self._ctx.bus.broadcasting(lambda done: done.changes, self._recorded),
            self.error.show_message,
            parent=self,
        )

    def _recorded(self, done: AttendanceRecorded) -> None:
        if done.actions:
            self.notice.show_message(
                "recorded as did not attend. A police notification action is open: tell a police officer now."
            )
        else:
            self.notice.show_message("attendance recorded.")

    def rebook(self) -> None:
        """Rebook the chosen appointment at the chosen slot; a required one opens its RA2 notice."""
        chosen = self.chosen()
        starts_at = self.slots.currentData()
        if chosen is None or starts_at is None:
            self.error.show_message("choose an appointment and a free slot")
            return
        self.error.clear_message()
        session, appointment_id = self._ctx.session, chosen.appointment.id
        run_op(
            self._ctx.app.runner,
            lambda: rebook(session, appointment_id, starts_at),
            self._ctx.bus.broadcasting(lambda done: done.changes, self._rebooked),
            self.error.show_message,
            parent=self,
        )

    def _rebooked(self, done: AttendanceRecorded) -> None:
        made = done.new_appointment
        assert made is not None
        text = f"rebooked for {uk_long_datetime(made.starts_at)}."
        if done.actions:
            text += " A police notification action is open for the missed appointment."
        self.notice.show_message(text)
        if made.reason == "required_assessment":
            self._ctx.navigator.preview_document(made.person_id, DocumentKind.RA2_APPOINTMENT_CHANGE.value)


PAGE = PageSpec(
    page_id="missed_appointments",
    title="Missed appointments",
    build=MissedAppointmentsPage,
    permission=Permission.VIEW_ALL_APPOINTMENTS,
    order=45,
    help_topic="missed_appointments",
    roles_note="Workers and supervisors: appointments whose time passed without the person coming.",
)
