"""PDF bytes in memory to Qt: load into a `QPdfDocument` and print page by page to a `QPrinter`.

The bytes never touch the disk on the way: they are wrapped in a `QBuffer` that lives as long as
the document (QtPdf reads from the device lazily, so the buffer and its byte array must outlive
it). Printing rasterises each page with QtPdf (pdfium) at the printer's resolution, capped so a
600 dpi laser does not need 140 MB per page; 300 dpi is sharp for 12 pt text and a QR code.
Rasterising takes about 0.1 s a page, so a `PrintJob` does it on the task runner, page by page,
and only paints the finished images on the GUI thread: the window stays responsive and shows
which page is being prepared.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QObject, QRectF, QSize, QSizeF, Signal
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from cars_desktop.domain.errors import CarsError
from cars_desktop.ui.task_runner import BaseTaskRunner

MAX_PRINT_DPI = 300
POINTS_PER_INCH = 72.0


class PrintFailed(CarsError):
    """The printer could not be started or a page could not be drawn; nothing more was sent."""


@dataclass(frozen=True)
class PageImage:
    """One page rasterised for the printer, with the page's size in points (for the paper layout)."""

    page: int
    image: QImage
    points: QSizeF


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


def render_page(pdf: bytes, page: int, dpi: int) -> PageImage:
    """Rasterise one page of `pdf` at `dpi` in the calling thread (a task-runner worker).

    The page is read by a `QPdfDocument` made here and dropped here: a QObject belongs to the thread
    that made it, so the preview's own document (GUI thread) is never touched from a worker. QtPdf
    serialises its calls into pdfium, so this may run while the preview draws. Raises
    `PrintFailed` if the page cannot be drawn.
    """
    reader = InMemoryPdf(pdf)
    try:
        if not reader.ready or page >= reader.page_count:
            raise PrintFailed("the document could not be read for printing; close the preview and try again")
        points = reader.page_size_points(page)
        image = reader.document.render(page, _pixel_size(points, dpi))
    finally:
        reader.close()
    if image.isNull():
        raise PrintFailed(f"page {page + 1} could not be drawn; nothing after it was printed")
    return PageImage(page, image, points)


class PrintJob(QObject):
    """Sends a PDF to a printer page by page without blocking the window.

    Each page is rasterised by `render_page` on the task runner; only painting the finished image
    into the `QPrinter` happens on the GUI thread (a QPainter on a printer must stay in the thread
    that began it). One page is in memory at a time: a 300 dpi A4 page is some 35 MB. Each page is
    drawn to fill the paper, keeping its proportions, because the documents are laid out on A4 with
    margins a cheap laser can print.
    """

    sig_progress = Signal(int, int)
    """A page is being prepared (its number from 1, the page count)."""
    sig_done = Signal(int)
    """Every page went to the printer (the page count)."""
    sig_failed = Signal(object)
    """The printer would not start or a page could not be drawn (the exception); the job is over."""

    def __init__(
        self, runner: BaseTaskRunner, pdf: bytes, printer: QPrinter, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._pdf = pdf
        self._printer = printer
        self._painter = QPainter()
        self._page_count = 0
        self._dpi = MAX_PRINT_DPI
        self._over = False

    @property
    def active(self) -> bool:
        """Whether pages are still being prepared or sent."""
        return self._painter.isActive()

    def start(self) -> None:
        """Start the printer and ask for the first page; progress and the end come as signals."""
        reader = InMemoryPdf(self._pdf)
        try:
            ready, self._page_count = reader.ready, reader.page_count
            first = reader.page_size_points(0) if ready and self._page_count else QSizeF()
        finally:
            reader.close()
        if not ready or self._page_count == 0:
            self._fail(
                PrintFailed("the document could not be read for printing; close the preview and try again")
            )
            return
        self._printer.setFullPage(True)
        self._printer.setPageLayout(_page_layout_for(first))
        if not self._painter.begin(self._printer):
            self._fail(PrintFailed("the printer could not be started; check it is switched on and try again"))
            return
        self._dpi = min(self._printer.resolution(), MAX_PRINT_DPI)
        self._prepare(0)

    def cancel(self) -> None:
        """Stop sending pages (the window is closing); pages already sent stay sent."""
        if self._over:
            return
        self._over = True
        if self._painter.isActive():
            self._printer.abort()
            self._painter.end()

    def _prepare(self, page: int) -> None:
        self.sig_progress.emit(page + 1, self._page_count)
        pdf, dpi = self._pdf, self._dpi
        self._runner.run(lambda: render_page(pdf, page, dpi), self._paint, self._fail)

    def _paint(self, rendered: PageImage) -> None:
        if self._over:
            return  # cancelled while the page was being prepared
        if rendered.page:
            self._printer.setPageLayout(_page_layout_for(rendered.points))
            if not self._printer.newPage():
                self._fail(
                    PrintFailed(f"the printer stopped after page {rendered.page}; collect what printed")
                )
                return
        paper = QRectF(self._printer.paperRect(QPrinter.Unit.DevicePixel))
        paper.moveTo(0, 0)
        self._painter.drawImage(_fit(paper, QSizeF(rendered.image.size())), rendered.image)
        if rendered.page + 1 < self._page_count:
            self._prepare(rendered.page + 1)
            return
        self._over = True
        self._painter.end()
        self.sig_done.emit(self._page_count)

    def _fail(self, exc: BaseException) -> None:
        if self._over:
            return
        self._over = True
        if self._painter.isActive():
            self._painter.end()
        self.sig_failed.emit(exc)
