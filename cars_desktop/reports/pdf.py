"""The commissioner's report as a PDF (reportlab platypus): KPI table, funnel, trends, definitions.

Every figure comes from commissioner.py already worded and suppressed, so the PDF cannot show a
number the CSVs withhold. The bundled DejaVu faces are passed in (`fonts`, as returned by
`cars_desktop.documents.fonts.register_fonts`) rather than imported: reports and documents are
sibling layers that must not import each other (pyproject.toml, import-linter).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cars_desktop.reports.commissioner import (
    FUNNEL_NOTE,
    NOTHING,
    CommissionerReport,
    comparison_lines,
    funnel,
)
from cars_desktop.reports.pdf_charts import TREND_CHARTS, funnel_drawing, trend_drawing
from cars_desktop.reports.pdf_crime import crime_flowables
from cars_desktop.reports.periods import UK, Period
from cars_desktop.resources import reference_list

#: The report's title, on its first page and in every footer (the workstation and the server use it).
DEFAULT_TITLE = "CARS: KPI report for the commissioner"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
_GRID = colors.HexColor("#bfbfbf")
_SHADE = colors.HexColor("#e8eef5")
_GENERAL_RULES = (
    "In every KPI only live records count (deleted records and records merged into another do "
    "not), each record once at its newest revision. Dates are UK local dates (a record made at "
    "00:30 BST on 1 April counts on 1 April). A form is completed when it has been completed "
    "(approved, returned for changes and amended forms included; drafts never)."
)


@dataclass(frozen=True)
class ReportStyles:
    """The report's paragraph styles; extra sections use them to look like the rest."""

    fonts: tuple[str, str]
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    term: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle


def report_styles(fonts: tuple[str, str]) -> ReportStyles:
    """Styles in the given (regular, bold) faces: 10 pt body, nothing under 8 pt."""
    regular, bold = fonts

    def style(name: str, size: float, font: str = regular, **more: Any) -> ParagraphStyle:
        more.setdefault("leading", size * 1.25)
        return ParagraphStyle(name, fontName=font, fontSize=size, **more)

    return ReportStyles(
        fonts=fonts,
        body=style("body", 10, spaceAfter=5),
        small=style("small", 8.5, textColor=colors.HexColor("#404040"), spaceAfter=3),
        cell=style("cell", 9),
        cell_bold=style("cell_bold", 9, bold),
        term=style("term", 10, bold, spaceBefore=4, keepWithNext=True),
        heading=style("heading", 14, bold, spaceBefore=10, spaceAfter=6),
        title=style("title", 20, bold, leading=24, spaceAfter=8),
    )


def _uk_time(moment: datetime) -> str:
    local = moment.astimezone(UK)
    return f"{local.day} {local:%B %Y} at {local:%H:%M} (UK time)"


def _sites_text(sites: frozenset[str] | None) -> str:
    if sites is None:
        return "All sites"
    names = {item.code: item.name for item in reference_list("sites").items}
    return ", ".join(f"{names.get(code, code)} ({code})" if code in names else code for code in sorted(sites))


def suppression_note(suppress_below: int | None) -> str:
    """What the reader must know about small numbers in this copy."""
    if suppress_below is None:
        return (
            "<b>Small numbers are not suppressed in this copy.</b> It may identify people and is "
            "for use inside the service only: do not share it outside the service."
        )
    return (
        f"<b>Small numbers are suppressed.</b> Counts from 1 to {suppress_below - 1} are shown as "
        f"“&lt;{suppress_below}”, and a rate, median, change or conversion worked out from one is "
        "withheld (“suppressed”), so that no one can be identified. Where one line of a breakdown "
        "is suppressed, the next smallest is withheld too."
    )


def _title_block(
    report: CommissionerReport, title: str, generated_at: datetime, st: ReportStyles
) -> list[Flowable]:
    facts = [
        ("Period", _period_text(report.current_period)),
        ("Compared with", _period_text(report.previous_period)),
        ("Sites", _sites_text(report.sites)),
        ("Generated", _uk_time(generated_at)),
    ]
    table = Table(
        [[Paragraph(k, st.cell_bold), Paragraph(escape(v), st.cell)] for k, v in facts],
        colWidths=[32 * mm, WIDTH - 32 * mm],
        hAlign="LEFT",
    )
    table.setStyle(_table_style(st, header=False))
    return [
        Paragraph(escape(title), st.title),
        table,
        Spacer(1, 4),
        Paragraph(suppression_note(report.suppress_below), st.small),
    ]


def _period_text(period: Period) -> str:
    """A whole period's name with its dates ("April 2026 (1 April 2026 to 30 April 2026)")."""
    if not period.is_whole:
        return period.label  # a cut period's label is its dates already
    first, last = period.start, period.end
    return f"{period.label} ({first.day} {first:%B %Y} to {last.day} {last:%B %Y})"


def _table_style(st: ReportStyles, header: bool = True) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), st.fonts[0]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    return TableStyle(commands)


def _figure(value: str, basis: str, st: ReportStyles) -> list[Paragraph]:
    cell = [Paragraph(escape(value), st.cell_bold)]
    if basis:
        cell.append(Paragraph(escape(basis), st.small))
    return cell


def _kpi_table(report: CommissionerReport, st: ReportStyles) -> list[Flowable]:
    now, before = report.current_period.label, report.previous_period.label
    rows: list[list[Any]] = [
        [Paragraph(f"<b>{h}</b>", st.cell) for h in ("KPI", escape(now), escape(before), "Change")]
    ]
    indented = ParagraphStyle("indented", parent=st.cell, leftIndent=10)
    categories: list[int] = []
    for line in comparison_lines(report):
        if line.category is None:
            label: Paragraph = Paragraph(escape(line.label), st.cell)
        else:
            label = Paragraph("· " + escape(line.label), indented)
            categories.append(len(rows))
        rows.append(
            [
                label,
                _figure(line.text("current"), line.basis("current"), st),
                _figure(line.text("previous"), line.basis("previous"), st),
                Paragraph(escape(line.change), st.cell),
            ]
        )
    table = Table(rows, colWidths=[WIDTH * 0.46, WIDTH * 0.2, WIDTH * 0.2, WIDTH * 0.14], repeatRows=1)
    style = _table_style(st)
    for at in categories:
        style.add("LINEBELOW", (0, at - 1), (-1, at - 1), 0.4, colors.white)
    table.setStyle(style)
    note = (
        "Rates are shown as a percentage with what they are built on (numerator of denominator); "
        "the median is over the entries into treatment it shows. A change is shown only when both "
        f"periods' figures are; for rates it is in percentage points. {NOTHING} means nothing to "
        "divide by (or no entries to take a median of)."
    )
    return [Paragraph("KPIs for the period", st.heading), table, Spacer(1, 4), Paragraph(note, st.small)]


def _funnel_section(report: CommissionerReport, st: ReportStyles) -> list[Flowable]:
    now, before = funnel(report, report.current), funnel(report, report.previous)
    rows: list[list[Any]] = [
        [
            Paragraph("<b>Stage</b>", st.cell),
            Paragraph(f"<b>{escape(report.current_period.label)}</b>", st.cell),
            Paragraph("<b>Of the stage above</b>", st.cell),
            Paragraph(f"<b>{escape(report.previous_period.label)}</b>", st.cell),
            Paragraph("<b>Of the stage above</b>", st.cell),
        ]
    ]
    for a, b in zip(now, before, strict=True):
        rows.append(
            [Paragraph(escape(a.label), st.cell)]
            + [Paragraph(escape(str(x)), st.cell) for x in (a.count, a.conversion, b.count, b.conversion)]
        )
    table = Table(rows, colWidths=[WIDTH * 0.32, WIDTH * 0.19, WIDTH * 0.15, WIDTH * 0.19, WIDTH * 0.15])
    table.setStyle(_table_style(st))
    return [
        CondPageBreak(90 * mm),
        Paragraph("Referral to treatment", st.heading),
        funnel_drawing(now, WIDTH, st.fonts),
        Spacer(1, 6),
        table,
        Spacer(1, 4),
        Paragraph(FUNNEL_NOTE, st.small),
    ]


def _trend_section(report: CommissionerReport, st: ReportStyles) -> list[Flowable]:
    months = report.monthly.periods
    if len(months) < 2:  # one point per line is no trend; the table already compares the periods
        note = (
            "This report covers part or all of one calendar month, so there is no trend to draw; "
            "the KPI table compares it with the period before. Report a quarter or a year for trends."
        )
        return [Paragraph("Monthly trends", st.heading), Paragraph(note, st.body)]
    # a new page unless most of one is left (a table spilling a line over must not leave it blank)
    flow: list[Flowable] = [CondPageBreak(200 * mm), Paragraph("Monthly trends", st.heading)]
    cut = [p.label for p in (months[0], months[-1]) if not p.is_whole]
    note = "Each point is a calendar month. "
    if cut:
        note += f"Part months, cut to the report's dates: {', '.join(dict.fromkeys(cut))}. "
    if report.suppress_below is not None:
        note += "A gap in a line is a month whose figure is suppressed."
    flow.append(Paragraph(escape(note), st.small))
    for chart in TREND_CHARTS:
        flow.append(KeepTogether([trend_drawing(report, chart, WIDTH, st.fonts), Spacer(1, 6)]))
    return flow


def _appendix(report: CommissionerReport, st: ReportStyles) -> list[Flowable]:
    flow: list[Flowable] = [
        CondPageBreak(120 * mm),
        Paragraph("Appendix: definitions of the KPIs", st.heading),
    ]
    flow.append(Paragraph(escape(_GENERAL_RULES), st.body))
    for kpi in report.current.kpis:
        parts = [Paragraph(escape(kpi.name), st.term), Paragraph(escape(kpi.definition), st.body)]
        if kpi.numerator is not None:
            built = f"Numerator: {kpi.numerator}." if kpi.kind == "rate" else f"Taken over: {kpi.numerator}."
            if kpi.denominator:
                built += f" Denominator: {kpi.denominator}."
            parts.append(Paragraph(escape(built), st.small))
        flow.append(KeepTogether(parts))
    return flow


def _canvas_class(footer: str, font: str) -> type[Canvas]:
    """A canvas that holds pages back until the end, so each footer can say "Page X of Y"."""

    class _Numbered(Canvas):  # type: ignore[misc]  # reportlab is untyped
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._kept: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._kept.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._kept)
            for number, state in enumerate(self._kept, start=1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            self.saveState()
            self.setStrokeColor(_GRID)
            self.setLineWidth(0.6)
            self.line(MARGIN, MARGIN - 4, PAGE_WIDTH - MARGIN, MARGIN - 4)
            self.setFont(font, 8)
            self.drawString(MARGIN, MARGIN - 14, footer)
            self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 14, f"Page {number} of {total}")
            self.restoreState()

    return _Numbered


def _crime_section(report: CommissionerReport, st: ReportStyles) -> list[Flowable]:
    if report.crime is None:
        return []
    return [
        CondPageBreak(120 * mm),
        *crime_flowables(report.crime, report.suppress_below, st.heading, st.body),
    ]


def render_commissioner_pdf(
    report: CommissionerReport,
    *,
    title: str,
    generated_at: datetime,
    fonts: tuple[str, str],
    extra_sections: Sequence[Flowable] = (),
) -> bytes:
    """The whole report as PDF bytes; `extra_sections` go after the trends, before the appendix.

    `fonts` are the registered (regular, bold) face names (documents.fonts.register_fonts()).
    """
    st = report_styles(fonts)
    story: list[Flowable] = [
        *_title_block(report, title, generated_at, st),
        *_kpi_table(report, st),
        *_funnel_section(report, st),
        *_trend_section(report, st),
        *_crime_section(report, st),
        *extra_sections,
        *_appendix(report, st),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"{title}: {report.current_period.label}",
        author="CARS",
        subject="KPI report for the commissioner",
        creator="CARS Desktop",
    )
    document.build(story, canvasmaker=_canvas_class(f"{title}: {report.current_period.label}", fonts[0]))
    return buffer.getvalue()
