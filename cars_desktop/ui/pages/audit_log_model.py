"""One page of the audit log as a table: newest first, in the order the service read it.

Sorting is left off on purpose: a page holds only a slice of the log, and sorting the slice by
another column would look like an answer about the whole log.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from cars_desktop.services.audit_log_view import AuditEntryView
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.widgets.typed_dates import format_date, uk_zone


def when_text(entry: AuditEntryView) -> str:
    """The entry's time in UK local time, to the second: "24/03/2025 14:32:05"."""
    local = entry.at.astimezone(uk_zone())
    return f"{format_date(local.date())} {local:%H:%M:%S}"


def record_text(entry: AuditEntryView) -> str:
    """What the entry concerns: "person 1b2c…" or the record type alone."""
    if entry.record_type and entry.record_id:
        return f"{entry.record_type} {entry.record_id}"
    return entry.record_type or entry.record_id or ""


def _about(entry: AuditEntryView) -> str:
    parts = [entry.details]
    for label, value in (
        ("justification", entry.justification),
        ("recipient", entry.recipient),
        ("legal basis", entry.legal_basis),
    ):
        if value:
            parts.append(f"{label}: {value}")
    return "; ".join(p for p in parts if p)


AUDIT_COLUMNS: tuple[Column[AuditEntryView], ...] = (
    Column("No.", lambda e: str(e.seq), numeric=True),
    Column("When (UK time)", when_text),
    Column("User", lambda e: e.username),
    Column("Role", lambda e: e.roles),
    Column("What", lambda e: e.operation_label, tooltip=lambda e: e.operation),
    Column("Record", record_text),
    Column("Details", _about),
)


class AuditLogModel(ColumnTableModel[AuditEntryView]):
    """The entries of one page of the audit log."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(AUDIT_COLUMNS, parent)
