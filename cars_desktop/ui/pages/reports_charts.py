"""The reports page's two charts (QtCharts): one KPI's trend over the periods, and the treatment funnel.

Both are plain bar charts: a trend's bars are the report's periods (one set of bars per group when
the report is grouped), the funnel's are people assessed, referred and entering treatment. Each
chart also says its numbers in words (its accessible description), so a screen reader user gets
what a sighted user reads off the bars, and a test can read them without looking at pixels.
No animation: the charts change only when asked, and nothing is left running afterwards.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QEvent, QMargins, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QWidget

MANY_LABELS = 8
"""Past this many periods the axis labels are turned on their side so they do not overlap."""
MOST_BARS = 31
"""Past this many periods (a year by day) the trend is a line over dates: bars would be slivers, and
building that many bars and labels held the GUI thread for a quarter of a second."""


def _number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:g}" if unit in ("", "count") else f"{value:g} {unit}"


class _ChartView(QChartView):
    """A keyboard-reachable chart with an accessible name, a title and no animation.

    The two axes are made once and kept: each new series is attached to them. (Axes removed from a
    QChart leave their drawing behind until deleted, so swapping axes showed old labels under new.)
    """

    def __init__(
        self, accessible_name: str, categories_at: Qt.AlignmentFlag, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.chart_ = QChart()
        self.chart_.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.setChart(self.chart_)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName(accessible_name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it; a reader reads its description
        self.setMinimumHeight(160)
        self.categories = QBarCategoryAxis()
        self.values = QValueAxis()
        bottom, left = Qt.AlignmentFlag.AlignBottom, Qt.AlignmentFlag.AlignLeft
        self.chart_.addAxis(self.categories, categories_at)
        self.chart_.addAxis(self.values, left if categories_at == bottom else bottom)
        self.dates = QDateTimeAxis()  # the trend's x axis when it is a line (see MOST_BARS)
        self.dates.setFormat("dd/MM/yy")
        self.dates.setVisible(False)
        self.chart_.addAxis(self.dates, Qt.AlignmentFlag.AlignBottom)
        self._follow_appearance()
        self.categories.setTruncateLabels(False)  # "w/c 02/11" whole, even if labels must overlap a little

    def _follow_appearance(self) -> None:
        """Large print and high contrast (cars_desktop/ui/appearance.py) reach the chart too.

        QtCharts draws with its own theme and fonts, not the widget's: the high-contrast palette
        (pure black on pure white) picks Qt's high-contrast theme, and the titles and axis labels
        take the program's font size.
        """
        palette = self.palette()
        stark = palette.color(QPalette.ColorRole.Window) == QColor("#ffffff") and palette.color(
            QPalette.ColorRole.WindowText
        ) == QColor("#000000")
        theme = QChart.ChartTheme.ChartThemeHighContrast if stark else QChart.ChartTheme.ChartThemeLight
        if self.chart_.theme() != theme:
            self.chart_.setTheme(theme)
        font = self.font()
        self.chart_.setTitleFont(font)
        for axis in (self.categories, self.values, self.dates):
            axis.setLabelsFont(font)
        self.chart_.legend().setFont(font)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._follow_appearance()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Modest, so two charts and the table share a 1366x768 screen without a scroll bar.

        (QGraphicsView asks for 600x480; a page with word-wrapped text is laid out at its preferred
        height inside the main window's scroll area, so two charts at that size forced scrolling.)
        """
        return QSize(360, 220)

    def _reset(self, title: str, categories: list[str], *, by_date: bool = False) -> None:
        self.chart_.removeAllSeries()
        self.categories.setCategories([] if by_date else categories)
        self.chart_.setTitle(title)
        self.categories.setVisible(bool(categories) and not by_date)
        self.dates.setVisible(bool(categories) and by_date)
        self.values.setVisible(bool(categories))

    def _add(self, series: QBarSeries | QHorizontalBarSeries | QLineSeries) -> None:
        self.chart_.addSeries(series)
        series.attachAxis(self.dates if isinstance(series, QLineSeries) else self.categories)
        series.attachAxis(self.values)

    def clear_chart(self, message: str) -> None:
        """No figures: the message as the title (and the description)."""
        self._reset(message, [])
        self.chart_.legend().setVisible(False)
        self.setAccessibleDescription(message)


class TrendChart(_ChartView):
    """One KPI over the report's periods, a set of bars per group."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Trend of the chosen KPI", Qt.AlignmentFlag.AlignBottom, parent)
        self.labels: list[str] = []
        self.series_values: dict[str, list[float]] = {}
        self.clear_chart("Choose a KPI in the table to see its trend")

    def show_series(
        self,
        title: str,
        labels: list[str],
        series: dict[str, list[float | None]],
        unit: str,
        starts: list[date] | None = None,
    ) -> None:
        """Draw `series` (group name -> a value per label; None where there is nothing to show).

        Bars, one per label; past `MOST_BARS` labels, a line per group over the periods' first
        dates (`starts`), which must then be given.
        """
        by_date = starts is not None and len(labels) > MOST_BARS
        self._reset(title, list(labels), by_date=by_date)
        self.labels = list(labels)
        self.series_values = {
            name: [0.0 if v is None else v for v in values] for name, values in series.items()
        }
        top = max([0.0, *(v for values in self.series_values.values() for v in values)])
        if by_date:
            assert starts is not None
            # Local midnight of each first day, as the axis shows local time (QDate.startOfDay per
            # point was a quarter of the time spent here).
            moments = [datetime(d.year, d.month, d.day).timestamp() * 1000 for d in starts]
            for name, drawn in self.series_values.items():
                line = QLineSeries()
                line.setName(name)
                line.replace([QPointF(m, v) for m, v in zip(moments, drawn, strict=True)])
                self._add(line)
            self.dates.setRange(
                QDateTime.fromMSecsSinceEpoch(int(moments[0])),
                QDateTime.fromMSecsSinceEpoch(int(moments[-1])),
            )
        else:
            bars = QBarSeries()
            for name, drawn in self.series_values.items():
                bar_set = QBarSet(name)
                bar_set.append(drawn)
                bars.append(bar_set)
            self._add(bars)
            self.categories.setLabelsAngle(-90 if len(self.labels) > MANY_LABELS else 0)
        self.values.setRange(0, top * 1.1 if top > 0 else 1)
        self.values.applyNiceNumbers()
        self.values.setLabelFormat("%.0f%%" if unit == "%" else "%g")
        self.chart_.legend().setVisible(len(series) > 1)
        words = []
        for name, values in series.items():
            said = ", ".join(
                f"{label} {'none' if v is None else _number(v, unit)}"
                for label, v in zip(labels, values, strict=True)
            )
            words.append(f"{name}: {said}" if len(series) > 1 else said)
        self.setAccessibleDescription(f"{title}. " + "; ".join(words) + ".")


class FunnelChart(_ChartView):
    """People assessed, then referred into treatment, then entering treatment: widest at the top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Referral to treatment funnel", Qt.AlignmentFlag.AlignLeft, parent)
        self.stages: list[tuple[str, int]] = []
        self.clear_chart("Run a report to see the referral to treatment funnel")

    def show_stages(self, title: str, stages: list[tuple[str, int]]) -> None:
        """Draw one bar per stage, in order from the top."""
        self._reset(title, [label for label, _n in reversed(stages)])  # Qt draws the first at the bottom
        self.stages = list(stages)
        bar_set = QBarSet("Number")
        bar_set.append([float(n) for _label, n in reversed(stages)])
        bars = QHorizontalBarSeries()
        bars.append(bar_set)
        bars.setLabelsVisible(True)
        self._add(bars)
        self.values.setRange(0, max([1, *(n for _label, n in stages)]) * 1.15)
        self.values.applyNiceNumbers()
        self.values.setLabelFormat("%d")
        self.chart_.legend().setVisible(False)
        said = ", ".join(f"{label} {n}" for label, n in stages)
        self.setAccessibleDescription(f"{title}: {said}.")
