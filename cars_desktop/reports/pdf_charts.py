"""The commissioner's report charts: monthly trend lines and the referral-to-treatment funnel.

Drawn with reportlab.graphics so they are vector graphics in the PDF (sharp when printed, their
labels real text). Series differ by dash pattern and marker as well as colour, so a black-and-white
print still tells them apart. A suppressed month is a gap in its line, never a guessed value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from cars_desktop.reports.commissioner import CommissionerReport, Stage, monthly_shown
from cars_desktop.reports.kpis import KPI_BY_ID

#: (colour, dash pattern, marker) per series: distinguishable in colour and in grey.
_SERIES_LOOK = (
    (colors.HexColor("#1f4e79"), None, "FilledCircle"),
    (colors.HexColor("#c55a11"), (4, 2), "FilledSquare"),
    (colors.HexColor("#548235"), (1, 2), "FilledTriangle"),
    (colors.HexColor("#7030a0"), (6, 2, 1, 2), "FilledDiamond"),
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class TrendChart:
    """One chart: a title and the KPIs drawn as lines (all counts, or all rates in %)."""

    title: str
    kpi_ids: tuple[str, ...]


TREND_CHARTS = (
    TrendChart(
        "Assessments completed",
        ("required_assessments_completed", "voluntary_assessments", "suitability_assessments_completed"),
    ),
    TrendChart(
        "Referrals and entries into treatment", ("referrals_into_treatment", "entries_into_treatment")
    ),
    TrendChart("Conversion rates (%)", ("assessment_conversion", "transfer_into_treatment")),
    TrendChart("Naloxone and screening", ("naloxone_kits_supplied", "vulnerability_screens_completed")),
)


def _point(value: object, rate: bool) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None  # suppressed ("<5", "suppressed") or nothing to divide by
    return float(value) * 100 if rate else float(value)


def _step(top: float, rate: bool) -> tuple[float, float]:
    """A tidy axis top and step: whole numbers for counts, tens for percentages."""
    if rate:
        return 100.0, 20.0
    raw = max(top, 1.0) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(1.0, math.ceil(step))
    return step * math.ceil(max(top, 1.0) / step), step


def _month_labels(report: CommissionerReport) -> list[str]:
    periods = report.monthly.periods
    every = max(1, math.ceil(len(periods) / 12))
    return [
        f"{_MONTHS[p.start.month - 1]}\n{p.start.year}" if n % every == 0 else ""
        for n, p in enumerate(periods)
    ]


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits in the drawing and how values map onto it."""

    x: float
    y: float
    width: float
    height: float
    slots: int
    top: float

    def at(self, index: int, value: float) -> tuple[float, float]:
        return (
            self.x + self.width * (index + 0.5) / self.slots,
            self.y + self.height * value / self.top,
        )


def _axes(drawing: Drawing, frame: _Frame, step: float, labels: Sequence[str], rate: bool, font: str) -> None:
    """Grid lines with their values on the left, the months under the plot (two lines each)."""
    grid, ink = colors.HexColor("#d9d9d9"), colors.HexColor("#404040")
    ticks = round(frame.top / step)
    for k in range(ticks + 1):
        value = k * step
        _x, y = frame.at(0, value)
        drawing.add(Line(frame.x, y, frame.x + frame.width, y, strokeColor=grid, strokeWidth=0.5))
        text = f"{value:.0f}%" if rate else f"{value:.0f}"
        drawing.add(String(frame.x - 4, y - 3, text, fontName=font, fontSize=8, textAnchor="end"))
    drawing.add(Line(frame.x, frame.y, frame.x, frame.y + frame.height, strokeColor=ink, strokeWidth=0.8))
    drawing.add(Line(frame.x, frame.y, frame.x + frame.width, frame.y, strokeColor=ink, strokeWidth=0.8))
    for index, label in enumerate(labels):
        x, _y = frame.at(index, 0)
        for row, part in enumerate(label.split("\n") if label else ()):
            drawing.add(
                String(x, frame.y - 10 - 9 * row, part, fontName=font, fontSize=7.5, textAnchor="middle")
            )


def _series(drawing: Drawing, frame: _Frame, values: Sequence[float | None], look: tuple[Any, ...]) -> None:
    """Markers at the shown months; lines join neighbouring shown months only (a gap stays a gap)."""
    colour, dash, marker = look
    run: list[float] = []
    for index, value in enumerate([*values, None]):
        if value is None:
            if len(run) >= 4:
                drawing.add(
                    PolyLine(run, strokeColor=colour, strokeWidth=1.6, strokeDashArray=dash, strokeLineJoin=1)
                )
            run = []
            continue
        x, y = frame.at(index, value)
        run += [x, y]
        dot = makeMarker(marker, size=4.5, fillColor=colour, strokeColor=colour)
        dot.x, dot.y = x, y
        drawing.add(dot)


def trend_drawing(
    report: CommissionerReport, chart: TrendChart, width: float, fonts: tuple[str, str]
) -> Drawing:
    """A line chart of the chart's KPIs by month, with its title and a legend underneath."""
    regular, bold = fonts
    kpis = [KPI_BY_ID[k] for k in chart.kpi_ids]
    rate = kpis[0].kind == "rate"
    data = [[_point(s["value"], rate) for s in monthly_shown(report, k.kpi_id)] for k in kpis]
    height = 160.0
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, chart.title, fontName=bold, fontSize=10))
    shown = [v for series in data for v in series if v is not None]
    top, step = _step(max(shown, default=0.0), rate)
    frame = _Frame(34, 58, width - 44, height - 78, max(len(report.monthly.periods), 1), top)
    _axes(drawing, frame, step, _month_labels(report), rate, regular)
    for values, look in zip(data, _SERIES_LOOK, strict=False):
        _series(drawing, frame, values, look)
    if not shown:
        note = "Nothing to draw: no figures, or all of them suppressed"
        drawing.add(String(frame.x + frame.width / 2, frame.y + frame.height / 2, note, fontName=regular,
                           fontSize=9, textAnchor="middle"))  # fmt: skip
    _legend(drawing, [k.name for k in kpis], x=frame.x, width=frame.width, font=regular)
    return drawing


def _legend(drawing: Drawing, names: Sequence[str], x: float, width: float, font: str) -> None:
    """A swatch (the series' own line and marker) and name per series, in rows under the plot."""
    size, gap, swatch = 8.0, 16.0, 22.0
    at, y = x, 20.0
    for (colour, dash, marker), name in zip(_SERIES_LOOK, names, strict=False):
        item = swatch + 4 + stringWidth(name, font, size)
        if at > x and at + item > x + width:
            at, y = x, y - 12
        drawing.add(
            Line(at, y + 3, at + swatch, y + 3, strokeColor=colour, strokeWidth=1.6, strokeDashArray=dash)
        )
        dot = makeMarker(marker, size=4.5, fillColor=colour, strokeColor=colour)
        dot.x, dot.y = at + swatch / 2, y + 3
        drawing.add(dot)
        drawing.add(String(at + swatch + 4, y, name, fontName=font, fontSize=size))
        at += item + gap


def funnel_drawing(stages: Sequence[Stage], width: float, fonts: tuple[str, str]) -> Drawing:
    """Bars centred one above the other, each as wide as its count (a suppressed one outlined)."""
    regular, bold = fonts
    row, label_width, text_width = 26.0, 165.0, 150.0
    bar_space = width - label_width - text_width
    drawing = Drawing(width, row * len(stages) + 4)
    counts = [s.count for s in stages if isinstance(s.count, int)]
    biggest = max(counts, default=0) or 1
    centre = label_width + bar_space / 2
    for n, stage in enumerate(stages):
        y = drawing.height - (n + 1) * row
        drawing.add(String(0, y + 8, stage.label, fontName=regular, fontSize=9))
        if isinstance(stage.count, int):
            bar = max(bar_space * stage.count / biggest, 2.0) if stage.count else 0.0
            fill, stroke = colors.HexColor("#1f4e79"), None
        else:
            bar, fill, stroke = 24.0, colors.white, colors.HexColor("#1f4e79")
        if bar:
            drawing.add(
                Rect(centre - bar / 2, y + 3, bar, row - 8, fillColor=fill, strokeColor=stroke, strokeWidth=1)
            )
        at = label_width + bar_space + 8
        drawing.add(String(at, y + 8, str(stage.count), fontName=bold, fontSize=9))
        if stage.conversion:
            note = f"{stage.conversion} of the one above"
            drawing.add(String(at + 30, y + 8, note, fontName=regular, fontSize=8))
    drawing.add(Line(label_width, 0, label_width, drawing.height, strokeColor=colors.HexColor("#bfbfbf")))
    return drawing
