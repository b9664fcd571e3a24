"""Import the court's daily list: choose the CSV, see every row (and what is wrong with bad ones), import.

Reading, checking and matching run on the task runner. The preview shows one row per line of the
file: bad rows with their problems (line, column, reason), good rows with who they will be listed
as (a known person, a new person, or "check": imported but flagged for a supervisor). Only good
rows are imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.services.court_list import (
    ImportReport,
    MatchKind,
    ParsedList,
    RowMatch,
    import_court_list,
    match_rows,
    read_court_list_file,
)
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.table_view import list_view
from cars_desktop.ui.widgets.typed_dates import uk_date

COLUMNS_HELP = (
    "The file must be CSV with a header row naming: date, court, courtroom, surname, forenames, "
    "date of birth, PNC ID, offence, hearing time (court, courtroom, PNC ID and offence may be empty). "
    "Dates as dd/mm/yyyy, times as 10:00."
)
_KIND_TEXT = {MatchKind.EXISTING: "Known person", MatchKind.NEW: "New person", MatchKind.CHECK: "Check"}


@dataclass(frozen=True)
class PreviewRow:
    """One line of the file as the preview shows it."""

    line: int
    name: str
    date_of_birth: str
    hearing: str
    courtroom: str
    outcome: str
    detail: str
    ok: bool


def preview_rows(parsed: ParsedList, matches: list[RowMatch]) -> list[PreviewRow]:
    """Bad rows with their problems and good rows with their match, in file order."""
    by_line = {m.row.line: m for m in matches}
    out: list[PreviewRow] = []
    for row in parsed.rows:
        hearing = (
            f"{uk_date(row.hearing_date)} {row.hearing_time.strftime('%H:%M') if row.hearing_time else ''}"
        )
        name = f"{row.family_name.upper()}, {row.given_names}"
        match = by_line.get(row.line)
        if not row.ok or match is None:
            problems = "; ".join(f"{p.column}: {p.message}" for p in row.problems)
            out.append(
                PreviewRow(
                    row.line,
                    name,
                    uk_date(row.date_of_birth),
                    hearing.strip(),
                    row.courtroom,
                    "Not imported",
                    problems,
                    False,
                )
            )
            continue
        outcome = "Already listed" if match.already_listed else _KIND_TEXT[match.kind]
        out.append(
            PreviewRow(
                row.line,
                name,
                uk_date(row.date_of_birth),
                hearing.strip(),
                row.courtroom,
                outcome,
                match.note,
                True,
            )
        )
    return out


PREVIEW_COLUMNS: list[Column[PreviewRow]] = [
    Column("Line", lambda r: str(r.line), lambda r: r.line),
    Column("Name", lambda r: r.name),
    Column("Date of birth", lambda r: r.date_of_birth),
    Column("Hearing", lambda r: r.hearing),
    Column("Courtroom", lambda r: r.courtroom),
    Column("Outcome", lambda r: r.outcome),
    Column("Details", lambda r: r.detail, tooltip=lambda r: r.detail),
]


class CourtListImportDialog(QDialog):
    """Choose, preview and import a court list."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._parsed: ParsedList | None = None
        self._matches: list[RowMatch] = []
        self.setWindowTitle("Import a court list")
        self.setAccessibleName("Import a court list")
        intro = QLabel(COLUMNS_HELP)
        intro.setWordWrap(True)
        self.choose_button = QPushButton("&Choose file…")
        self.choose_button.setAccessibleName("Choose the court list file")
        self.choose_button.clicked.connect(self.choose_file)
        self.summary = MessageLabel(MessageKind.NOTICE, "Preview summary")
        self.error = MessageLabel(MessageKind.ERROR, "Problem with the file")
        self.model: ColumnTableModel[PreviewRow] = ColumnTableModel(PREVIEW_COLUMNS, self)
        self.table = list_view("Rows of the court list", fit_to_contents=True)
        self.table.setModel(self.model)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton("&Import good rows", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setAccessibleName("Import the rows without problems")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.import_rows)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1000, 560)

    def choose_file(self) -> None:
        """Ask for the file, then preview it."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Court list", "", "Court lists (*.csv *.txt);;All files (*)"
        )
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Read, check and match the file off the GUI thread, then show the preview."""
        self.error.clear_message()
        self.import_button.setEnabled(False)
        session = self._context.session

        def work() -> tuple[ParsedList, list[RowMatch]]:
            parsed = read_court_list_file(path)
            return parsed, (match_rows(session, parsed) if parsed.good_rows else [])

        run_op(self._context.app.runner, work, self._show_preview, self.error.show_message, parent=self)

    def _show_preview(self, result: tuple[ParsedList, list[RowMatch]]) -> None:
        parsed, matches = result
        self._parsed, self._matches = parsed, matches
        self.model.set_rows(preview_rows(parsed, matches))
        if parsed.file_problems:
            self.error.show_message(" ".join(parsed.file_problems))
        bad = len(parsed.rows) - len(parsed.good_rows)
        to_add = sum(1 for m in matches if not m.already_listed)
        flagged = sum(1 for m in matches if m.kind is MatchKind.CHECK)
        if parsed.rows:
            self.summary.show_message(
                f"{len(parsed.rows)} rows read: {to_add} to import, {bad} with problems (not imported)"
                + (f", {flagged} to check for duplicates" if flagged else "")
                + "."
            )
        self.import_button.setEnabled(to_add > 0)
        self.table.setFocus()

    def import_rows(self) -> None:
        """Import the good rows (people created as needed) and tell the other pages."""
        matches = self._matches
        session = self._context.session
        self.import_button.setEnabled(False)
        run_op(
            self._context.app.runner,
            lambda: import_court_list(session, matches),
            self._context.bus.broadcasting(lambda report: report.changes, self._imported),
            self.error.show_message,
            parent=self,
        )

    def _imported(self, report: ImportReport) -> None:
        self._context.navigator.notify(
            f"Court list imported: {report.listed} listed, {report.people_created} new people"
            + (f", {len(report.flagged)} flagged to check for duplicates" if report.flagged else "")
            + "."
        )
        self.accept()
