"""The crime-impact tables as reportlab flowables, for the commissioner's PDF to insert as a section.

The caller passes its own heading and body styles, so the section matches the rest of its report;
the tables use the body style's typeface (a size smaller for the cells) and show exactly what the
CSV export shows, small numbers suppressed by the same rule.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from cars_desktop.reports.crime import (
    FOLLOW_UP_MONTHS,
    GROUP_WORDS,
    CrimeTables,
    CrossTable,
    shown_cross_row,
    shown_rearrest,
)

SECTION_TITLE = "Drugs, alcohol and crime"


def _cell_style(body: ParagraphStyle, header: bool = False) -> ParagraphStyle:
    """Cells a size below the body; headers a little smaller still, so Act names wrap by word."""
    size = min(max(body.fontSize - 2, 8), 9) - (1.5 if header else 0)
    return ParagraphStyle(
        f"crime_cell{'_header' if header else ''}",
        parent=body,
        fontSize=size,
        leading=size * 1.2,
        spaceBefore=0,
        spaceAfter=0,
        fontName=body.fontName,
    )


def _grid(rows: list[list[Flowable]], font: str, widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("LINEBELOW", (0, 0), (-1, 0), 1.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.93, 0.93, 0.93)]),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _cross_flowables(
    table: CrossTable, threshold: int | None, heading: ParagraphStyle, body: ParagraphStyle
) -> list[Flowable]:
    cell, head = _cell_style(body), _cell_style(body, header=True)
    header = [Paragraph(f"<b>{table.row_heading}</b>", head), Paragraph("<b>Total</b>", head)]
    header += [Paragraph(f"<b>{label}</b>", head) for _, label in table.columns]
    rows: list[list[Flowable]] = [header]
    for code, label in table.rows:
        total, cells = shown_cross_row(table, code, threshold)
        rows.append(
            [
                Paragraph(label[:1].upper() + label[1:], cell),
                Paragraph(str(total), cell),
                *(Paragraph(c, cell) for c in cells),
            ]
        )
    # Fits the narrowest frame a report uses (A4 with 2.5 cm margins, about 450 pt).
    first_width = 90.0
    rest = [32.0] + [328.0 / len(table.columns)] * len(table.columns)
    return [
        KeepTogether([Paragraph(table.title, heading), _grid(rows, body.fontName, [first_width, *rest])]),
        Spacer(1, 3),
        Paragraph(table.notes, _cell_style(body)),
        Spacer(1, 8),
    ]


def _rate_text(shown: str) -> str:
    """A rate as a percentage with one decimal place; suppressed and empty cells as they are."""
    try:
        return f"{float(shown) * 100:.1f}%"
    except ValueError:
        return shown or "-"


def _rearrest_flowables(
    tables: CrimeTables, threshold: int | None, heading: ParagraphStyle, body: ParagraphStyle
) -> list[Flowable]:
    cell, head = _cell_style(body), _cell_style(body, header=True)
    titles = ("Within", "People", "Followed up", "Re-arrested", "Re-arrest rate", "Awaiting follow-up")
    rows: list[list[Flowable]] = [[Paragraph(f"<b>{t}</b>", head) for t in titles]]
    for months in FOLLOW_UP_MONTHS:
        for group, shown in shown_rearrest(tables, months, threshold).items():
            values = (
                f"{months} months",
                GROUP_WORDS[group].capitalize(),
                shown["followed_up"],
                shown["rearrested"],
                _rate_text(shown["rate"]),
                shown["awaiting"] or "",
            )
            rows.append([Paragraph(v, cell) for v in values])
    return [
        KeepTogether(
            [
                Paragraph("Re-arrest within 6 and 12 months of an assessment", heading),
                _grid(rows, body.fontName, [60.0, 120.0, 62.0, 62.0, 70.0, 76.0]),
            ]
        ),
        Spacer(1, 3),
        Paragraph(tables.rearrest_notes, _cell_style(body)),
    ]


def crime_flowables(
    tables: CrimeTables, suppress_below: int | None, heading: ParagraphStyle, body: ParagraphStyle
) -> list[Flowable]:
    """The section: a short introduction, the two offence tables and the re-arrest table, with notes."""
    period = f"{tables.first:%d/%m/%Y} to {tables.last:%d/%m/%Y}"
    intro = (
        f"Assessments completed from {period}. Counts are of assessments (offence tables) and of "
        "people (re-arrest)."
    )
    if suppress_below is not None:
        intro += (
            f" Counts from 1 to {suppress_below - 1} are shown as &lt;{suppress_below}, with one more "
            'cell hidden ("suppressed") where needed so they cannot be worked out, and rates on them '
            "are withheld."
        )
    out: list[Flowable] = [Paragraph(SECTION_TITLE, heading), Paragraph(intro, body), Spacer(1, 6)]
    for table in (tables.by_substance, tables.by_audit_band):
        out += _cross_flowables(table, suppress_below, heading, body)
    out += _rearrest_flowables(tables, suppress_below, heading, body)
    return out
