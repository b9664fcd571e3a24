"""Reports page over a real seeded encrypted store: a supervisor runs last month's KPIs by keyboard.

The store is seeded with invented casework over the last 60 days, so last month has figures. The
expected numbers come from `kpi_report` called by the test with the same choices (the KPI
definitions themselves are tested in tests/reports against a hand-built casebook); what is tested
here is that the page runs that report and shows, charts and exports what it returned.
"""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCharts import QBarSeries, QChart, QLineSeries
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cars_desktop.domain.changes import Changes
from cars_desktop.reports.compute import GroupBy, KpiTable
from cars_desktop.reports.kpis import KPIS
from cars_desktop.reports.periods import PeriodKind, natural_bounds, periods_between
from cars_desktop.services.reports import kpi_report
from cars_desktop.services.seed import seed
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.appearance import high_contrast_palette
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.reports_charts import MOST_BARS, FunnelChart, TrendChart
from cars_desktop.ui.pages.reports_model import Preset, category_label, preset_bounds, short_label
from cars_desktop.ui.pages.reports_page import STALE_MESSAGE, ReportsPage
from cars_desktop.ui.task_runner import BaseTaskRunner
from cars_protocol.records import Role
from tests.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    CUSTODY,
    CUSTODY_PASSWORD,
    SITE,
    WORKER,
    WORKER_PASSWORD,
    Workstation,
)
from tests.ui.journey_support import (
    ALT,
    focused,
    go_to,
    main_window,
    press,
    running_program,
    unlock_by_keyboard,
    wait,
)
from tests.ui.test_custody_booking_page import RecordingNavigator

PLAIN_WORKER, PLAIN_PASSWORD = "lee.worker", "lee's long password"


def _seed(workstation: Workstation) -> None:
    """Invented casework over the last 60 days (so the whole of last month), as the supervisor."""
    session = workstation.unlock()
    try:
        seed(session, 60, days=60, end=date.today())
    finally:
        session.lock()


def _expected_text(kind: str, value: int | float | None) -> str:
    """How the table should write a value, worked out here rather than by the page's own code."""
    if value is None:
        return "–"
    if kind == "rate":
        return f"{round(value * 100, 1):.1f}%"
    if kind == "median":
        return f"{value:g} days"
    return f"{value:,}"


def _kpi_line_texts(page: ReportsPage) -> dict[str, list[str]]:
    """KPI name -> the texts of its cells, for the KPIs' own lines (not breakdown categories)."""
    model = page.model
    shown: dict[str, list[str]] = {}
    for row in range(model.rowCount()):
        name = model.index(row, 0).data()
        if not name.startswith(" "):
            shown[name] = [model.index(row, c).data() for c in range(1, model.columnCount())]
    return shown


def _move_to_line(qtbot: QtBot, page: ReportsPage, name: str) -> None:
    """Arrow down the table (which has the focus) to the line named `name`."""
    assert focused() is page.table
    for _ in range(page.model.rowCount()):
        current = page.table.currentIndex()
        if current.isValid() and page.table.proxy.index(current.row(), 0).data() == name:
            return
        press(qtbot, Qt.Key.Key_Down)
    raise AssertionError(f"no line named {name!r}")


def test_a_supervisor_runs_last_months_report_charts_and_exports_it(
    qtbot: QtBot, workstation: Workstation, context: AppContext, tmp_path: Path, qtmodeltester: object
) -> None:
    _seed(workstation)
    with running_program(context) as controller:
        unlock_by_keyboard(qtbot, controller.unlock_window, WORKER, WORKER_PASSWORD)
        window = main_window(controller)
        page = go_to(qtbot, window, "reports")  # Ctrl+K
        assert isinstance(page, ReportsPage)
        first, last = natural_bounds(date.today().replace(day=1) - timedelta(days=1), PeriodKind.MONTH)
        assert page.preset.currentData() is Preset.LAST_MONTH
        assert (page.date_from.date().toPython(), page.date_to.date().toPython()) == (first, last)
        assert page.chosen_sites() == {SITE}
        assert not page.csv_button.isEnabled()  # nothing to export yet

        press(qtbot, Qt.Key.Key_R, ALT)  # Run report (a mnemonic "animates" the click: it lands later)
        wait(qtbot, lambda: page.table_data is not None)
        assert page.run_button.isEnabled()
        assert not page.progress.isVisible()
        qtmodeltester.check(page.model)  # type: ignore[attr-defined]

        expected = kpi_report(window.session, first, last, PeriodKind.MONTH, GroupBy.NONE, frozenset({SITE}))
        (period,) = expected.periods
        assert page.model.headerData(1, Qt.Orientation.Horizontal) == first.strftime("%b %Y")
        assert (
            page.model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == period.label
        )
        shown = _kpi_line_texts(page)
        assert set(shown) == {k.name for k in KPIS}
        for kpi in KPIS:
            row = expected.row(kpi.kpi_id, period)
            assert shown[kpi.name] == [_expected_text(kpi.kind, row.value)], kpi.kpi_id
        assessed = expected.row("assessment_conversion", period)
        assert assessed.numerator, "the seed should give last month some people assessed"

        # A rate's tooltip gives the two numbers behind it; a KPI's name its definition.
        rate_row = next(r for r in range(page.model.rowCount()) if page.model.rows[r].kpi.kind == "rate")
        rate_line = page.model.rows[rate_row]
        tip = page.model.index(rate_row, 1).data(Qt.ItemDataRole.ToolTipRole)
        held = expected.row(rate_line.kpi.kpi_id, period)
        assert held.denominator and f"{held.numerator} of {held.denominator}" in tip
        assert page.model.index(rate_row, 0).data(Qt.ItemDataRole.ToolTipRole) == rate_line.kpi.definition

        # The funnel: people assessed, referred, entering treatment, as the report counted them.
        assert page.funnel.stages == [
            ("People assessed", assessed.numerator),
            ("Referred into treatment", expected.row("referrals_into_treatment", period).value),
            ("Entered treatment", expected.row("entries_into_treatment", period).value),
        ]

        # Weekly breakdown, then choose a KPI with the arrow keys: the chart shows its weeks.
        page.breakdown.setFocus()
        page.choose_breakdown(PeriodKind.WEEK)
        press(qtbot, Qt.Key.Key_R, ALT)
        wait(qtbot, lambda: page.table_data is not None and len(page.table_data.periods) > 1)
        weekly = kpi_report(window.session, first, last, PeriodKind.WEEK, GroupBy.NONE, frozenset({SITE}))
        page.table.setFocus()
        _move_to_line(qtbot, page, "Referrals into treatment")
        assert page.trend.labels == [short_label(p) for p in weekly.periods]
        assert all(label.startswith("w/c ") for label in page.trend.labels if "–" not in label)
        assert page.trend.series_values == {
            "All": [float(weekly.row("referrals_into_treatment", p).value or 0) for p in weekly.periods]
        }
        assert "Referrals into treatment" in page.trend.accessibleDescription()

        # CSV of the table shown, small counts suppressed (the default).
        assert page.suppress.isChecked()
        chosen: list[str] = []

        def choose(caption: str, suggested: str, file_filter: str, then: object) -> None:
            chosen.append(suggested)
            then(tmp_path / suggested)  # type: ignore[operator]

        page.choose_save_path = choose
        press(qtbot, Qt.Key.Key_C, ALT)
        wait(qtbot, lambda: bool(page.export_note.text()))
        assert chosen == [f"kpi-report-{first.isoformat()}-to-{last.isoformat()}.csv"]
        text = (tmp_path / chosen[0]).read_text(encoding="utf-8-sig")
        lines = list(csv.reader(io.StringIO(text)))
        assert lines[0][:2] == ["KPI", "Line"] and len(lines[0]) == 2 + len(weekly.periods)
        assert {k.name for k in KPIS} <= {line[0] for line in lines[1:] if line}
        numbers = [cell.replace(",", "") for line in lines[1:] for cell in line[2:]]
        small = [n for n in numbers if n.isdigit() and 0 < int(n) < 5]
        assert small == [], f"counts under 5 were exported: {small}"
        had_small = any(
            isinstance(r.value, int) and 0 < r.value < 5 for r in weekly.rows if r.breakdown is None
        )
        assert had_small == ("<5" in text), "a small count should appear as <5"
        assert f"Saved {chosen[0]}" in page.export_note.text()

        # Something saved or synced while the figures are shown: marked out of date, not re-run.
        window.change_bus.broadcast(Changes(record_types=frozenset({"assessment"})))
        assert page.stale and page.stale_note.text() == STALE_MESSAGE
        assert page.refresh_button.isVisible()
        press(qtbot, Qt.Key.Key_E, ALT)  # Refresh figures
        wait(qtbot, lambda: not page.stale)
        assert page.trend.chart_.title() == "Referrals into treatment"  # the chosen line is kept
        assert not page.stale and not page.refresh_button.isVisible()


def test_the_commissioners_pdf_is_exported_for_the_report_shown(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, tmp_path: Path
) -> None:
    seed(session, 20, days=40, end=date.today())
    page = ReportsPage(PageContext(context, session, ChangeBus(), RecordingNavigator()))
    qtbot.addWidget(page)
    page.run_report()
    page.choose_save_path = lambda caption, suggested, file_filter, then: then(tmp_path / suggested)
    assert page.pdf_button.isEnabled()
    page.pdf_button.click()
    (pdf,) = tmp_path.glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert page.export_note.text().startswith(f"Saved {pdf.name} (counts under 5 suppressed)")
    assert not page.error.isVisible()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    request = page.request
    assert request is not None
    assert f"{request.first.day} {request.first:%B %Y}" in " ".join(text.split())  # the period shown
    assert KPIS[0].name in " ".join(text.split())


def test_grouped_by_site_over_a_quarter_and_plain_errors(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, qtmodeltester: object
) -> None:
    seed(session, 20, days=100, end=date.today())
    page = ReportsPage(PageContext(context, session, ChangeBus(), RecordingNavigator()))
    qtbot.addWidget(page)
    page.resize(1366, 768)

    page.choose_preset(Preset.LAST_QUARTER)
    first, last = preset_bounds(Preset.LAST_QUARTER, date.today())
    assert page.date_from.date().toPython() == first and page.date_to.date().toPython() == last
    page.choose_grouping(GroupBy.SITE)
    page.run_report()
    table = page.table_data
    assert isinstance(table, KpiTable) and table.group_by is GroupBy.SITE
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    assert page.model.columnCount() == 1 + len(table.periods) * len(table.groups)
    assert "Oldbury" in str(page.model.headerData(1, Qt.Orientation.Horizontal))

    # Sorting by a value column and back by the KPI column restores the catalogue's order.
    page.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert page.table.proxy.index(0, 0).data() == KPIS[0].name

    # Typing a date makes the period custom; a 'to' before the 'from' is refused, plainly.
    page.date_to.setDate(page.date_from.date().addDays(-1))
    assert page.preset.currentData() is Preset.CUSTOM
    page.run_report()
    day_before = (first - timedelta(days=1)).strftime("%d/%m/%Y")
    assert page.error.text() == (
        f"The 'to' date ({day_before}) is before the 'from' date ({first.strftime('%d/%m/%Y')})"
    )
    assert page.table_data is table  # the figures shown are kept
    page.choose_preset(Preset.THIS_MONTH)
    for i in range(page.sites.count()):
        page.sites.item(i).setCheckState(Qt.CheckState.Unchecked)
    page.run_report()
    assert page.error.text() == "Tick at least one site in 'Sites'"


def test_a_worker_without_view_kpis_has_no_reports_page(
    qtbot: QtBot, workstation: Workstation, context: AppContext
) -> None:
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        enrol_user(admin, PLAIN_WORKER, "Lee Worker", frozenset({Role.WORKER}), PLAIN_PASSWORD)
    finally:
        admin.lock()
    with running_program(context) as controller:
        unlock_by_keyboard(qtbot, controller.unlock_window, PLAIN_WORKER, PLAIN_PASSWORD)
        window = main_window(controller)
        assert "reports" not in {spec.page_id for spec in window.page_specs}
        assert "reports" not in window.shortcuts
        assert window.show_page("reports") is None


def test_a_long_daily_trend_is_drawn_as_a_line_over_dates(qtbot: QtBot) -> None:
    chart = TrendChart()
    qtbot.addWidget(chart)
    days = [date(2026, 4, 1) + timedelta(days=n) for n in range(MOST_BARS + 9)]
    values: list[float | None] = [float(n % 4) for n in range(len(days))]
    values[3] = None
    chart.show_series("Cases closed", [d.strftime("%d/%m") for d in days], {"All": values}, "count", days)
    (line,) = chart.chart_.series()
    assert isinstance(line, QLineSeries) and line.count() == len(days)
    assert [p.y() for p in line.points()][:5] == [0.0, 1.0, 2.0, 0.0, 0.0]  # nothing shown as 0
    assert chart.dates.isVisible() and not chart.categories.isVisible()
    assert "04/04 none" in chart.accessibleDescription()

    chart.show_series("Cases closed", ["Apr 2026", "May 2026"], {"All": [3.0, 5.0]}, "count", days[:2])
    (bars,) = chart.chart_.series()
    assert isinstance(bars, QBarSeries) and chart.categories.categories() == ["Apr 2026", "May 2026"]
    assert chart.categories.isVisible() and not chart.dates.isVisible()


class HeldTaskRunner(BaseTaskRunner):
    """Keeps each task until the test releases it, so the page can be seen while it works."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[int, Callable[[], Any]]] = []

    def _start(self, task_id: int, fn: Callable[[], Any]) -> None:
        self.held.append((task_id, fn))

    def release(self) -> None:
        while self.held:
            task_id, fn = self.held.pop(0)
            try:
                result = fn()
            except Exception as exc:
                self._deliver(task_id, False, exc)
            else:
                self._deliver(task_id, True, result)


def test_while_working_run_is_disabled_and_a_refusal_is_shown_plainly(
    qtbot: QtBot, workstation: Workstation
) -> None:
    runner = HeldTaskRunner()
    context = AppContext(workstation.settings, workstation.data_dir, runner)
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)  # no VIEW_KPIS: the service refuses
    try:
        page = ReportsPage(PageContext(context, custody, ChangeBus(), RecordingNavigator()))
        qtbot.addWidget(page)
        page.show()
        page.run_report()
        assert runner.held and not page.run_button.isEnabled()
        assert page.progress.isVisible() and page.working.text() == "Working…"
        assert not page.csv_button.isEnabled() and not page.pdf_button.isEnabled()
        runner.release()
        assert page.run_button.isEnabled() and not page.progress.isVisible()
        assert page.error.text() == "Your role does not allow you to see the KPI report"
        assert page.table_data is None and page.model.rowCount() == 0
    finally:
        custody.lock()
        runner.shutdown()


def test_charts_follow_high_contrast_and_large_print(qtbot: QtBot) -> None:
    chart = FunnelChart()
    qtbot.addWidget(chart)
    assert chart.chart_.theme() is QChart.ChartTheme.ChartThemeLight
    chart.setPalette(high_contrast_palette())
    assert chart.chart_.theme() is QChart.ChartTheme.ChartThemeHighContrast
    large = chart.font()
    large.setPointSizeF(large.pointSizeF() * 1.5)
    chart.setFont(large)
    assert chart.chart_.titleFont().pointSizeF() == large.pointSizeF()
    assert chart.categories.labelsFont().pointSizeF() == large.pointSizeF()


@pytest.mark.parametrize(
    ("preset", "today", "first", "last"),
    [
        (Preset.THIS_MONTH, date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
        (Preset.LAST_MONTH, date(2026, 1, 1), date(2025, 12, 1), date(2025, 12, 31)),
        (Preset.THIS_QUARTER, date(2026, 11, 26), date(2026, 10, 1), date(2026, 12, 31)),
        (Preset.LAST_QUARTER, date(2026, 1, 15), date(2025, 10, 1), date(2025, 12, 31)),
        (Preset.THIS_YEAR, date(2026, 3, 31), date(2025, 4, 1), date(2026, 3, 31)),
        (Preset.THIS_YEAR, date(2026, 4, 1), date(2026, 4, 1), date(2027, 3, 31)),
        (Preset.LAST_YEAR, date(2026, 4, 1), date(2025, 4, 1), date(2026, 3, 31)),
    ],
)
def test_preset_periods_are_whole_uk_periods(preset: Preset, today: date, first: date, last: date) -> None:
    assert preset_bounds(preset, today) == (first, last)


def test_headings_and_lines_are_named_as_people_say_them() -> None:
    (month,) = periods_between(date(2026, 11, 1), date(2026, 11, 30), PeriodKind.MONTH)
    weeks = periods_between(date(2026, 11, 1), date(2026, 11, 16), PeriodKind.WEEK)
    assert short_label(month) == "Nov 2026"
    assert [short_label(w) for w in weeks] == ["01/11", "w/c 02/11", "w/c 09/11", "16/11"]
    assert category_label("not_recorded") == "Not recorded"
    assert category_label("marac") == "MARAC" and category_label("bbv_testing") == "BBV testing"
