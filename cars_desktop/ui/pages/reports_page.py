"""Reports: the commissioner's KPIs for a period and sites, as a table and charts, with exports.

Supervisors (VIEW_KPIS) choose a period (a preset or their own dates, UK format), how to break it
down (day to financial year), the sites and a grouping, and run the report on the task runner:
the same `kpi_report` the `cars-desktop report kpi` command uses, so the numbers agree with the
contract return by construction. The table shows a line per KPI (a breakdown's categories as
indented lines) by period; choosing a line draws its trend; the funnel shows people assessed,
referred and entering treatment. The CSV export is the table shown, small counts suppressed by
default (for sharing outside the service); the PDF is the commissioner's report.

While the page shows figures, anything saved or synced that the KPIs read marks them out of date
with a Refresh prompt: re-running is the supervisor's choice (it is logged as a consultation).
File choice goes through `choose_save_path`, which tests replace to avoid a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, QModelIndex, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.reports.compute import GroupBy, KpiTable
from cars_desktop.reports.facts import REPORTED_TYPES
from cars_desktop.reports.periods import PeriodKind
from cars_desktop.resources import reference_list
from cars_desktop.services.reports import commissioner_pdf, kpi_report
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.reports_charts import FunnelChart, TrendChart
from cars_desktop.ui.pages.reports_model import (
    BREAKDOWNS,
    GROUPINGS,
    SUPPRESS_BELOW,
    KpiReportModel,
    Preset,
    column_keys,
    column_title,
    funnel_totals,
    preset_bounds,
    series_of,
    table_csv,
)
from cars_desktop.ui.table_view import RecordTable
from cars_desktop.ui.widgets.typed_dates import uk_date, uk_time

SaveChooser = Callable[[str, str, str, Callable[[Path], None]], None]
"""(caption, suggested file name, file filter, then): asks where to save, calls `then(path)` if chosen."""

STALE_MESSAGE = (
    "Records have been saved or synced since these figures were worked out, so they may be out of date."
)


@dataclass(frozen=True)
class ReportRequest:
    """What a report was run for, kept with its figures so exports match what is shown."""

    first: date
    last: date
    kind: PeriodKind
    group_by: GroupBy
    sites: frozenset[str]


def ask_save_path(parent: QWidget) -> SaveChooser:
    """The real chooser: a save dialog opened without blocking (it confirms overwriting a file)."""

    def choose(caption: str, suggested: str, file_filter: str, then: Callable[[Path], None]) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(parent, caption, folder, file_filter)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suggested.rsplit(".", 1)[-1])
        dialog.selectFile(suggested)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda name: then(Path(name)))
        dialog.open()

    return choose


def _buddy(text: str, field: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(field)
    return label


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    return edit


def _write(path: Path, data: str | bytes) -> Path:
    """Write the export whole (runs on the task runner); a refused write is said plainly."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8-sig", newline="")  # with a BOM: Excel reads it as UTF-8
    except OSError as exc:
        reason = exc.strerror or "the folder cannot be written to"
        raise InvalidInput(f"could not save {path.name} in {path.parent}: {reason.lower()}") from exc
    return path


class ReportsPage(QWidget):
    """Choose, run, read and export the KPI report."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = context
        self.request: ReportRequest | None = None
        self.table_data: KpiTable | None = None
        self.stale = False
        self._kpi_width = 280
        self.choose_save_path: SaveChooser = ask_save_path(self)
        self.setAccessibleName("Reports")

        self.preset = QComboBox()
        self.preset.setAccessibleName("Period")
        for preset in Preset:
            self.preset.addItem(preset.value, preset)
        self.date_from = _date_edit("First day of the report")
        self.date_to = _date_edit("Last day of the report")
        self.breakdown = QComboBox()
        self.breakdown.setAccessibleName("Break the period down by")
        for text, kind in BREAKDOWNS:
            self.breakdown.addItem(text, kind.value)  # plain text: Qt hands a str enum back as str
        self.breakdown.setCurrentIndex(self.breakdown.findData(PeriodKind.MONTH.value))
        self.group_by = QComboBox()
        self.group_by.setAccessibleName("Group the figures by")
        for text, group in GROUPINGS:
            self.group_by.addItem(text, group.value)
        for combo in (self.preset, self.breakdown, self.group_by):
            # Sized to a short text, not the longest choice, so the page fits 1366x768.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(18)
        self.sites = QListWidget()
        self.sites.setAccessibleName("Sites to report on (tick one or more)")
        self.sites.setMaximumHeight(64)
        self.sites.setMinimumWidth(160)
        for site in reference_list("sites").current():
            item = QListWidgetItem(site.name)
            item.setData(Qt.ItemDataRole.UserRole, site.code)
            mine = site.code == context.session.site_code
            item.setCheckState(Qt.CheckState.Checked if mine else Qt.CheckState.Unchecked)
            self.sites.addItem(item)
        self.run_button = QPushButton("&Run report")
        self.run_button.setAccessibleName("Run the report")
        self.run_button.setDefault(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Working out the figures")
        self.progress.setRange(0, 0)  # busy: the count reports no progress of its own
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.working = QLabel("Working…")
        self.working.setAccessibleName("Report status")
        self.working.setVisible(False)

        self.stale_note = MessageLabel(MessageKind.NOTICE, "The figures may be out of date")
        self.refresh_button = QPushButton("R&efresh figures")
        self.refresh_button.setAccessibleName("Run the report again with the same choices")
        self.refresh_button.setVisible(False)
        self.error = MessageLabel(MessageKind.ERROR, "Report problem")
        self.summary = QLabel("Choose the period and sites, then Run report.")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("What the figures cover")

        self.model = KpiReportModel(self)
        self.table = RecordTable(self.model, "KPI figures: one line per KPI, one column per period")
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.trend = TrendChart()
        self.funnel = FunnelChart()
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.trend)
        charts.addWidget(self.funnel)
        charts.setChildrenCollapsible(False)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.table)
        body.addWidget(charts)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setSizes([640, 360])  # the table first: it holds the numbers; the charts illustrate
        body.setChildrenCollapsible(False)

        self.suppress = QCheckBox("&Suppress counts under 5 (for sharing outside the service)")
        self.suppress.setAccessibleName("Suppress counts under 5 in exports")
        self.suppress.setChecked(True)
        self.csv_button = QPushButton("Export &CSV…")
        self.csv_button.setAccessibleName("Export the table shown as a CSV file")
        self.pdf_button = QPushButton("Export P&DF…")
        self.pdf_button.setAccessibleName("Export the commissioner's PDF report")
        self.export_note = MessageLabel(MessageKind.NOTICE, "Export result")

        choices = QGridLayout()
        placed = (
            ("Peri&od:", self.preset, 0, 0),
            ("&From:", self.date_from, 0, 2),
            ("&To:", self.date_to, 0, 4),
            ("&Breakdown:", self.breakdown, 1, 0),
            ("Gro&up by:", self.group_by, 1, 2),
        )
        for text, field, row, column in placed:
            choices.addWidget(_buddy(text, field), row, column)
            choices.addWidget(field, row, column + 1)
        running = QHBoxLayout()
        running.addWidget(self.run_button)
        running.addWidget(self.progress)
        running.addWidget(self.working)
        running.addStretch(1)
        choices.addLayout(running, 1, 4, 1, 2)
        choices.addWidget(_buddy("S&ites:", self.sites), 0, 6, Qt.AlignmentFlag.AlignTop)
        choices.addWidget(self.sites, 0, 7, 2, 1)
        choices.setColumnStretch(7, 1)
        stale_row = QHBoxLayout()
        stale_row.addWidget(self.stale_note, 1)
        stale_row.addWidget(self.refresh_button)
        exports = QHBoxLayout()
        exports.addWidget(self.suppress)
        exports.addStretch(1)
        exports.addWidget(self.csv_button)
        exports.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Reports</h2>"))
        layout.addLayout(choices)
        layout.addWidget(self.error)
        layout.addLayout(stale_row)
        layout.addWidget(self.summary)
        layout.addWidget(body, 1)
        layout.addLayout(exports)
        layout.addWidget(self.export_note)

        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.date_from.dateChanged.connect(self._dates_typed)
        self.date_to.dateChanged.connect(self._dates_typed)
        self.run_button.clicked.connect(self.run_report)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(self._line_chosen)
        self.csv_button.clicked.connect(self.export_csv)
        self.pdf_button.clicked.connect(self.export_pdf)
        context.bus.sig_changed.connect(self._on_changed)
        self.preset.setCurrentIndex(self.preset.findData(Preset.LAST_MONTH))
        self._preset_chosen()
        self._update_exports()

    # -- choosing ---------------------------------------------------------------------------------

    def _preset_chosen(self, _index: int = -1) -> None:
        preset = self.preset.currentData()
        if not isinstance(preset, Preset) or preset is Preset.CUSTOM:
            return
        first, last = preset_bounds(preset, date.today())
        for edit, day in ((self.date_from, first), (self.date_to, last)):
            edit.blockSignals(True)  # a preset's own dates are not "custom"
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def _dates_typed(self, _day: QDate) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(Preset.CUSTOM))
        self.preset.blockSignals(False)

    def choose_preset(self, preset: Preset) -> None:
        """Pick a preset period (as choosing it in the list does)."""
        self.preset.setCurrentIndex(self.preset.findData(preset))

    def choose_breakdown(self, kind: PeriodKind) -> None:
        """Pick the breakdown period (as choosing it in the list does)."""
        self.breakdown.setCurrentIndex(self.breakdown.findData(kind.value))

    def choose_grouping(self, group_by: GroupBy) -> None:
        """Pick the grouping (as choosing it in the list does)."""
        self.group_by.setCurrentIndex(self.group_by.findData(group_by.value))

    def chosen_sites(self) -> frozenset[str]:
        items = (self.sites.item(i) for i in range(self.sites.count()))
        return frozenset(
            str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i.checkState() == Qt.CheckState.Checked
        )

    def current_request(self) -> ReportRequest | None:
        """The choices on screen as a request, or None with the reason shown."""
        first: date = self.date_from.date().toPython()  # type: ignore[assignment]
        last: date = self.date_to.date().toPython()  # type: ignore[assignment]
        if last < first:
            self.error.show_message(
                f"the 'to' date ({uk_date(last)}) is before the 'from' date ({uk_date(first)})"
            )
            self.date_to.setFocus()
            return None
        sites = self.chosen_sites()
        if not sites:
            self.error.show_message("tick at least one site in 'Sites'")
            self.sites.setFocus()
            return None
        kind = PeriodKind(self.breakdown.currentData())
        return ReportRequest(first, last, kind, GroupBy(self.group_by.currentData()), sites)

    # -- running ----------------------------------------------------------------------------------

    def run_report(self) -> None:
        """Work out the figures for the choices on screen, off the GUI thread."""
        self.error.clear_message()
        request = self.current_request()
        if request is not None:
            self._run(request)

    def refresh(self) -> None:
        """Run the report shown again with the same choices (after records changed)."""
        if self.request is not None:
            self.error.clear_message()
            self._run(self.request)

    def _run(self, request: ReportRequest) -> None:
        session = self._ctx.session
        self._set_running(True)

        def work() -> KpiTable:
            return kpi_report(
                session, request.first, request.last, request.kind, request.group_by, request.sites
            )

        def failed(message: str) -> None:
            self._set_running(False)
            self.error.show_message(message)

        run_op(self._ctx.app.runner, work, lambda table: self._show(request, table), failed, parent=self)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.refresh_button.setEnabled(not running)
        self.progress.setVisible(running)
        self.working.setVisible(running)
        self._update_exports(running)

    def _chosen_line(self) -> tuple[str, str | None] | None:
        row = self.table.current_source_row()
        line = self.model.row_at(row) if row is not None else None
        return (line.kpi.kpi_id, line.category) if line is not None else None

    def _choose_line(self, wanted: tuple[str, str | None] | None) -> None:
        """Select the line the supervisor had chosen before a refresh (else the first)."""
        for row in range(self.table.proxy.rowCount()):
            line = self.model.row_at(self.table.proxy.mapToSource(self.table.proxy.index(row, 0)).row())
            if line is not None and (line.kpi.kpi_id, line.category) == wanted:
                self.table.selectRow(row)
                return
        self.table.select_first()

    def _show(self, request: ReportRequest, table: KpiTable) -> None:
        chosen = self._chosen_line()
        self._set_running(False)
        self.request, self.table_data = request, table
        self._mark_stale(False)
        self._size_columns(table)
        self.model.show_table(table)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().resizeSection(0, self._kpi_width)
        names = sorted(
            self.sites.item(i).text() for i in range(self.sites.count()) if self._ticked(i, request)
        )
        self.summary.setText(
            f"Figures from {uk_date(request.first)} to {uk_date(request.last)} for {', '.join(names)}, "
            f"worked out at {uk_time(datetime.now().astimezone())} from the records on this workstation. "
            "Point at a KPI for its definition, at a rate for its two numbers."
        )
        self.funnel.show_stages("Referral to treatment (whole report)", funnel_totals(table))
        self._choose_line(chosen)
        self._update_exports()

    def _size_columns(self, table: KpiTable) -> None:
        """Widths from the headings and KPI names, set before the new columns arrive.

        `resizeColumnsToContents` asks the model for every cell, and sizing columns one by one
        costs per column: over a year by day (365 columns) either held the GUI thread for far more
        than 100 ms. The values are short numbers, so the widest heading sets every period
        column's width (the header's default, applied as the model resets).
        """
        metrics, header = self.table.fontMetrics(), self.table.horizontalHeader()
        titles = {column_title(table, p, g) for p, g in column_keys(table)}
        widest = max((metrics.horizontalAdvance(part) for t in titles for part in t.split("\n")), default=0)
        header.setDefaultSectionSize(max(64, widest + 24))
        names = [k.name for k in table.kpis]
        self._kpi_width = min(280, max(metrics.horizontalAdvance(n) for n in names) + 24)

    def _ticked(self, row: int, request: ReportRequest) -> bool:
        return str(self.sites.item(row).data(Qt.ItemDataRole.UserRole)) in request.sites

    def _line_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.table_data is None or not current.isValid():
            return
        line = self.model.row_at(self.table.proxy.mapToSource(current).row())
        if line is None:
            return
        labels, series = series_of(self.table_data, line)
        unit = "%" if line.kpi.kind == "rate" else line.kpi.unit
        if unit == "%":
            series = {k: [None if v is None else v * 100 for v in vs] for k, vs in series.items()}
        starts = [period.start for period in self.table_data.periods]
        self.trend.show_series(line.name.strip(), labels, series, unit, starts)

    # -- out of date --------------------------------------------------------------------------------

    def _on_changed(self, changes: Changes) -> None:
        if self.table_data is not None and concerns(changes, REPORTED_TYPES):
            self._mark_stale(True)

    def _mark_stale(self, stale: bool) -> None:
        self.stale = stale
        self.refresh_button.setVisible(stale)
        if stale:
            self.stale_note.show_message(STALE_MESSAGE)
        else:
            self.stale_note.clear_message()

    # -- exports ------------------------------------------------------------------------------------

    def _update_exports(self, running: bool = False) -> None:
        ready = self.table_data is not None and not running
        self.csv_button.setEnabled(ready)
        self.pdf_button.setEnabled(ready)

    def _threshold(self) -> int | None:
        return SUPPRESS_BELOW if self.suppress.isChecked() else None

    def _file_stem(self) -> str:
        assert self.request is not None
        return f"kpi-report-{self.request.first.isoformat()}-to-{self.request.last.isoformat()}"

    def export_csv(self) -> None:
        """Ask where to save the table shown as CSV, then write it."""
        if self.table_data is not None:
            self.choose_save_path(
                "Export the KPI table", f"{self._file_stem()}.csv", "CSV files (*.csv)", self.export_csv_to
            )

    def export_csv_to(self, path: Path) -> None:
        """Write the table shown to `path` as CSV (off the GUI thread)."""
        table, threshold = self.table_data, self._threshold()
        if table is None:
            return
        self._export(lambda: _write(path, table_csv(table, threshold)), threshold)

    def export_pdf(self) -> None:
        """Ask where to save the commissioner's PDF report for the period shown, then make it."""
        if self.table_data is not None:
            self.choose_save_path(
                "Export the commissioner's report",
                f"{self._file_stem()}.pdf",
                "PDF documents (*.pdf)",
                self.export_pdf_to,
            )

    def export_pdf_to(self, path: Path) -> None:
        """Make the commissioner's PDF for the report shown and write it to `path` (off the GUI thread)."""
        request, threshold, session = self.request, self._threshold(), self._ctx.session
        if request is None:
            return

        def work() -> Path:
            pdf = commissioner_pdf(
                session, request.first, request.last, sites=request.sites, suppress_below=threshold
            )
            return _write(path, pdf)

        self._export(work, threshold)

    def _export(self, work: Callable[[], Path], threshold: int | None) -> None:
        self.export_note.clear_message()
        self.error.clear_message()
        self._set_running(True)

        def done(path: Path) -> None:
            self._set_running(False)
            kept = f"counts under {threshold} suppressed" if threshold else "nothing suppressed"
            self.export_note.show_message(f"Saved {path.name} ({kept}) in {path.parent}.")

        def failed(message: str) -> None:
            self._set_running(False)
            self.error.show_message(message)

        run_op(self._ctx.app.runner, work, done, failed, parent=self)


PAGE = PageSpec(
    page_id="reports",
    title="Reports",
    build=ReportsPage,
    permission=Permission.VIEW_KPIS,
    order=80,
    shortcut="Ctrl+K",
    help_topic="reports",
    roles_note="Supervisors: the commissioner's KPIs by period, site, local authority or worker; exports.",
)
