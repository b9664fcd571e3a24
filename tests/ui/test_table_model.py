"""The one declarative table model and its views: Qt's model checks, roles, sorting and filtering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from PySide6.QtCore import Qt

from cars_desktop.ui.table_model import (
    ROW_ROLE,
    SORT_ROLE,
    Column,
    ColumnTableModel,
    sort_less_than,
    sortable,
)
from cars_desktop.ui.table_view import RecordTable, list_view
from cars_desktop.ui.widgets.typed_dates import uk_date, uk_datetime, uk_long_date, uk_long_datetime, uk_time


@dataclass(frozen=True)
class _Row:
    name: str
    count: int
    born: date | None


COLUMNS: tuple[Column[_Row], ...] = (
    Column("Name", lambda r: r.name),
    Column("Count", lambda r: str(r.count), sort_key=lambda r: r.count, numeric=True),
    Column("Born", lambda r: uk_date(r.born), sort_key=lambda r: r.born, tooltip="Date of birth"),
    Column("Note", lambda r: "", tooltip=lambda r: f"{r.name} has {r.count}"),
)
ROWS = (_Row("bea", 10, date(1990, 3, 4)), _Row("Al", 9, None), _Row("cy", 100, date(1980, 1, 2)))


def test_model_passes_qt_checks_and_answers_each_role(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model: ColumnTableModel[_Row] = ColumnTableModel(COLUMNS)
    qtmodeltester.check(model)
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    assert (
        model.rows == ROWS
        and model.row_at(1) == ROWS[1]
        and model.row_at(-1) is None
        and model.row_at(3) is None
    )
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Count"
    first = model.index(0, 0)
    assert first.data() == first.data(Qt.ItemDataRole.AccessibleTextRole) == "bea"
    assert first.data(Qt.ItemDataRole.ToolTipRole) == "bea"  # its own text, if cut short
    assert first.data(ROW_ROLE) is ROWS[0]
    assert first.data(SORT_ROLE) == "bea"
    assert model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole) == "Date of birth"
    assert model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole) == "bea has 10"
    assert model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) is None


def test_sorting_by_key_not_text_and_none_first(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model: ColumnTableModel[_Row] = ColumnTableModel(COLUMNS)
    model.set_rows(ROWS)
    proxy = sortable(model)
    qtmodeltester.check(proxy)
    proxy.sort(1)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Al", "bea", "cy"]  # 9 < 10 < 100
    proxy.sort(2)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Al", "cy", "bea"]  # no date first
    proxy.sort(0)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Al", "bea", "cy"]  # case-blind
    assert sort_less_than(None, 1) and not sort_less_than(1, None) and sort_less_than(1, "a")


def test_record_table_filters_and_reports_source_rows(qtbot) -> None:  # type: ignore[no-untyped-def]
    model: ColumnTableModel[_Row] = ColumnTableModel(COLUMNS)
    table = RecordTable(model, "Things", multi_select=True)
    qtbot.addWidget(table)
    model.set_rows(ROWS)
    assert table.accessibleName() == "Things" and not table.tabKeyNavigation()
    table.set_filter("B")
    assert table.proxy.rowCount() == 1
    table.select_first()
    assert table.current_source_row() == 0
    table.set_filter("")
    table.selectAll()
    assert sorted(table.selected_source_rows()) == [0, 1, 2]
    view = list_view("Plain list")
    qtbot.addWidget(view)
    assert view.accessibleName() == "Plain list" and not view.verticalHeader().isVisible()


def test_uk_text_of_dates_and_times() -> None:
    summer = datetime(2025, 7, 1, 8, 5, tzinfo=UTC)  # 09:05 in British Summer Time
    assert uk_date(date(2025, 3, 4)) == "04/03/2025" and uk_date(None) == ""
    assert uk_time(summer) == "09:05" and uk_time(None) == ""
    assert uk_datetime(summer) == "01/07/2025 09:05" and uk_datetime(None) == ""
    assert uk_long_date(date(2026, 3, 4)) == "4 March 2026"
    assert uk_long_datetime(summer) == "Tuesday 1 July 2025, 09:05"
