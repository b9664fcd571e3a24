"""The Today table: its columns, and the proxy that sorts and filters it (name or CRN, and a need)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

from cars_desktop.domain.names import normalise_name
from cars_desktop.services.today import Need, Place, TodayEntry, uk_today, uk_zone
from cars_desktop.ui.table_model import ROW_ROLE, SORT_ROLE, Column, ColumnTableModel, sort_less_than
from cars_desktop.ui.widgets.typed_dates import uk_date, uk_time


def _when(entry: TodayEntry) -> str:
    """The time today; with the date for someone still held since an earlier day."""
    local = entry.at.astimezone(uk_zone())
    if local.date() == uk_today():
        return uk_time(entry.at)
    return f"{local:%d/%m} {uk_time(entry.at)}"


def _where(entry: TodayEntry) -> str:
    if entry.place is Place.COURT:
        return f"Court {entry.courtroom}" if entry.courtroom else "Court"
    if entry.released_at is not None:
        return f"Released {uk_time(entry.released_at)}"
    return "In custody"


def _needs(entry: TodayEntry) -> str:
    return "; ".join(n.label for n in entry.needs) or "Nothing waiting"


TODAY_COLUMNS: list[Column[TodayEntry]] = [
    Column("Time", _when, lambda e: e.at.isoformat()),
    Column("Name", lambda e: e.name),
    Column("Date of birth", lambda e: uk_date(e.date_of_birth), lambda e: e.date_of_birth.isoformat()),
    Column("Custody record", lambda e: e.custody_record_number or ""),
    Column("Where", _where),
    Column(
        "Needs next",
        _needs,
        lambda e: (list(Need).index(e.needs[0]) if e.needs else len(Need), e.at.isoformat()),
        lambda e: "\n".join(n.label for n in e.needs),
    ),
]
NEEDS_COLUMN = 5


class TodayTableModel(ColumnTableModel[TodayEntry]):
    """Everyone on Today, one row per custody episode or court listing."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(TODAY_COLUMNS, parent)


class TodayFilterProxy(QSortFilterProxyModel):
    """Sorts by each column's sort key; shows rows whose name or custody record number contains the
    typed text (spaces, case and punctuation ignored) and, if chosen, that have one need."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._text = ""
        self._need: Need | None = None
        self._needs_anything = False

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = normalise_name(text)
        self.endFilterChange()

    def set_need(self, need: Need | None, *, anything: bool = False) -> None:
        """Show only rows with `need`; with `anything`, rows with any need at all."""
        self.beginFilterChange()
        self._need, self._needs_anything = need, anything
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        model = self.sourceModel()
        entry = model.data(model.index(source_row, 0, source_parent), ROW_ROLE)
        if not isinstance(entry, TodayEntry):
            return False
        if self._need is not None and self._need not in entry.needs:
            return False
        if self._needs_anything and not entry.needs:
            return False
        if self._text:
            haystack = normalise_name(
                f"{entry.family_name} {entry.given_names} {entry.custody_record_number or ''}"
            )
            return self._text in haystack
        return True

    def lessThan(  # noqa: N802 (Qt override)
        self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex
    ) -> bool:
        return sort_less_than(left.data(SORT_ROLE), right.data(SORT_ROLE))
