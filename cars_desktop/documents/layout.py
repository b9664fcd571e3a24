"""The page machinery every document shares: A4, safe margins, letterhead, identity on every page.

Every page carries, at the foot, the person's name and date of birth, the document type,
"Page X of Y", the date printed, the short reference and a QR code of the reference only, so a
page that comes loose can be put back with the right person and record. A reprint carries
"COPY — first printed <date>" at the top of every page. PDFs are built in memory and never
written to disk here; the output is reproducible (reportlab's invariant mode), so the same facts
and print time give the same bytes and hash.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import (
    BuiltDocument,
    DocumentKind,
    DocumentPart,
    FlowablesFactory,
    PrintOptions,
    Subject,
    pdf_sha256,
)
from cars_desktop.documents.styles import FONT, FONT_BOLD, MIN_PT, TABLE_FONT, Styles, styles_for

PAGE_WIDTH, PAGE_HEIGHT = A4
#: Cheap lasers cannot print the outer 5 mm or so; 18 mm keeps everything well inside.
MARGIN = 18 * mm
QR_SIZE = 18 * mm
FOOTER_HEIGHT = QR_SIZE + 4 * mm
COPY_BAND = 12 * mm
UK = ZoneInfo("Europe/London")


def uk_date(day: date) -> str:
    """A date as people read it: 4 March 2026."""
    return f"{day.day} {day:%B %Y}"


def uk_time(moment: datetime) -> str:
    """A time in UK local time, as people read it: 4 March 2026 at 14:05."""
    local = moment.astimezone(UK)
    return f"{uk_date(local.date())} at {local:%H:%M}"


@cache
def _qr_drawing(reference: str) -> Drawing:
    """The QR code of the reference alone: scanning it finds the record, nothing more."""
    widget = QrCodeWidget(reference, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
    drawing.add(widget)
    # Expanded once into plain shapes: the widget otherwise rebuilds its ~2,000 squares on every
    # page it is drawn on, which was over half the time of a release pack (bench/documents.py).
    flat: Drawing = drawing.expandUserNodes()
    return flat


@dataclass
class _Identity:
    """What is drawn on every page once the page count is known."""

    subject: Subject
    options: PrintOptions
    pack_title: str | None
    page_count: int = 0
    footer_pt: float = field(init=False)

    def __post_init__(self) -> None:
        self.footer_pt = 12.0 if self.options.large_print else 9.5

    def draw(self, canvas: Canvas, number: int, total: int, part_title: str) -> None:
        canvas.saveState()
        canvas.setFillColor(black)
        canvas.setStrokeColor(black)
        self._footer(canvas, number, total, part_title)
        if self.options.copy_of is not None:
            self._copy_band(canvas)
        canvas.restoreState()

    def _footer(self, canvas: Canvas, number: int, total: int, part_title: str) -> None:
        subject, size = self.subject, self.footer_pt
        top = MARGIN + FOOTER_HEIGHT - 1 * mm
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
        page = f"Page {number} of {total}"
        if self.pack_title:
            page = f"{self.pack_title}: page {number} of {total}"
        lines = [
            (FONT_BOLD, f"{subject.display_name}    Date of birth: {uk_date(subject.date_of_birth)}"),
            (FONT, f"{part_title}    {page}"),
            (FONT, f"Printed {uk_time(self.options.printed_at)}    Ref: {subject.reference}"),
        ]
        y = top - size * 1.35
        for font, text in lines:
            canvas.setFont(font, _fitted_size(text, font, size))
            canvas.drawString(MARGIN, y, text)
            y -= size * 1.3
        # Drawn once per PDF as a form (an XObject) and placed on each page: the code has some
        # 2,000 squares, and drawing them page by page was most of a release pack's build time.
        form = f"cars_qr_{subject.reference}"
        if not canvas.hasForm(form):
            canvas.beginForm(form, 0, 0, QR_SIZE, QR_SIZE)
            renderPDF.draw(_qr_drawing(subject.reference), canvas, 0, 0)
            canvas.endForm()
        canvas.saveState()
        canvas.translate(PAGE_WIDTH - MARGIN - QR_SIZE, MARGIN)
        canvas.doForm(form)
        canvas.restoreState()

    def _copy_band(self, canvas: Canvas) -> None:
        assert self.options.copy_of is not None
        text = f"COPY — first printed {uk_time(self.options.copy_of)}"
        size = 14.0 if self.options.large_print else 12.0
        y = PAGE_HEIGHT - MARGIN - COPY_BAND + 2 * mm
        canvas.setLineWidth(1.5)
        canvas.setFillColor(white)
        canvas.rect(MARGIN, y, PAGE_WIDTH - 2 * MARGIN, COPY_BAND - 3 * mm, stroke=1, fill=1)
        canvas.setFillColor(black)
        canvas.setFont(FONT_BOLD, size)
        canvas.drawCentredString(PAGE_WIDTH / 2, y + (COPY_BAND - 3 * mm - size) / 2 + 2, text)


#: The width of the identity lines: from the left margin to the QR code, with a gap before it.
FOOTER_TEXT_WIDTH: float = PAGE_WIDTH - 2 * MARGIN - QR_SIZE - 3 * mm


def _fitted_size(text: str, font: str, size: float) -> float:
    """`size`, or smaller (never below the minimum) if the line would run into the QR code.

    A long document title in large print ("Notice to police: ... Page 1 of 3") is wider than the
    space beside the code; it is better set a little smaller than printed over it.
    """
    width = float(stringWidth(text, font, size))
    if width <= FOOTER_TEXT_WIDTH:
        return size
    return max(MIN_PT, size * FOOTER_TEXT_WIDTH / width)


class _PartMarker(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Zero-size flowable that tells the canvas which document the following pages belong to."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv.cars_part_title = self.title


def _canvas_class(identity: _Identity, first_title: str) -> type[Canvas]:
    """A canvas that keeps pages back until the end, so each can say "Page X of Y"."""

    class _PagedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._kept: list[dict[str, Any]] = []
            self.cars_part_title = first_title

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._kept.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._kept)
            identity.page_count = total
            for number, state in enumerate(self._kept, start=1):
                self.__dict__.update(state)
                identity.draw(self, number, total, state["cars_part_title"])
                super().showPage()
            super().save()

    return _PagedCanvas


def letterhead_block(site: Letterhead, styles: Styles) -> Flowable:
    """The site's letterhead: service and address on the left, how to reach the team on the right."""
    left = [Paragraph(f"<b>{_esc(site.service_name)}</b>", styles.body)]
    left += [Paragraph(_esc(line), styles.small) for line in site.address]
    right = [
        Paragraph(f"Phone: <b>{_esc(site.phone)}</b>", styles.small),
        Paragraph(f"E-mail: {_esc(site.email)}", styles.small),
        Paragraph(f"Open: {_esc(site.hours)}", styles.small),
    ]
    if site.specimen:
        right.append(Paragraph("<b>SPECIMEN contact details: not for real use</b>", styles.small))
    width = PAGE_WIDTH - 2 * MARGIN
    table = Table([[left, right]], colWidths=[width * 0.52, width * 0.48], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, black),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def render_parts(
    kind: DocumentKind,
    title: str,
    subject: Subject,
    site: Letterhead,
    parts: Sequence[DocumentPart],
    options: PrintOptions,
    recipient: str,
    pack_title: str | None = None,
) -> BuiltDocument:
    """Lay out one or more document parts as one PDF; each part starts on a new page with the
    letterhead, and the page identity (type, page X of Y) runs across the whole PDF."""
    if not parts:
        raise ValueError("a document needs at least one part")
    styles = styles_for(options.large_print)
    identity = _Identity(subject, options, pack_title)
    top = MARGIN + (COPY_BAND if options.copy_of is not None else 0)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top,
        bottomMargin=MARGIN + FOOTER_HEIGHT + 3 * mm,
        title=title,  # the title only: print queues show it, so never the person's name
        author=site.service_name,
        creator="CARS Desktop",
        invariant=True,
        # Each page opens its text state in the bundled font, so no page refers to reportlab's
        # default Helvetica (not embedded: a viewer would substitute whatever it has).
        initialFontName=FONT,
    )
    story: list[Flowable] = []
    for index, part in enumerate(parts):
        if index:
            story.append(PageBreak())
        story.append(_PartMarker(part.title))
        story.append(letterhead_block(site, styles))
        story.append(Paragraph(_esc(part.title), styles.title))
        story.extend(part.flowables(styles))
    doc.build(story, canvasmaker=_canvas_class(identity, parts[0].title))
    pdf = buffer.getvalue()
    return BuiltDocument(
        kind=kind,
        title=title,
        recipient=recipient,
        pdf=pdf,
        page_count=identity.page_count,
        sha256=pdf_sha256(pdf),
        subject=subject,
        parts=tuple(parts),
    )


def render(
    kind: DocumentKind,
    title: str,
    subject: Subject,
    site: Letterhead,
    flowables_factory: FlowablesFactory,
    options: PrintOptions,
    recipient: str,
) -> BuiltDocument:
    """Build one document from its flowables: the function every document builder calls.

    `flowables_factory(styles)` returns the body below the letterhead and title; it is kept on the
    result so a release pack can lay the same document out again inside the pack.
    """
    return render_parts(
        kind, title, subject, site, [DocumentPart(kind, title, flowables_factory)], options, recipient
    )
