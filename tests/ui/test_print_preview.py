"""The print preview shows a PDF from memory, pages and zooms, prints through QPrinter and saves the bytes."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt, QThread, QTimer
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from cars_desktop.documents import statutory_specimen as casework
from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.errors import NotPermitted
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui import pdf_pages
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.navigator import WindowNavigator
from cars_desktop.ui.print_preview_dialog import (
    PreviewActions,
    Printable,
    PrintPreviewDialog,
    service_actions,
)
from cars_desktop.ui.task_runner import InlineTaskRunner, TaskRunner


@dataclass(frozen=True)
class Doc:
    title: str
    pdf: bytes


def many_pages(count: int, title: str = "Specimen pack") -> Doc:
    out = io.BytesIO()
    pages = canvas.Canvas(out, pagesize=A4)
    for number in range(1, count + 1):
        pages.setFont("Helvetica", 24)
        pages.drawString(72, 760, f"Specimen page {number} of {count}")
        pages.showPage()
    pages.save()
    return Doc(title, out.getvalue())


def three_pages() -> Doc:
    return many_pages(3, "Specimen letter")


@dataclass
class Recorder:
    """Stands in for the services: keeps what would be logged, writes what would be saved."""

    document: Doc
    printed: list[str]
    saved: list[Path]

    def actions(self) -> PreviewActions:
        return PreviewActions(build=lambda: self.document, record_print=self.record_print, save=self.save)

    def record_print(self, document: Printable, where: str) -> Printable:
        self.printed.append(where)
        return document

    def save(self, document: Printable, path: Path) -> Printable:
        path.write_bytes(document.pdf)
        self.saved.append(path)
        return document


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(three_pages(), [], [])


def open_dialog(qtbot: QtBot, actions: PreviewActions) -> PrintPreviewDialog:
    dialog = PrintPreviewDialog(InlineTaskRunner(), actions)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_pages_and_zoom(qtbot: QtBot, recorder: Recorder) -> None:
    dialog = open_dialog(qtbot, recorder.actions())
    assert dialog.page_count == 3
    assert dialog.page_of.text() == "of 3"
    assert dialog.windowTitle() == "Print preview: Specimen letter"
    assert dialog.current_page == 0 and not dialog.previous_button.isEnabled()
    dialog.next_button.click()
    dialog.next_button.click()
    assert dialog.current_page == 2 and dialog.page_box.value() == 3
    assert not dialog.next_button.isEnabled()
    dialog.page_box.setValue(2)
    assert dialog.current_page == 1
    dialog.go_to_page(99)
    assert dialog.current_page == 2
    dialog.set_zoom(1.0)
    dialog.zoom_in_button.click()
    assert dialog.zoom_factor == pytest.approx(1.25)
    assert dialog.zoom_box.currentText() == "125%"
    dialog.zoom_out_button.click()
    dialog.zoom_out_button.click()
    assert dialog.zoom_factor == pytest.approx(0.75)


def test_print_to_a_pdf_printer_sends_every_page_after_logging(
    qtbot: QtBot, recorder: Recorder, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, recorder.actions())
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    with qtbot.waitSignal(dialog.sig_printed) as printed:
        dialog.print_to(printer)
    assert printed.args == ["file printed.pdf"]
    assert recorder.printed == ["file printed.pdf"]
    assert len(pypdf.PdfReader(tmp_path / "printed.pdf").pages) == 3
    assert "Sent 3 pages" in dialog.message.text()


def test_nothing_is_printed_when_the_print_cannot_be_logged(qtbot: QtBot, tmp_path: Path) -> None:
    def refuse(document: Printable, where: str) -> Printable:
        raise NotPermitted("your role does not allow you to print this document")

    actions = PreviewActions(build=three_pages, record_print=refuse, save=lambda d, p: d)
    dialog = open_dialog(qtbot, actions)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    with qtbot.waitSignal(dialog.sig_failed) as failed:
        dialog.print_to(printer)
    assert failed.args == ["Your role does not allow you to print this document"]
    assert not (tmp_path / "printed.pdf").exists()
    assert dialog.print_button.isEnabled()  # the document is still there to close or save


def test_save_as_pdf_writes_exactly_the_bytes(qtbot: QtBot, recorder: Recorder, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, recorder.actions())
    target = tmp_path / "letter.pdf"
    with qtbot.waitSignal(dialog.sig_saved):
        dialog.save_to(target)
    assert target.read_bytes() == recorder.document.pdf
    assert dialog.message.text() == "Saved as letter.pdf."


def test_a_build_failure_is_shown_and_leaves_the_buttons_off(qtbot: QtBot) -> None:
    def fail() -> Doc:
        raise NotPermitted("your role does not allow you to print this document")

    dialog = open_dialog(qtbot, PreviewActions(build=fail, record_print=lambda d, w: d, save=lambda d, p: d))
    assert dialog.message.text() == "Your role does not allow you to print this document"
    assert not dialog.print_button.isEnabled() and not dialog.save_button.isEnabled()


def test_building_runs_off_the_gui_thread(qtbot: QtBot, recorder: Recorder) -> None:
    runner = TaskRunner()
    dialog = PrintPreviewDialog(runner, recorder.actions())
    qtbot.addWidget(dialog)
    assert not dialog.print_button.isEnabled()  # not built yet: the window is up and waiting
    with qtbot.waitSignal(dialog.sig_ready) as ready:
        pass
    assert ready.args == [3]
    runner.shutdown()


def test_a_real_document_through_the_services(
    qtbot: QtBot, session: WorkstationSession, tmp_path: Path
) -> None:
    """A specimen required-assessment notice: previewed, printed to a PDF printer, saved, reprinted."""
    person = casework.specimen_person()
    save_records(
        session, [person, casework.specimen_episode(person), casework.initial_follow_up_required(person)]
    )
    actions = service_actions(session, person.id, DocumentKind.RA4_FOLLOW_UP_REQUIRED)
    dialog = open_dialog(qtbot, actions)
    assert dialog.page_count >= 1
    original = dialog.document
    assert original is not None
    dialog.go_to_page(dialog.page_count - 1)
    dialog.zoom_in()

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    with qtbot.waitSignal(dialog.sig_printed):
        dialog.print_to(printer)
    assert len(pypdf.PdfReader(tmp_path / "printed.pdf").pages) == dialog.page_count
    assert dialog.document is original  # the first print is the original

    with qtbot.waitSignal(dialog.sig_saved):
        dialog.save_to(tmp_path / "saved.pdf")
    reprint = dialog.document
    assert reprint is not None and reprint is not original  # printed before: saved as a copy
    assert (tmp_path / "saved.pdf").read_bytes() == reprint.pdf
    assert "COPY" in " ".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "saved.pdf").pages)


def test_printing_prepares_pages_off_the_gui_thread_and_the_window_keeps_running(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are rasterised on pool threads; between them the event loop runs (a timer ticks while
    "Preparing page N of 6" is shown) and every finished page reaches the printer."""
    render_threads: list[bool] = []
    real_render, gui_thread = pdf_pages.render_page, QThread.currentThread()

    def watched_render(pdf: bytes, page: int, dpi: int) -> pdf_pages.PageImage:
        render_threads.append(QThread.currentThread() is gui_thread)
        return real_render(pdf, page, dpi)

    monkeypatch.setattr(pdf_pages, "render_page", watched_render)
    runner = TaskRunner()
    recorder = Recorder(many_pages(6), [], [])
    dialog = PrintPreviewDialog(runner, recorder.actions())
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_ready):
        dialog.show()
    seen_while_ticking: list[str] = []
    ticker = QTimer()
    ticker.setInterval(1)
    ticker.timeout.connect(lambda: seen_while_ticking.append(dialog.message.text()))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    ticker.start()
    try:
        with qtbot.waitSignal(dialog.sig_printed, timeout=60_000):
            dialog.print_to(printer)
    finally:
        ticker.stop()
        runner.shutdown()
    assert render_threads == [False] * 6  # every page rendered, none on the GUI thread
    assert any(text.startswith("Preparing page") for text in seen_while_ticking)
    printed = pypdf.PdfReader(tmp_path / "printed.pdf")
    assert len(printed.pages) == 6
    assert dialog.message.text() == "Sent 6 pages to file printed.pdf."


def test_closing_the_preview_while_pages_are_prepared_stops_the_print(qtbot: QtBot, tmp_path: Path) -> None:
    runner = TaskRunner()
    dialog = PrintPreviewDialog(runner, Recorder(many_pages(6), [], []).actions())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # qtbot closes it again after
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_ready):
        dialog.show()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    dialog.print_to(printer)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Preparing page"), timeout=30_000)
    printed: list[str] = []
    dialog.sig_printed.connect(printed.append)
    dialog.close()
    runner.wait_for_done()  # the page being prepared arrives after the close and is dropped
    runner.shutdown()
    assert printed == [] and dialog.message.text().startswith("Preparing page")


@pytest.mark.parametrize("where", ["view", "page_box", "zoom_box", "print_button"])
def test_escape_closes_the_preview_and_drops_its_pages(qtbot: QtBot, recorder: Recorder, where: str) -> None:
    dialog = open_dialog(qtbot, recorder.actions())
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    pdf = dialog._pdf
    assert pdf is not None
    widget = getattr(dialog, where)
    widget.setFocus()
    assert QApplication.focusWidget() is widget
    with qtbot.waitSignal(dialog.destroyed):
        qtbot.keyClick(widget, Qt.Key.Key_Escape)
        assert not dialog.isVisible()
        assert dialog._pdf is None and not pdf.ready  # the pages dropped, as Close does


def test_escape_while_pages_are_prepared_stops_the_print(qtbot: QtBot, tmp_path: Path) -> None:
    runner = TaskRunner()
    dialog = PrintPreviewDialog(runner, Recorder(many_pages(6), [], []).actions())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # qtbot closes it again after
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_ready):
        dialog.show()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    dialog.print_to(printer)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Preparing page"), timeout=30_000)
    printed: list[str] = []
    dialog.sig_printed.connect(printed.append)
    qtbot.keyClick(dialog.view, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    runner.wait_for_done()
    runner.shutdown()
    assert printed == []


def test_a_settings_printer_not_installed_here_is_named_and_the_default_kept(
    qtbot: QtBot, recorder: Recorder
) -> None:
    missing = "Custody suite laser (not installed)"
    dialog = PrintPreviewDialog(InlineTaskRunner(), recorder.actions(), printer_name=missing)
    qtbot.addWidget(dialog)
    dialog.show()
    printer = dialog.new_printer()
    assert printer.printerName() != missing
    assert dialog.message.text() == (
        f"The printer set in Settings, {missing}, is not installed here; choose another"
    )


def test_no_settings_printer_leaves_the_default_and_says_nothing(qtbot: QtBot, recorder: Recorder) -> None:
    dialog = open_dialog(qtbot, recorder.actions())
    default = QPrinter(QPrinter.PrinterMode.HighResolution).printerName()
    assert dialog.new_printer().printerName() == default
    assert dialog.message.text() == ""


def test_an_installed_settings_printer_is_chosen_before_the_print_dialog(
    qtbot: QtBot, recorder: Recorder
) -> None:
    names = QPrinterInfo.availablePrinterNames()
    if not names:
        pytest.skip("no printers are installed on this computer (offscreen test runs usually have none)")
    dialog = PrintPreviewDialog(InlineTaskRunner(), recorder.actions(), printer_name=names[-1])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.new_printer().printerName() == names[-1]
    assert "not installed" not in dialog.message.text()


def test_the_navigator_passes_the_settings_printer_to_the_preview(
    qtbot: QtBot, session: WorkstationSession, tmp_path: Path
) -> None:
    """The printer name reaches the dialog through `WindowNavigator.open_preview`."""
    person = casework.specimen_person()
    save_records(
        session, [person, casework.specimen_episode(person), casework.initial_follow_up_required(person)]
    )
    (tmp_path / "settings.json").write_text(
        json.dumps({"workstation": {"printer_name": "Court office printer"}}), encoding="utf-8"
    )
    host = QWidget()
    qtbot.addWidget(host)

    class Host:
        def show_page(self, page_id: str) -> QWidget | None:
            return None

        def show_notice(self, message: str) -> None:
            pass

        def large_print(self) -> bool:
            return False

        def window(self) -> QWidget:
            return host

    context = AppContext(settings=session.settings, data_dir=tmp_path, runner=InlineTaskRunner())
    navigator = WindowNavigator(Host(), context, session, ChangeBus())
    dialog = navigator.open_preview(person.id, DocumentKind.RA4_FOLLOW_UP_REQUIRED.value)
    assert dialog._printer_name == "Court office printer"
    dialog.new_printer()
    if "Court office printer" not in QPrinterInfo.availablePrinterNames():
        assert "Court office printer, is not installed here" in dialog.message.text()
    navigator.close_all()
