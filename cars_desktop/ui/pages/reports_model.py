"""The reports page's data: the period presets, and the KPI table as lines (KPIs) by columns (periods).

A `KpiTable` holds one `KpiRow` per KPI, period and group. The page shows it the way a contract
return is read: one line per KPI (a breakdown's categories as indented lines under it), one column
per period, or per group and period when grouped. The lines go through the one column-table model
(`ui/table_model.py`); only the columns change with each report, so `KpiReportModel` swaps them
inside a model reset. The same lines feed the CSV export, so the file has what the screen shows,
with small counts suppressed by the export module's rule (`reports/export.py shown_row`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Qt

from cars_desktop.domain.errors import CarsError
from cars_desktop.reports.compute import GroupBy, KpiRow, KpiTable
from cars_desktop.reports.export import SUPPRESSED, shown_row
from cars_desktop.reports.kpis import Kpi
from cars_desktop.reports.periods import Period, PeriodKind, natural_bounds
from cars_desktop.resources import reference_list
from cars_desktop.services.workstation_facts import site_name
from cars_desktop.ui.table_model import Column, ColumnTableModel

SUPPRESS_BELOW = 5
"""Counts from 1 to 4 are hidden in exports for readers outside the service (issue 7's default)."""


class Preset(Enum):
    """The periods a supervisor asks for most; CUSTOM leaves the dates as typed."""

    THIS_MONTH = "This month"
    LAST_MONTH = "Last month"
    THIS_QUARTER = "This quarter"
    LAST_QUARTER = "Last quarter"
    THIS_YEAR = "This financial year (April to March)"
    LAST_YEAR = "Last financial year"
    CUSTOM = "Custom dates"


_PRESET_KIND = {
    Preset.THIS_MONTH: PeriodKind.MONTH,
    Preset.LAST_MONTH: PeriodKind.MONTH,
    Preset.THIS_QUARTER: PeriodKind.QUARTER,
    Preset.LAST_QUARTER: PeriodKind.QUARTER,
    Preset.THIS_YEAR: PeriodKind.FINANCIAL_YEAR,
    Preset.LAST_YEAR: PeriodKind.FINANCIAL_YEAR,
}
_LAST = {Preset.LAST_MONTH, Preset.LAST_QUARTER, Preset.LAST_YEAR}

BREAKDOWNS: tuple[tuple[str, PeriodKind], ...] = (
    ("Day", PeriodKind.DAY),
    ("Week (Monday to Sunday)", PeriodKind.WEEK),
    ("Month", PeriodKind.MONTH),
    ("Quarter (financial)", PeriodKind.QUARTER),
    ("Financial year", PeriodKind.FINANCIAL_YEAR),
)
GROUPINGS: tuple[tuple[str, GroupBy], ...] = (
    ("No grouping", GroupBy.NONE),
    ("Site", GroupBy.SITE),
    ("Local authority of residence", GroupBy.LOCAL_AUTHORITY),
    ("Worker", GroupBy.WORKER),
)


def preset_bounds(preset: Preset, today: date) -> tuple[date, date]:
    """The first and last dates of a preset period around `today` (whole periods, UK dates)."""
    if preset is Preset.CUSTOM:
        raise ValueError("custom dates have no preset bounds")
    kind = _PRESET_KIND[preset]
    first, last = natural_bounds(today, kind)
    if preset in _LAST:
        first, last = natural_bounds(first - timedelta(days=1), kind)
    return first, last


# -- the lines of the table ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportLine:
    """One line of the table: a KPI, or one category of a breakdown KPI, across the columns."""

    kpi: Kpi
    category: str | None  # None: the KPI's own line
    position: int  # the KPI's place in the catalogue, so the KPI column sorts back to it
    cells: tuple[KpiRow, ...]  # one per column, in column order

    @property
    def name(self) -> str:
        return self.kpi.name if self.category is None else f"    {category_label(self.category)}"

    def value(self, at: int) -> int | float | None:
        """The number in column `at` (a breakdown category's count on a category line)."""
        row = self.cells[at]
        if self.category is None:
            return row.value
        return (row.breakdown or {}).get(self.category, 0)


_ACRONYMS = {
    "marac": "MARAC", "nrm": "NRM", "drr": "DRR", "atr": "ATR", "gp": "GP",
    "bbv": "BBV", "hiv": "HIV", "hcv": "HCV", "hbv": "HBV", "ndtms": "NDTMS",
}  # fmt: skip


def category_label(category: str) -> str:
    """A breakdown category's code as words ("not_recorded" -> "Not recorded", "nrm" -> "NRM")."""
    words = [_ACRONYMS.get(word, word) for word in category.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def group_label(group: str | None, group_by: GroupBy) -> str:
    """A group as people name it: the site's or local authority's name, or the worker's user name."""
    if group is None:
        return "All"
    if group_by is GroupBy.SITE:
        return site_name(group)
    if group_by is GroupBy.LOCAL_AUTHORITY:
        try:
            return reference_list("local_authorities").get(group).name
        except CarsError:
            return group
    return group


def column_keys(table: KpiTable) -> list[tuple[Period, str | None]]:
    """The table's columns: each period, or each period's groups in turn when grouped."""
    return [(period, group) for period in table.periods for group in table.groups]


def short_label(period: Period) -> str:
    """A period's name short enough for a column heading or a chart's axis ("Nov 2026", "w/c 02/11").

    The full name (`Period.label`) is the heading's tooltip and goes in the CSV.
    """
    start, end = period.start, period.end
    if not period.is_whole:
        return f"{start:%d/%m}" if start == end else f"{start:%d/%m}–{end:%d/%m}"
    if period.kind is PeriodKind.DAY:
        return f"{start:%a %d/%m}"
    if period.kind is PeriodKind.WEEK:
        return f"w/c {start:%d/%m}"
    if period.kind is PeriodKind.MONTH:
        return f"{start:%b %Y}"
    return period.label


def column_title(table: KpiTable, period: Period, group: str | None, *, short: bool = True) -> str:
    """A column's heading: the period, under the group's name when grouped."""
    name = short_label(period) if short else period.label
    if table.group_by is GroupBy.NONE:
        return name
    return f"{group_label(group, table.group_by)}\n{name}"


def report_lines(table: KpiTable) -> list[ReportLine]:
    """Every KPI's line, each breakdown followed by a line per category seen in any column."""
    keys = column_keys(table)
    lines: list[ReportLine] = []
    for position, kpi in enumerate(table.kpis):
        cells = tuple(table.row(kpi.kpi_id, period, group) for period, group in keys)
        lines.append(ReportLine(kpi, None, position, cells))
        if kpi.kind == "breakdown":
            categories = sorted({c for row in cells for c in (row.breakdown or {})})
            lines.extend(ReportLine(kpi, c, position, cells) for c in categories)
    return lines


# -- how a value is written ---------------------------------------------------------------------


def value_text(kpi: Kpi, value: int | float | str | None) -> str:
    """A number as the table shows it: counts whole, rates as a percentage, medians in days."""
    if value is None:
        return "–"  # nothing to divide by, or no entries to take a median of
    if isinstance(value, str):
        return "Suppressed" if value == SUPPRESSED else value
    if kpi.kind == "rate":
        return f"{value * 100:.1f}%"
    if kpi.kind == "median":
        return f"{value:g} days"
    return f"{int(value):,}"


def _cell_tooltip(line: ReportLine, at: int) -> str:
    kpi, row = line.kpi, line.cells[at]
    if line.category is not None:
        return f"{category_label(line.category)}: {line.value(at)} of {row.value} ({kpi.name})"
    if kpi.kind == "rate":
        if not row.denominator:
            return f"No {str(kpi.denominator).lower()} in this period: nothing to divide by."
        return (
            f"{row.numerator} of {row.denominator}: {kpi.numerator} / {kpi.denominator} "
            f"({value_text(kpi, row.value)})"
        )
    if kpi.kind == "median":
        return f"Median over {row.numerator} {str(kpi.numerator).lower()}"
    return f"{value_text(kpi, row.value)} {kpi.unit if kpi.unit != 'count' else ''}".strip()


def _value_column(title: str, at: int) -> Column[ReportLine]:
    return Column(
        title,
        lambda line: value_text(line.kpi, line.value(at)),
        sort_key=lambda line: line.value(at),
        tooltip=lambda line: _cell_tooltip(line, at),
        numeric=True,
    )


def _kpi_tooltip(line: ReportLine) -> str:
    if line.category is not None:
        return f"{category_label(line.category)}: one of the lines of “{line.kpi.name}”."
    return line.kpi.definition


KPI_COLUMN: Column[ReportLine] = Column(
    "KPI",
    lambda line: line.name,
    sort_key=lambda line: (line.position, line.category or ""),
    tooltip=_kpi_tooltip,
)


class KpiReportModel(ColumnTableModel[ReportLine]):
    """KPI lines by period (or group and period) columns; empty until a report arrives."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__((KPI_COLUMN,), parent)
        self.table: KpiTable | None = None

    def show_table(self, table: KpiTable | None) -> None:
        """Show a new report (None: empty). The columns change with it, inside one model reset."""
        self.beginResetModel()
        self.table = table
        if table is None:
            self._columns, self._rows = (KPI_COLUMN,), []
        else:
            titles = [column_title(table, p, g) for p, g in column_keys(table)]
            self._columns = (KPI_COLUMN, *(_value_column(t, at) for at, t in enumerate(titles)))
            self._rows = report_lines(table)
        self.endResetModel()

    def headerData(  # noqa: N802 - Qt's signature
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """A period column's tooltip is the period's full name (the heading is short)."""
        table = self.table
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            if table is not None and 1 <= section <= len(table.periods) * len(table.groups):
                period, group = column_keys(table)[section - 1]
                return column_title(table, period, group, short=False).replace("\n", ": ")
            return "Point at a KPI for its definition" if section == 0 else None
        return super().headerData(section, orientation, role)


# -- the CSV of the table shown -----------------------------------------------------------------


def _shown_value(line: ReportLine, at: int, threshold: int | None) -> Any:
    shown = shown_row(line.kpi, line.cells[at], threshold)
    if line.category is None:
        return shown["value"]
    return (shown["breakdown"] or {}).get(line.category, 0)


def table_csv(table: KpiTable, suppress_below: int | None) -> str:
    """The table as shown (KPI lines by columns) as CSV, small counts suppressed when asked.

    Suppression follows `reports/export.py`: a count from 1 to N-1 becomes "<N", a rate or median
    built on such a count is "Suppressed", and a breakdown never has exactly one line hidden.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    keys = column_keys(table)
    titles = (column_title(table, p, g, short=False).replace("\n", ": ") for p, g in keys)
    writer.writerow(["KPI", "Line", *titles])
    for line in report_lines(table):
        category = category_label(line.category) if line.category is not None else ""
        values = [value_text(line.kpi, _shown_value(line, at, suppress_below)) for at in range(len(keys))]
        writer.writerow([line.kpi.name, category, *values])
    if suppress_below is not None:
        writer.writerow([])
        writer.writerow([f"Counts from 1 to {suppress_below - 1} are shown as <{suppress_below}."])
    return out.getvalue()


def funnel_totals(table: KpiTable) -> list[tuple[str, int]]:
    """People assessed, referrals into treatment and entries into treatment over the whole report.

    Added up over the periods and groups shown: someone assessed in two months counts in each.
    """
    stages = (
        ("People assessed", "assessment_conversion", True),
        ("Referred into treatment", "referrals_into_treatment", False),
        ("Entered treatment", "entries_into_treatment", False),
    )
    totals: list[tuple[str, int]] = []
    for label, kpi_id, use_numerator in stages:
        rows = [r for r in table.rows if r.kpi_id == kpi_id]
        total = sum(int((r.numerator if use_numerator else r.value) or 0) for r in rows)
        totals.append((label, total))
    return totals


def series_of(table: KpiTable, line: ReportLine) -> tuple[list[str], dict[str, list[float | None]]]:
    """One line's values for a chart: the period labels, and per group the value in each period."""
    width = len(table.groups)
    labels = [short_label(p) for p in table.periods]
    series: dict[str, list[float | None]] = {}
    for g, group in enumerate(table.groups):
        values: list[float | None] = []
        for p in range(len(table.periods)):
            raw = line.value(p * width + g)  # columns run period by period, groups within
            values.append(None if raw is None else float(raw))
        series[group_label(group, table.group_by)] = values
    return labels, series
