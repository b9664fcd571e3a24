"""The actions list, declared as columns: due (overdue said in words, and in bold), person, type, status.

Overdue is worked out against the clock the page passes in when the rows are set, and is written
into the "Due" text ("Overdue: ..."), so it never depends on colour; bold is an extra cue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from cars_desktop.services.actions import ActionItem
from cars_desktop.ui.table_model import AnyIndex, Column, ColumnTableModel
from cars_desktop.ui.widgets.typed_dates import uk_datetime

Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(UTC)


def due_text(item: ActionItem, now: datetime) -> str:
    """When the action is due, in UK time, saying so in words when it is late."""
    if item.due_at is None:
        return "No due time"
    when = uk_datetime(item.due_at)
    return f"Overdue: {when}" if item.overdue(now) else when


def last_note(item: ActionItem) -> str:
    lines = [line for line in item.notes.splitlines() if line.strip()]
    return lines[-1] if lines else ""


class ActionsModel(ColumnTableModel[ActionItem]):
    """Open actions, as the service sorted them (the user's own first, soonest due first)."""

    def __init__(self, clock: Clock = utc_clock, parent: QWidget | None = None) -> None:
        self._clock = clock
        self._now = clock()
        columns: tuple[Column[ActionItem], ...] = (
            Column("Due", lambda i: due_text(i, self._now), sort_key=lambda i: i.due_at),
            Column("Person", lambda i: i.person_name),
            Column("Action", lambda i: i.type_label),
            Column("Status", lambda i: i.status_label),
            Column("Owner", lambda i: i.owner + (" (you)" if i.mine else "")),
            Column("Latest note", last_note, tooltip=lambda i: i.notes or "No notes"),
        )
        super().__init__(columns, parent)

    def set_rows(self, rows: Sequence[ActionItem]) -> None:
        """Replace the rows, reading the clock again so "Overdue" is current."""
        self._now = self._clock()
        super().set_rows(rows)

    def overdue_count(self) -> int:
        return sum(1 for item in self.rows if item.overdue(self._now))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid():
            item = self.row_at(index.row())
            if item is not None and item.overdue(self._now):
                font = QFont()
                font.setBold(True)
                return font
            return None
        return super().data(index, role)
