"""The column tables of the booking page: free slots offered, and the user's own bookings."""

from __future__ import annotations

from PySide6.QtCore import QObject

from cars_desktop.services.booking_slots import SlotOffer
from cars_desktop.services.bookings import BookingRow
from cars_desktop.services.workstation_facts import site_name
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.widgets.typed_dates import uk_datetime, uk_long_datetime

REASONS = {"required_assessment": "Required assessment", "voluntary": "Voluntary"}

SLOT_COLUMNS: tuple[Column[SlotOffer], ...] = (
    Column("Appointment", lambda s: uk_long_datetime(s.starts_at), lambda s: s.starts_at.isoformat()),
    Column("Place", lambda s: site_name(s.site_code)),
    Column("Places free", lambda s: f"{s.free} of {s.capacity}", lambda s: s.free),
)

BOOKING_COLUMNS: tuple[Column[BookingRow], ...] = (
    Column("Appointment", lambda b: uk_datetime(b.starts_at), lambda b: b.starts_at.isoformat()),
    Column("Name", lambda b: b.name),
    Column("Custody record", lambda b: b.custody_record_number),
    Column("Place", lambda b: site_name(b.location_site_code)),
    Column("Reason", lambda b: REASONS.get(b.reason, b.reason)),
    Column("Kept?", lambda b: b.outcome, tooltip="Pending until the team records whether the person came"),
)


def slots_model(parent: QObject | None = None) -> ColumnTableModel[SlotOffer]:
    """Free appointment slots (`SlotOffer` rows)."""
    return ColumnTableModel(SLOT_COLUMNS, parent)


def bookings_model(parent: QObject | None = None) -> ColumnTableModel[BookingRow]:
    """The signed-in user's bookings (`BookingRow` rows)."""
    return ColumnTableModel(BOOKING_COLUMNS, parent)


__all__ = ["BookingRow", "SlotOffer", "bookings_model", "slots_model"]
