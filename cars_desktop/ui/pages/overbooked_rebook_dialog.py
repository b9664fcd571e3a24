"""Rebook a booking out of an over-booked slot: whom it is for, and the next free slots at that place.

Opened from the day review's list of over-booked slots. It offers the bookings over the slot's
capacity (the latest made; see `services.slot_rebooking`) and, for the one chosen, the next free
slots at the same place; "Rebook" moves that appointment (the same record, a new time). The dialog
is window-modal but opened with `open()`, so the window keeps painting and tests can drive it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.services.slot_rebooking import Moved, OverbookedBooking, bookings_to_move, move_appointment
from cars_desktop.services.workstation_facts import site_name
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.free_slots import offer_free_slots
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.widgets.typed_dates import uk_date, uk_long_datetime
from cars_protocol.sync import OverbookedSlot

NOT_HERE = (
    "the bookings over this slot's places have not reached this workstation yet; sync now (F9) and try again"
)


def booking_label(booking: OverbookedBooking) -> str:
    """ "Perpetua Ashcombe-Lyle (born 11/02/1979), booked by pc.booker" """
    born = f" (born {uk_date(booking.date_of_birth)})" if booking.date_of_birth else ""
    return f"{booking.name}{born}, booked by {booking.appointment.booked_by}"


class RebookOverbookedDialog(QDialog):
    """Choose the booking to move and its new slot; `sig_moved` carries the `Moved` result."""

    sig_moved = Signal(object)

    def __init__(self, context: PageContext, slot: OverbookedSlot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = context
        self._slot = slot
        self.setWindowTitle("Rebook an over-booked appointment")
        self.setAccessibleName("Rebook an over-booked appointment")
        over = max(len(slot.appointment_ids) - slot.capacity, 0)
        places = f"{slot.capacity} place{'s' if slot.capacity != 1 else ''}"
        self.heading = QLabel(
            f"{uk_long_datetime(slot.starts_at)} at {site_name(slot.site_code)}: "
            f"{len(slot.appointment_ids)} booked for {places}; {over} to rebook."
        )
        self.heading.setWordWrap(True)
        self.bookings = QComboBox()
        self.bookings.setAccessibleName("Booking to move")
        self.slots = QComboBox()
        self.slots.setAccessibleName("New appointment slot")
        self.error = MessageLabel(MessageKind.ERROR, "Rebooking problem")
        buttons = QDialogButtonBox()
        self.rebook_button = QPushButton("&Rebook")
        self.rebook_button.setAccessibleName("Rebook at the chosen slot")
        self.rebook_button.setDefault(True)
        self.rebook_button.setEnabled(False)
        buttons.addButton(self.rebook_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout()
        booking_label_widget = QLabel("&Booking to move:")
        booking_label_widget.setBuddy(self.bookings)
        slot_label = QLabel("&New slot:")
        slot_label.setBuddy(self.slots)
        form.addRow(booking_label_widget, self.bookings)
        form.addRow(slot_label, self.slots)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        self.bookings.currentIndexChanged.connect(self._booking_chosen)
        self.rebook_button.clicked.connect(self.rebook)
        buttons.rejected.connect(self.reject)
        session = context.session
        run_op(
            context.app.runner,
            lambda: bookings_to_move(session, slot),
            self._show_bookings,
            self.error.show_message,
            parent=self,
        )

    def _show_bookings(self, found: list[OverbookedBooking]) -> None:
        self.bookings.clear()
        for booking in found:
            self.bookings.addItem(booking_label(booking), booking)
        if not found:
            self.error.show_message(NOT_HERE)
            self.rebook_button.setEnabled(False)
        self.bookings.setFocus()

    def chosen(self) -> OverbookedBooking | None:
        data = self.bookings.currentData()
        return data if isinstance(data, OverbookedBooking) else None

    def _booking_chosen(self) -> None:
        self.slots.clear()
        chosen = self.chosen()
        if chosen is None:
            return
        offer_free_slots(
            self._ctx,
            chosen.appointment,
            self.slots,
            self.error.show_message,
            self,
            leave_out=self._slot.starts_at,
            then=self._slots_offered,
        )

    def _slots_offered(self, count: int) -> None:
        self.rebook_button.setEnabled(count > 0)
        if not count:
            self.error.show_message(
                "no free slot at this place in the next two weeks; ask the team to add one"
            )

    def rebook(self) -> None:
        """Move the chosen booking to the chosen slot."""
        chosen, starts_at = self.chosen(), self.slots.currentData()
        if chosen is None or starts_at is None:
            self.error.show_message("choose the booking to move and a free slot")
            return
        self.error.clear_message()
        session, appointment_id = self._ctx.session, chosen.appointment.id
        self.rebook_button.setEnabled(False)
        run_op(
            self._ctx.app.runner,
            lambda: move_appointment(session, appointment_id, starts_at),
            self._ctx.bus.broadcasting(lambda done: done.changes, self._moved),
            self._failed,
            parent=self,
        )

    def _failed(self, message: str) -> None:
        self.rebook_button.setEnabled(True)
        self.error.show_message(message)

    def _moved(self, done: Moved) -> None:
        self.sig_moved.emit(done)
        self.accept()
