"""Building blocks for document bodies: paragraphs, labelled facts, tick boxes, signatures, notices.

Every block takes the print's `Styles`, so large print scales everything at once, and none uses
colour: a tick is a drawn box with a cross, a notice is a thick black frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from cars_desktop.documents.layout import MARGIN, PAGE_WIDTH
from cars_desktop.documents.styles import TABLE_FONT, Styles

TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN


def esc(text: str) -> str:
    """Escape a value for reportlab's paragraph mark-up (names can contain & or <)."""
    return escape(text)


def paragraphs(texts: Iterable[str], styles: Styles, bold: bool = False) -> list[Flowable]:
    """Already-escaped wording (from a filled template) as body paragraphs."""
    style = styles.bold if bold else styles.body
    return [Paragraph(text, style) for text in texts]


def heading(text: str, styles: Styles) -> Paragraph:
    """A section heading (escaped here)."""
    return Paragraph(esc(text), styles.heading)


def facts_table(rows: Sequence[tuple[str, str]], styles: Styles, label_share: float = 0.34) -> Table:
    """Label and value pairs, label in bold; both escaped here."""
    data = [
        [Paragraph(f"<b>{esc(label)}</b>", styles.body), Paragraph(esc(value), styles.body)]
        for label, value in rows
    ]
    table = Table(data, colWidths=[TEXT_WIDTH * label_share, TEXT_WIDTH * (1 - label_share)], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, black),
            ]
        )
    )
    table.spaceAfter = styles.gap
    return table


class TickBox(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A square box, crossed when ticked: readable in black and white and by a photocopier."""

    def __init__(self, ticked: bool, size: float) -> None:
        super().__init__()
        self.ticked = ticked
        self.width = self.height = size

    def draw(self) -> None:
        canvas, size = self.canv, self.width
        canvas.setLineWidth(1.2)
        canvas.rect(0, 0, size, size)
        if self.ticked:
            canvas.setLineWidth(2)
            canvas.line(size * 0.2, size * 0.2, size * 0.8, size * 0.8)
            canvas.line(size * 0.2, size * 0.8, size * 0.8, size * 0.2)


def tick_list(items: Sequence[tuple[str, bool]], styles: Styles) -> Table:
    """One line per item with a tick box; the words "covered"/"not covered" say it without the box."""
    size = styles.body_pt * 1.1
    data = [
        [
            TickBox(done, size),
            Paragraph(esc(text), styles.body),
            Paragraph("covered" if done else "not covered", styles.small),
        ]
        for text, done in items
    ]
    table = Table(
        data, colWidths=[size + 4 * mm, TEXT_WIDTH * 0.78 - size, TEXT_WIDTH * 0.22 - 4 * mm], hAlign="LEFT"
    )
    table.setStyle(
        TableStyle([TABLE_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)])
    )
    return table


def signature_lines(who: Sequence[str], styles: Styles) -> Flowable:
    """Lines to sign, print a name and date on, one block per person (kept on one page)."""
    rows: list[list[Flowable | str]] = []
    commands: list[tuple[object, ...]] = [
        TABLE_FONT,
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]
    for label in who:
        row = len(rows)
        rows.append([Paragraph(f"<b>{esc(label)}</b>", styles.body), "", ""])
        rows.append(
            [
                Paragraph("Signature", styles.small),
                Paragraph("Name (capitals)", styles.small),
                Paragraph("Date", styles.small),
            ]
        )
        commands.append(("LINEABOVE", (0, row + 1), (-1, row + 1), 0.9, black))
        commands.append(("TOPPADDING", (0, row + 1), (-1, row + 1), 2))
        commands.append(("BOTTOMPADDING", (0, row), (-1, row), styles.body_pt * 2))
    table = Table(rows, colWidths=[TEXT_WIDTH * 0.45, TEXT_WIDTH * 0.35, TEXT_WIDTH * 0.2], hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return KeepTogether([Spacer(1, styles.gap), table])


def notice(
    texts: Sequence[str], styles: Styles, heading_text: str | None = None, large: bool = False
) -> Table:
    """Important wording in a thick black frame (escaped wording from a template).

    `large` sets heading and text in the shout size, for actions read in an emergency.
    """
    content: list[Flowable] = []
    if heading_text:
        content.append(Paragraph(f"<b>{heading_text}</b>", styles.shout if large else styles.heading))
    content += [Paragraph(text, styles.shout if large else styles.body) for text in texts]
    table = Table([[content]], colWidths=[TEXT_WIDTH])
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("BOX", (0, 0), (-1, -1), 2, black),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    table.spaceBefore = table.spaceAfter = styles.gap
    return table


def bullets(texts: Iterable[str], styles: Styles) -> list[Flowable]:
    """Already-escaped wording as a bulleted list."""
    return [Paragraph(text, styles.body, bulletText="•") for text in texts]
