"""The print preview: a document built in memory, shown page by page, printed or saved as PDF.

The dialog stands on its own: what it shows and what it logs come in a `PreviewActions`, three
callables that run on the task runner, off the GUI thread (building a large release pack must not
freeze the window; printing and saving write audit entries to the store). The pages page is
rendered by QtPdf from the bytes in memory; no copy is written anywhere but the file the user picks.

Order of events: printing logs the disclosure first, then sends the pages, so a print can never
reach paper unlogged (if the printer then fails, the log over-states, which is the safe side).
Saving writes the file and logs it in one service call.

Opened with `open()`, never `exec()`, so the event loop keeps running; the print and file dialogs
are opened the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QPointF, QStandardPaths, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.documents.model import DocumentKind
from cars_desktop.services.documents import PreparedDocument, preview_document, record_print, record_save
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op, user_message
from cars_desktop.ui.pdf_pages import InMemoryPdf, PrintJob
from cars_desktop.ui.task_runner import BaseTaskRunner

ZOOM_STEPS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
FIT_WIDTH = "Fit width"
WHOLE_PAGE = "Whole page"


class Printable(Protocol):
    """What the dialog needs of a built document (`documents.BuiltDocument` is one)."""

    @property
    def title(self) -> str: ...

    @property
    def pdf(self) -> bytes: ...


@dataclass(frozen=True)
class PreviewActions:
    """What the preview asks of the program; each callable runs on the task runner.

    `build` makes the document (and logs the consultation); `record_print` logs a disclosure to the
    named printer before any page is sent and returns the document to send (a reprint comes back
    rebuilt as a copy); `save` writes the chosen file, logs the disclosure and returns what it wrote.
    """

    build: Callable[[], Printable]
    record_print: Callable[[Printable, str], Printable]
    save: Callable[[Printable, Path], Printable]


def service_actions(
    session: WorkstationSession,
    person_id: uuid.UUID,
    kind: DocumentKind,
    *,
    source_id: uuid.UUID | None = None,
    variant: str | None = None,
    large_print: bool = False,
    recipient: str | None = None,
) -> PreviewActions:
    """The preview's actions for one document about a person, through the document services."""

    def prepared(document: Printable) -> PreparedDocument:
        assert isinstance(document, PreparedDocument), "built by preview_document"
        return document

    return PreviewActions(
        build=lambda: preview_document(
            session, person_id, kind, source_id=source_id, variant=variant, large_print=large_print
        ),
        record_print=lambda document, where: record_print(session, prepared(document), recipient, where),
        save=lambda document, path: record_save(session, prepared(document), recipient, path),
    )


def printer_label(printer: QPrinter) -> str:
    """How the audit log names where the pages went: the printer, or the file a PDF printer wrote."""
    if printer.outputFormat() is QPrinter.OutputFormat.PdfFormat:
        return f"file {Path(printer.outputFileName()).name}"
    return printer.printerName() or "default printer"


class PrintPreviewDialog(QDialog):
    """Preview, print and save one document; buttons wake up once the document is built."""

    sig_ready = Signal(int)
    """The document is built and shown (its page count)."""
    sig_printed = Signal(str)
    """Every page went to the printer (the printer's name as logged)."""
    sig_saved = Signal(str)
    """The file was written and logged (its path)."""
    sig_failed = Signal(str)
    """Building, printing or saving failed (the message shown)."""

    def __init__(
        self,
        runner: BaseTaskRunner,
        actions: PreviewActions,
        parent: QWidget | None = None,
        *,
        printer_name: str | None = None,
    ) -> None:
        """`printer_name` is the printer set in Settings (None: the computer's default printer)."""
        super().__init__(parent)
        self._runner = runner
        self._actions = actions
        self._printer_name = printer_name
        self._document: Printable | None = None
        self._pdf: InMemoryPdf | None = None
        self._print_job: PrintJob | None = None
        self.setWindowTitle("Print preview")
        self.setAccessibleName("Print preview")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setSizeGripEnabled(True)
        self._build_widgets()
        self._set_busy("Preparing the document…")
        run_op(runner, actions.build, self._on_built, self._on_failed, parent=self)

    # ---- layout -------------------------------------------------------------------------------

    def _button(self, text: str, accessible: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(accessible)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _build_widgets(self) -> None:
        self.previous_button = self._button("◀ &Previous", "Previous page", self.previous_page)
        self.next_button = self._button("&Next ▶", "Next page", self.next_page)
        self.page_box = QSpinBox()
        self.page_box.setAccessibleName("Page number")
        self.page_box.setMinimum(1)
        self.page_box.valueChanged.connect(lambda value: self.go_to_page(value - 1))
        self.page_of = QLabel("of 0")
        page_label = QLabel("P&age")
        page_label.setBuddy(self.page_box)
        self.zoom_out_button = self._tool_button("−", "Zoom out", self.zoom_out)
        self.zoom_in_button = self._tool_button("+", "Zoom in", self.zoom_in)
        self.zoom_box = QComboBox()
        self.zoom_box.setAccessibleName("Zoom")
        self.zoom_box.addItems([WHOLE_PAGE, FIT_WIDTH, *(f"{round(z * 100)}%" for z in ZOOM_STEPS)])
        self.zoom_box.currentTextChanged.connect(self._zoom_chosen)
        zoom_label = QLabel("&Zoom")
        zoom_label.setBuddy(self.zoom_box)
        tools = QHBoxLayout()
        paging: tuple[QWidget, ...] = (self.previous_button, page_label, self.page_box, self.page_of)
        zooming: tuple[QWidget, ...] = (zoom_label, self.zoom_out_button, self.zoom_box, self.zoom_in_button)
        for widget in (*paging, self.next_button):
            tools.addWidget(widget)
        tools.addStretch(1)
        for widget in zooming:
            tools.addWidget(widget)

        self.view = QPdfView(self)
        self.view.setAccessibleName("Document pages")
        self.view.setPageMode(QPdfView.PageMode.SinglePage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.pageNavigator().currentPageChanged.connect(self._page_shown)
        self.view.setMinimumSize(420, 480)

        self.message = MessageLabel(MessageKind.NOTICE, "Print preview message")
        self.save_button = self._button("&Save as PDF…", "Save as PDF", self.save_as)
        self.print_button = self._button("&Print…", "Print", self.print_document)
        self.print_button.setDefault(True)
        self.close_button = self._button("&Close", "Close", self._close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addStretch(1)
        for widget in (self.save_button, self.print_button, self.close_button):
            buttons.addWidget(widget)

        column = QVBoxLayout(self)
        column.addLayout(tools)
        column.addWidget(self.view, 1)
        column.addLayout(buttons)
        self._shortcut(QKeySequence.StandardKey.Print, self.print_document)
        self._shortcut(QKeySequence.StandardKey.Save, self.save_as)
        self._shortcut(QKeySequence.StandardKey.ZoomIn, self.zoom_in)
        self._shortcut(QKeySequence.StandardKey.ZoomOut, self.zoom_out)
        self._shortcut(QKeySequence(Qt.Key.Key_PageDown), self.next_page)
        self._shortcut(QKeySequence(Qt.Key.Key_PageUp), self.previous_page)

    def _shortcut(self, keys: QKeySequence | QKeySequence.StandardKey, slot: Callable[[], None]) -> None:
        shortcut = QShortcut(keys, self)
        shortcut.activated.connect(slot)

    def _tool_button(self, text: str, accessible: str, slot: Callable[[], None]) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(accessible)
        button.setAccessibleName(accessible)
        button.clicked.connect(slot)
        return button

    def _close(self) -> None:
        self.close()

    def _set_busy(self, text: str) -> None:
        for widget in self._document_widgets():
            widget.setEnabled(False)
        self.message.setStyleSheet(MessageKind.NOTICE.value)
        self.message.show_message(text)

    def _document_widgets(self) -> tuple[QWidget, ...]:
        return (
            self.previous_button,
            self.next_button,
            self.page_box,
            self.zoom_box,
            self.zoom_in_button,
            self.zoom_out_button,
            self.save_button,
            self.print_button,
        )

    def _set_ready(self, text: str = "", kind: MessageKind = MessageKind.NOTICE) -> None:
        for widget in self._document_widgets():
            widget.setEnabled(self._pdf is not None)
        self._update_page_buttons()
        self.message.setStyleSheet(kind.value)
        self.message.show_message(text)

    # ---- the document -------------------------------------------------------------------------

    @property
    def document(self) -> Printable | None:
        """The document shown, once built."""
        return self._document

    @property
    def page_count(self) -> int:
        return self._pdf.page_count if self._pdf is not None else 0

    def _on_built(self, document: Printable) -> None:
        if not self._show(document):
            self._on_failed("the document could not be shown; try again, and tell IT support if it recurs")
            return
        self._set_ready()
        self.view.setFocus()
        self.sig_ready.emit(self.page_count)

    def _show(self, document: Printable) -> bool:
        """Show `document` in place of the one shown (a reprint comes back marked COPY)."""
        if self._document is not None and document.pdf == self._document.pdf:
            self._document = document
            return True
        pdf = InMemoryPdf(document.pdf, self)
        if not pdf.ready or pdf.page_count == 0:
            pdf.close()
            return False
        page = self.current_page if self._pdf is not None else 0
        old, self._document, self._pdf = self._pdf, document, pdf
        self.setWindowTitle(f"Print preview: {document.title}")
        self.view.setDocument(pdf.document)
        if old is not None:
            old.close()
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(pdf.page_count)
        self.page_box.setValue(1)
        self.page_box.blockSignals(False)
        self.page_of.setText(f"of {pdf.page_count}")
        self.go_to_page(page)
        return True

    def _on_failed(self, message: str) -> None:
        self._set_ready(message, MessageKind.ERROR)
        self.sig_failed.emit(message)

    # ---- pages and zoom -----------------------------------------------------------------------

    @property
    def current_page(self) -> int:
        """The page shown, counted from 0."""
        return self.view.pageNavigator().currentPage()

    def go_to_page(self, page: int) -> None:
        """Show page `page` (from 0), kept within the document."""
        if self._pdf is None:
            return
        page = max(0, min(page, self._pdf.page_count - 1))
        navigator = self.view.pageNavigator()
        navigator.jump(page, QPointF(), navigator.currentZoom())

    def next_page(self) -> None:
        self.go_to_page(self.current_page + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.current_page - 1)

    def _page_shown(self, page: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(page + 1)
        self.page_box.blockSignals(False)
        self._update_page_buttons()

    def _update_page_buttons(self) -> None:
        count = self.page_count
        self.previous_button.setEnabled(count > 0 and self.current_page > 0)
        self.next_button.setEnabled(count > 0 and self.current_page < count - 1)

    @property
    def zoom_factor(self) -> float:
        return self.view.zoomFactor()

    def set_zoom(self, factor: float) -> None:
        """Show pages at `factor` times their printed size (1.0 is 100%)."""
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(factor)
        self.zoom_box.blockSignals(True)
        self.zoom_box.setCurrentText(f"{round(factor * 100)}%")
        self.zoom_box.blockSignals(False)

    def zoom_in(self) -> None:
        current = self._custom_zoom()
        self.set_zoom(next((z for z in ZOOM_STEPS if z > current + 0.01), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        current = self._custom_zoom()
        self.set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < current - 0.01), ZOOM_STEPS[0]))

    def _custom_zoom(self) -> float:
        """The zoom in force; a fitted page counts as 100% (QtPdf does not report the fitted factor)."""
        if self.view.zoomMode() is QPdfView.ZoomMode.Custom:
            return self.view.zoomFactor()
        return 1.0

    def _zoom_chosen(self, text: str) -> None:
        if text == FIT_WIDTH:
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        elif text == WHOLE_PAGE:
            self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        else:
            self.set_zoom(int(text.rstrip("%")) / 100)

    # ---- print and save -----------------------------------------------------------------------

    def print_document(self) -> None:
        """Ask which printer (the system print dialog, opened without blocking), then print."""
        if self._pdf is None:
            return
        printer = self.new_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.print_to(printer))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()  # as QDialog.open() does; PySide6 types QPrintDialog.open() only with a slot

    def new_printer(self) -> QPrinter:
        """A printer for the print dialog, with the printer set in Settings chosen if it is installed.

        The user can still pick another in the dialog. A Settings printer that is not installed on
        this computer is named in the status line (the default printer stays chosen), so the user
        knows why their usual printer is not the one offered.
        """
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        name = self._printer_name
        if name:
            if name in QPrinterInfo.availablePrinterNames():
                printer.setPrinterName(name)
            else:
                self.message.setStyleSheet(MessageKind.NOTICE.value)
                self.message.show_message(
                    f"The printer set in Settings, {name}, is not installed here; choose another"
                )
        return printer

    def print_to(self, printer: QPrinter) -> None:
        """Log the disclosure to this printer off the GUI thread, then send every page to it."""
        document = self._document
        if document is None or self._pdf is None:
            return
        where = printer_label(printer)
        self._set_busy("Printing…")

        def logged(to_send: Printable) -> None:
            if not self._show(to_send):
                self._on_failed("the copy could not be prepared; nothing was printed")
                return
            self._send(to_send, printer, where)

        run_op(
            self._runner,
            lambda: self._actions.record_print(document, where),
            logged,
            self._on_failed,
            parent=self,
        )

    def _send(self, document: Printable, printer: QPrinter, where: str) -> None:
        """Send the pages through a `PrintJob`: prepared on the task runner, painted here."""
        job = PrintJob(self._runner, document.pdf, printer, self)
        self._print_job = job
        job.sig_progress.connect(
            lambda page, total: self.message.show_message(f"Preparing page {page} of {total}…")
        )

        def done(pages: int) -> None:
            self._print_job = None
            self._set_ready(f"Sent {pages} page{'s' if pages != 1 else ''} to {where}.")
            self.sig_printed.emit(where)

        def failed(exc: BaseException) -> None:
            self._print_job = None
            self._on_failed(user_message(exc))

        job.sig_done.connect(done)
        job.sig_failed.connect(failed)
        job.start()

    def save_as(self) -> None:
        """Ask where to save (a file dialog, opened without blocking), then save there."""
        if self._document is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(self, "Save as PDF", folder, "PDF documents (*.pdf)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.selectFile(_file_name_for(self._document.title))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda name: self.save_to(Path(name)))
        dialog.open()

    def save_to(self, path: Path) -> None:
        """Write the document to `path` and log it, off the GUI thread."""
        document = self._document
        if document is None:
            return
        self._set_busy("Saving…")

        def saved(written: Printable) -> None:
            self._show(written)
            self._set_ready(f"Saved as {path.name}.")
            self.sig_saved.emit(str(path))

        run_op(self._runner, lambda: self._actions.save(document, path), saved, self._on_failed, parent=self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Forget the pages and stop a print being prepared (see `_release`)."""
        self._release()
        super().closeEvent(event)

    def reject(self) -> None:
        """Escape closes the preview as Close does.

        QDialog's Escape calls `reject`, which hides (and, with WA_DeleteOnClose, deletes) the
        dialog without a close event, so without this the pages and a print in preparation would
        outlive the window until deletion.
        """
        self._release()
        super().reject()

    def _release(self) -> None:
        """Forget the pages: the bytes are dropped with the dialog, never left anywhere.

        A print still being prepared is stopped: pages already sent stay sent. Safe to call twice.
        """
        if self._print_job is not None:
            self._print_job.cancel()
            self._print_job = None
        if self._pdf is not None:
            self.view.setDocument(None)  # type: ignore[arg-type]
            self._pdf.close()
            self._pdf = None


def _file_name_for(title: str) -> str:
    """A file name from the document's title (letters, digits and dashes only)."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")
    return f"{'-'.join(filter(None, safe.split('-'))) or 'document'}.pdf"
