"""The audit log viewer: filters, a page of entries at a time, and "Verify chain".

The log can hold hundreds of thousands of entries, so the page never holds it: each read is one
page from `services.audit_log_view` through the task runner (keyset paging, newest first), and the
page keeps only the cursors of the pages before it so "Newer" can go back. Opening the log and each
new filter are logged as a consultation by the service; turning pages is not.

"Verify chain" walks the whole chain off the GUI thread (`services.audit_check`), with a busy bar
while it runs, and reports the number of entries checked or the first bad one. The walk has no
progress callback, so the bar shows activity rather than a percentage.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.services.audit_check import verify_audit_log
from cars_desktop.services.audit_log_view import (
    DEFAULT_PAGE_SIZE,
    AuditChoices,
    AuditFilter,
    AuditPage,
    audit_choices,
    read_audit_page,
)
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.audit_log_model import AuditLogModel
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.user_dialogs import button
from cars_desktop.ui.table_view import fit_columns, list_view
from cars_desktop.ui.widgets.typed_dates import DATE_HINT, parse_typed_date

ANY = ""


def _line(accessible_name: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setAccessibleName(accessible_name)
    field.setPlaceholderText(placeholder)
    field.setClearButtonEnabled(True)
    return field


class AuditLogPage(QWidget):
    """Filters above, the page of entries in the middle, paging and verification below."""

    def __init__(
        self, context: PageContext, parent: QWidget | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._page_size = page_size
        self.setAccessibleName("Audit log")
        self._filter: AuditFilter | None = None  # the filter last applied (and logged)
        self._cursors: list[int | None] = [None]  # cursor of each page from the newest to this one
        self.page: AuditPage | None = None
        self._loaded = False

        heading = QLabel("<h2>Audit log</h2>")
        intro = QLabel(
            "Everything done with personal data at this workstation, and every unlock and administrative "
            "action, newest first. Looking at the log is recorded in it too."
        )
        intro.setWordWrap(True)

        self.date_from = _line("From date", DATE_HINT)
        self.date_to = _line("To date", DATE_HINT)
        self.user = QComboBox()
        self.user.setEditable(True)
        self.user.setAccessibleName("User")
        user_line = self.user.lineEdit()
        assert user_line is not None  # an editable combo box always has one
        user_line.setPlaceholderText("anyone")
        self.operation = QComboBox()
        self.operation.setAccessibleName("What was done")
        self.operation.addItem("Anything", ANY)
        self.record_type = _line("Record type", "for example person")
        self.record_id = _line("Record id", "the record's id, in full")
        self.apply_button = button("&Apply filter", "Apply the filter")
        self.clear_button = button("C&lear filter", "Clear the filter")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply_filter)
        self.clear_button.clicked.connect(self.clear_filter)
        for field in (self.date_from, self.date_to, self.record_type, self.record_id):
            field.returnPressed.connect(self.apply_filter)
        user_line.returnPressed.connect(self.apply_filter)

        filters = QGridLayout()
        for column, (text, widget) in enumerate(
            (
                ("&From", self.date_from),
                ("&To", self.date_to),
                ("&User", self.user),
                ("&What", self.operation),
                ("Record t&ype", self.record_type),
                ("Record &id", self.record_id),
            )
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label, 0, column)
            filters.addWidget(widget, 1, column)
        filters.setColumnStretch(5, 2)
        filter_buttons = QHBoxLayout()
        filter_buttons.addWidget(self.apply_button)
        filter_buttons.addWidget(self.clear_button)
        filter_buttons.addStretch(1)

        self.model = AuditLogModel(self)
        self.table = list_view("Audit log entries", self)
        self.table.setModel(self.model)
        self.table.setWordWrap(False)

        self.newer_button = button("< Newer", "Show newer entries", "Alt+Left")
        self.older_button = button("Older >", "Show older entries", "Alt+Right")
        self.newer_button.clicked.connect(self.newer)
        self.older_button.clicked.connect(self.older)
        self.position = QLabel("")
        self.position.setAccessibleName("Entries shown")
        paging = QHBoxLayout()
        paging.addWidget(self.newer_button)
        paging.addWidget(self.older_button)
        paging.addWidget(self.position, 1)

        self.verify_button = button("&Verify chain", "Verify the audit log's chain")
        self.verify_button.clicked.connect(self.verify)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Checking the audit log")
        self.progress.setRange(0, 0)  # busy: the walk reports no progress of its own
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(240)
        self.verify_result = MessageLabel(MessageKind.NOTICE, "Result of the check", self)
        self.verify_error = MessageLabel(MessageKind.ERROR, "Result of the check", self)
        paging.addWidget(self.progress)
        paging.addWidget(self.verify_button)

        self.error = MessageLabel(MessageKind.ERROR, "Problem", self)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(filters)
        layout.addLayout(filter_buttons)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(paging)
        layout.addWidget(self.verify_result)
        layout.addWidget(self.verify_error)
        context.bus.sig_changed.connect(self._on_changed)
        self._update_paging()

    # -- reading ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Open the log the first time the page is shown (that opening is what gets logged)."""
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            session = self._context.session
            run_op(
                self._context.app.runner,
                lambda: audit_choices(session),
                self._fill_choices,
                self.error.show_message,
                parent=self,
            )
            self.apply_filter()

    def _fill_choices(self, choices: AuditChoices) -> None:
        typed = self.user.currentText()
        self.user.clear()
        self.user.addItem("")
        self.user.addItems(list(choices.usernames))
        self.user.setCurrentText(typed)
        if self.operation.count() == 1:
            for value, label in choices.operations:
                self.operation.addItem(label, value)

    def current_filter(self) -> AuditFilter | None:
        """The filter typed, or None (with the reason shown) if a date cannot be read."""
        today = date.today()
        days: list[date | None] = []
        for field, name in ((self.date_from, "from"), (self.date_to, "to")):
            try:
                days.append(parse_typed_date(field.text(), today))
            except ValueError as exc:
                self.error.show_message(f"the '{name}' date: {exc}")
                field.setFocus()
                return None
        return AuditFilter(
            date_from=days[0],
            date_to=days[1],
            username=self.user.currentText(),
            operation=str(self.operation.currentData() or ""),
            record_type=self.record_type.text(),
            record_id=self.record_id.text(),
        )

    def apply_filter(self) -> None:
        """Show the newest entries the filter matches; a new filter is logged as a consultation."""
        wanted = self.current_filter()
        if wanted is None:
            return
        self._cursors = [None]
        self._read(wanted, None, log=wanted != self._filter)

    def clear_filter(self) -> None:
        """Empty every filter field and show the whole log again."""
        for field in (self.date_from, self.date_to, self.record_type, self.record_id):
            field.clear()
        self.user.setCurrentText("")
        self.operation.setCurrentIndex(0)
        self.apply_filter()

    def older(self) -> None:
        """The next page of older entries."""
        if self.page is None or self.page.older_cursor is None:
            return
        self._cursors.append(self.page.older_cursor)
        self._read(self.page.filter, self.page.older_cursor, log=False)

    def newer(self) -> None:
        """Back to the page of newer entries."""
        if self.page is None or len(self._cursors) < 2:
            return
        self._cursors.pop()
        self._read(self.page.filter, self._cursors[-1], log=False)

    def _read(self, flt: AuditFilter, before: int | None, *, log: bool) -> None:
        session, size = self._context.session, self._page_size

        def show(page: AuditPage) -> None:
            self.error.clear_message()
            if log:
                self._filter = page.filter
            self.page = page
            self.model.set_rows(page.entries)
            fit_columns(self.table)
            if page.entries:
                self.table.selectRow(0)
            self._update_paging()

        def failed(message: str) -> None:
            if before is not None and self._cursors and self._cursors[-1] == before:
                self._cursors.pop()  # the page was not reached
            self.error.show_message(message)
            self._update_paging()

        run_op(
            self._context.app.runner,
            lambda: read_audit_page(session, flt, before_seq=before, page_size=size, log_consultation=log),
            show,
            failed,
            parent=self,
        )

    def _update_paging(self) -> None:
        page = self.page
        self.newer_button.setEnabled(len(self._cursors) > 1)
        self.older_button.setEnabled(page is not None and page.older_cursor is not None)
        if page is None:
            self.position.setText("")
        elif not page.entries:
            self.position.setText("No entries match the filter.")
        else:
            first = (len(self._cursors) - 1) * self._page_size + 1
            last = first + len(page.entries) - 1
            self.position.setText(f"Entries {first:,} to {last:,} of {page.total:,}, newest first")
        self.position.setAccessibleDescription(self.position.text())

    def _on_changed(self, _changes: Changes) -> None:
        """Anything saved adds entries: re-read the newest page if that is the one in view."""
        if self.page is not None and len(self._cursors) == 1:
            self._read(self.page.filter, None, log=False)

    # -- verification ------------------------------------------------------------------------

    def verify(self) -> None:
        """Walk the whole chain in the background and say what was found."""
        session = self._context.session
        self.verify_button.setEnabled(False)
        self.progress.setVisible(True)
        self.verify_result.clear_message()
        self.verify_error.clear_message()

        def done(count: int) -> None:
            self._verify_finished()
            self.verify_result.show_message(
                f"The audit log is intact: {count:,} entries checked, each one linked to the one before "
                "and signed by this workstation."
            )
            if self.page is not None and len(self._cursors) == 1:
                self._read(self.page.filter, None, log=False)  # the check itself was logged

        def failed(message: str) -> None:
            self._verify_finished()
            self.verify_error.show_message(
                f"The audit log did not verify: {message}. Tell your IT security contact."
            )

        run_op(self._context.app.runner, lambda: verify_audit_log(session), done, failed, parent=self)

    def _verify_finished(self) -> None:
        self.progress.setVisible(False)
        self.verify_button.setEnabled(True)


def build(context: PageContext) -> QWidget:
    """The page, for the main window."""
    return AuditLogPage(context)


PAGE = PageSpec(
    page_id="audit_log",
    title="Audit log",
    build=build,
    permission=Permission.VERIFY_AUDIT,
    order=920,
    help_topic="audit_log",
    roles_note="Supervisors and administrators: who did what, when; verify the log has not been altered.",
)
