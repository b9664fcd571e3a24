"""The day review's column tables: the assessments, unsent work per workstation, over-booked slots."""

from __future__ import annotations

from PySide6.QtCore import QObject

from cars_desktop.services.day_review import ReviewRow
from cars_desktop.services.workstation_facts import site_name
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.widgets.typed_dates import uk_datetime
from cars_protocol.records import AssessmentStatus
from cars_protocol.sync import OverbookedSlot, WorkstationStatus

KIND_LABELS = {
    "required_initial": "Required assessment (initial)",
    "required_follow_up": "Required assessment (follow-up)",
    "lifestyle": "Lifestyle",
    "vulnerability": "Vulnerability screen",
    "court_suitability": "Court suitability",
}
STATUS_LABELS = {
    AssessmentStatus.DRAFT: "Draft (not finished)",
    AssessmentStatus.COMPLETED: "Waiting for review",
    AssessmentStatus.AMENDED: "Amended: waiting for review",
    AssessmentStatus.APPROVED: "Approved",
    AssessmentStatus.RETURNED: "Returned to the worker",
}


def _kind(row: ReviewRow) -> str:
    return KIND_LABELS.get(row.kind.value, row.kind.value.replace("_", " ").capitalize())


REVIEW_COLUMNS: tuple[Column[ReviewRow], ...] = (
    Column("Worker", lambda r: r.worker),
    Column("Assessment", _kind),
    Column("Person", lambda r: r.person_name),
    Column("Status", lambda r: STATUS_LABELS[r.status], lambda r: (0 if r.waiting else 1, r.status.value)),
    Column("Time", lambda r: uk_datetime(r.at)[-5:], lambda r: r.at.isoformat(), "UK local time"),
    Column("Site", lambda r: r.site_code),
)

WORKSTATION_COLUMNS: tuple[Column[WorkstationStatus], ...] = (
    Column("Workstation", lambda w: w.label),
    Column("Site", lambda w: w.site_code),
    Column("Unsent changes", lambda w: str(w.pending_count), lambda w: w.pending_count),
    Column("Oldest unsent", lambda w: uk_datetime(w.oldest_pending_at), lambda w: str(w.oldest_pending_at)),
    Column(
        "Last contact", lambda w: uk_datetime(w.last_contact_at) or "never", lambda w: str(w.last_contact_at)
    ),
)

OVERBOOKED_COLUMNS: tuple[Column[OverbookedSlot], ...] = (
    Column("Slot", lambda s: uk_datetime(s.starts_at), lambda s: s.starts_at.isoformat()),
    Column("Place", lambda s: site_name(s.site_code)),
    Column("Places", lambda s: str(s.capacity), lambda s: s.capacity),
    Column("Booked", lambda s: str(len(s.appointment_ids)), lambda s: len(s.appointment_ids)),
    Column("To rebook", lambda s: str(max(len(s.appointment_ids) - s.capacity, 0))),
)


def review_model(parent: QObject | None = None) -> ColumnTableModel[ReviewRow]:
    """The day's assessments (`ReviewRow` rows)."""
    return ColumnTableModel(REVIEW_COLUMNS, parent)


def workstations_model(parent: QObject | None = None) -> ColumnTableModel[WorkstationStatus]:
    """Workstations' sync health (`WorkstationStatus` rows)."""
    return ColumnTableModel(WORKSTATION_COLUMNS, parent)


def overbooked_model(parent: QObject | None = None) -> ColumnTableModel[OverbookedSlot]:
    """Over-booked appointment slots (`OverbookedSlot` rows)."""
    return ColumnTableModel(OVERBOOKED_COLUMNS, parent)
