"""The reports page's two charts (QtCharts): one KPI's trend over the periods, and the treatment funnel.

Both are plain bar charts: a trend's bars are the report's periods (one set of bars per group when
the report is grouped), the funnel's are people assessed, referred and entering treatment. Each
chart also says its numbers in words (its accessible description), so a screen reader user gets
what a sighted user reads off the bars, and a test can read them without looking at pixels.
No animation: the charts change only when asked, and nothing is left running afterwards.
"""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

MANY_LABELS = 8
"""Past this many periods the axis labels are turned on their side so they do not overlap."""


def _number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:g}" if unit in ("", "count") else f"{value:g} {unit}"


class _ChartView(QChartView):
    """A keyboard-reachable chart with an accessible name, a title and no animation."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart_ = QChart()
        self.chart_.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.setChart(self.chart_)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName(accessible_name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it; a reader reads its description
        self.setMinimumHeight(200)

    def _reset(self, title: str) -> None:
        self.chart_.removeAllSeries()
        for axis in self.chart_.axes():
            self.chart_.removeAxis(axis)
        self.chart_.setTitle(title)

    def clear_chart(self, message: str) -> None:
        """No figures: the message as the title (and the description)."""
        self._reset(message)
        self.chart_.legend().setVisible(False)
        self.setAccessibleDescription(message)


class TrendChart(_ChartView):
    """One KPI over the report's periods, a set of bars per group."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Trend of the chosen KPI", parent)
        self.labels: list[str] = []
        self.series_values: dict[str, list[float]] = {}
        self.clear_chart("Choose a KPI in the table to see its trend")

    def show_series(
        self, title: str, labels: list[str], series: dict[str, list[float | None]], unit: str
    ) -> None:
        """Draw `series` (group name -> a value per label; None where there is nothing to show)."""
        self._reset(title)
        bars = QBarSeries()
        self.labels = list(labels)
        self.series_values = {}
        top = 0.0
        words: list[str] = []
        for name, values in series.items():
            drawn = [0.0 if v is None else v for v in values]
            bar_set = QBarSet(name)
            bar_set.append(drawn)
            bars.append(bar_set)
            self.series_values[name] = drawn
            top = max([top, *drawn])
            said = ", ".join(
                f"{label} {'none' if v is None else _number(v, unit)}"
                for label, v in zip(labels, values, strict=True)
            )
            words.append(f"{name}: {said}" if len(series) > 1 else said)
        self.chart_.addSeries(bars)
        axis_x = QBarCategoryAxis()
        axis_x.append(self.labels)
        if len(self.labels) > MANY_LABELS:
            axis_x.setLabelsAngle(-90)
        axis_y = QValueAxis()
        axis_y.setRange(0, top * 1.1 if top > 0 else 1)
        axis_y.setLabelFormat("%.0f%%" if unit == "%" else "%g")
        self.chart_.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart_.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(axis_x)
        bars.attachAxis(axis_y)
        self.chart_.legend().setVisible(len(series) > 1)
        self.setAccessibleDescription(f"{title}. " + "; ".join(words) + ".")


class FunnelChart(_ChartView):
    """People assessed, then referred into treatment, then entering treatment: widest at the top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Referral to treatment funnel", parent)
        self.stages: list[tuple[str, int]] = []
        self.clear_chart("Run a report to see the referral to treatment funnel")

    def show_stages(self, title: str, stages: list[tuple[str, int]]) -> None:
        """Draw one bar per stage, in order from the top."""
        self._reset(title)
        self.stages = list(stages)
        bar_set = QBarSet("Number")
        bar_set.append([float(n) for _label, n in reversed(stages)])  # Qt draws the first at the bottom
        bars = QHorizontalBarSeries()
        bars.append(bar_set)
        bars.setLabelsVisible(True)
        self.chart_.addSeries(bars)
        axis_y = QBarCategoryAxis()
        axis_y.append([label for label, _n in reversed(stages)])
        axis_x = QValueAxis()
        axis_x.setRange(0, max([1, *(n for _label, n in stages)]) * 1.15)
        axis_x.setLabelFormat("%d")
        self.chart_.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        self.chart_.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        bars.attachAxis(axis_y)
        bars.attachAxis(axis_x)
        self.chart_.legend().setVisible(False)
        said = ", ".join(f"{label} {n}" for label, n in stages)
        self.setAccessibleDescription(f"{title}: {said}.")
