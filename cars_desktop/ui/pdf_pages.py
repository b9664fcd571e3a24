"""PDF bytes in memory to Qt: load into a `QPdfDocument` and print page by page to a `QPrinter`.

The bytes never touch the disk on the way: they are wrapped in a `QBuffer` that lives as long as
the document (QtPdf reads from the device lazily, so the buffer and its byte array must outlive
it). Printing rasterises each page with QtPdf (pdfium) at the printer's resolution, capped so a
600 dpi laser does not need 140 MB per page; 300 dpi is sharp for 12 pt text and a QR code.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QObject, QRectF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from cars_desktop.domain.errors import CarsError

MAX_PRINT_DPI = 300
POINTS_PER_INCH = 72.0


class PrintFailed(CarsError):
    """The printer could not be started or a page could not be drawn; nothing more was sent."""


class InMemoryPdf(QObject):
    """A `QPdfDocument` read from bytes held in memory, with the buffer kept alive beside it."""

    def __init__(self, pdf: bytes, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)

    @property
    def ready(self) -> bool:
        """Whether QtPdf parsed the bytes (a QBuffer is read at once, so this is known after load)."""
        return self.document.status() is QPdfDocument.Status.Ready

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def page_size_points(self, page: int) -> QSizeF:
        """A page's size in PostScript points (A4 portrait is 595 x 842)."""
        return self.document.pagePointSize(page)

    def close(self) -> None:
        """Drop the parsed document and the bytes it was read from."""
        self.document.close()
        self._buffer.close()
        self._bytes.clear()


def _page_layout_for(size_points: QSizeF) -> QPageLayout:
    """A layout of the page's own size with no printer margins: the PDF's margins are on the page."""
    landscape = size_points.width() > size_points.height()
    portrait = QSizeF(
        min(size_points.width(), size_points.height()), max(size_points.width(), size_points.height())
    )
    page_size = QPageSize(portrait, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(page_size, orientation, QMarginsF())


def _fit(target: QRectF, size: QSizeF) -> QRectF:
    """The largest rectangle of `size`'s proportions centred in `target`."""
    scale = min(target.width() / size.width(), target.height() / size.height())
    width, height = size.width() * scale, size.height() * scale
    return QRectF(
        target.x() + (target.width() - width) / 2, target.y() + (target.height() - height) / 2, width, height
    )


def _pixel_size(points: QSizeF, dpi: int) -> QSize:
    return QSize(
        round(points.width() * dpi / POINTS_PER_INCH), round(points.height() * dpi / POINTS_PER_INCH)
    )


def print_pdf(pdf: InMemoryPdf, printer: QPrinter) -> int:
    """Send every page to `printer` (already set up by a print dialog or a test); return pages sent.

    Each page is drawn to fill the paper, keeping its proportions, because the documents are laid
    out on A4 with margins a cheap laser can print. Raises `PrintFailed` with a message for the
    person at the printer if the printer will not start or a page cannot be drawn.
    """
    if not pdf.ready or pdf.page_count == 0:
        raise PrintFailed("the document could not be read for printing; close the preview and try again")
    printer.setFullPage(True)
    printer.setPageLayout(_page_layout_for(pdf.page_size_points(0)))
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintFailed("the printer could not be started; check it is switched on and try again")
    try:
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        for page in range(pdf.page_count):
            points = pdf.page_size_points(page)
            if page:
                printer.setPageLayout(_page_layout_for(points))
                if not printer.newPage():
                    raise PrintFailed(f"the printer stopped after page {page}; collect what printed")
            image = pdf.document.render(page, _pixel_size(points, dpi))
            if image.isNull():
                raise PrintFailed(f"page {page + 1} could not be drawn; nothing after it was printed")
            paper = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
            paper.moveTo(0, 0)
            painter.drawImage(_fit(paper, QSizeF(image.size())), image)
        return pdf.page_count
    finally:
        painter.end()
