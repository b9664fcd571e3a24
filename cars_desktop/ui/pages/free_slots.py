"""Filling a list with the next free appointment slots for moving one appointment.

Rebooking a missed appointment and moving a booking off an over-booked slot both offer the same
choice; one function asks the service (off the GUI thread) and fills the list the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import QComboBox, QWidget

from cars_desktop.services.booking_slots import SlotOffer, next_free_slots
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.widgets.typed_dates import uk_long_datetime
from cars_protocol.records import Appointment


def offer_free_slots(
    context: PageContext,
    appointment: Appointment,
    slots: QComboBox,
    on_error: Callable[[str], None],
    parent: QWidget,
    *,
    leave_out: datetime | None = None,
    then: Callable[[int], None] | None = None,
) -> None:
    """Fill `slots` with the free slots at the appointment's place (its own booking not counted).

    `leave_out` is a time not worth offering (the slot it is being moved off); `then` gets how
    many slots were offered, once they are.
    """
    slots.clear()
    session = context.session

    def show(offers: list[SlotOffer]) -> None:
        slots.clear()
        for offer in offers:
            if offer.starts_at != leave_out:
                slots.addItem(uk_long_datetime(offer.starts_at), offer.starts_at)
        if then is not None:
            then(slots.count())

    run_op(
        context.app.runner,
        lambda: next_free_slots(session, appointment.location_site_code, ignore=appointment.id),
        show,
        on_error,
        parent=parent,
    )
