"""The main window's `Navigator`: how a page opens another page, a person, a form or a print preview.

Pages only know the `Navigator` protocol (`pages/page_spec.py`); this is the real one. It keeps the
windows it opens (forms, previews) so that locking can close every one of them at once, and so the
drafts among them can be reopened after the same user unlocks again.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.local_settings import load_local_settings
from cars_desktop.services.records import open_record
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.form_window import FormTicket, FormWindow
from cars_desktop.ui.print_preview_dialog import PrintPreviewDialog, service_actions
from cars_protocol.records import Person

log = logging.getLogger(__name__)

PERSON_PAGE_ID = "person"
BOOKING_PAGE_ID = "book_appointment"


class NavigatorHost(Protocol):
    """What the navigator needs from the main window."""

    def show_page(self, page_id: str) -> QWidget | None:
        """Show a page (built on first use); its widget, or None if the user may not open it."""

    def show_notice(self, message: str) -> None:
        """Show a short non-blocking message."""

    def large_print(self) -> bool:
        """Whether the signed-in user asked for large print."""

    def window(self) -> QWidget:
        """The window to parent dialogs on."""


class WindowNavigator:
    """The `Navigator` of one main window (and one session)."""

    def __init__(
        self, host: NavigatorHost, context: AppContext, session: WorkstationSession, bus: ChangeBus
    ) -> None:
        self._host = host
        self._context = context
        self._session = session
        self._bus = bus
        self.form_windows: list[FormWindow] = []
        self.previews: list[PrintPreviewDialog] = []

    def show_page(self, page_id: str) -> None:
        """Switch to another page (ignored if the user may not see it)."""
        self._host.show_page(page_id)

    def open_person(self, person_id: uuid.UUID) -> None:
        """Show the person page with this person (if this user has a person page)."""
        page = self._host.show_page(PERSON_PAGE_ID)
        show_person = getattr(page, "show_person", None)
        if callable(show_person):
            show_person(person_id)
        else:
            log.warning("open_person: no person page for this user")
            self.notify("You cannot open person records with your role.")

    def book_appointment(self, person_id: uuid.UUID) -> None:
        """Show the booking page set to book for this person (found already: no new person made)."""
        page = self._host.show_page(BOOKING_PAGE_ID)
        book_for = getattr(page, "book_for", None)
        if not callable(book_for):
            self.notify("You cannot book appointments with your role.")
            return
        person = open_record(self._session, person_id)  # one row, read as a consultation
        if isinstance(person, Person):
            book_for(person)

    def open_form(
        self,
        person_id: uuid.UUID,
        form_id: str,
        record_id: uuid.UUID | None = None,
        *,
        read_only: bool = False,
        amend: bool = False,
    ) -> None:
        """Open a form in its own window (see `open_form_window`)."""
        self.open_form_window(person_id, form_id, record_id, read_only=read_only, amend=amend)

    def open_form_window(
        self,
        person_id: uuid.UUID,
        form_id: str,
        record_id: uuid.UUID | None = None,
        *,
        read_only: bool = False,
        amend: bool = False,
    ) -> FormWindow:
        """Open a form in its own window; a form already open is brought to the front instead."""
        for window in self.open_form_windows():
            widget = window.form_widget
            if record_id is not None and widget is not None and widget.form.record.id == record_id:
                window.raise_()
                window.activateWindow()
                return window
        window = FormWindow(
            self._context,
            self._session,
            self._bus,
            person_id,
            form_id,
            record_id,
            read_only=read_only,
            amend=amend,
            parent=self._host.window(),
        )
        window.sig_closed.connect(self._form_closed)
        self.form_windows.append(window)
        window.resize(self._host.window().size() * 0.9)
        window.show()
        window.activateWindow()
        return window

    def reopen(self, tickets: list[FormTicket]) -> None:
        """Reopen the drafts that were open when the workstation locked."""
        for ticket in tickets:
            self.open_form(ticket.person_id, ticket.form_id, ticket.record_id, amend=ticket.amend)

    def preview_document(
        self,
        person_id: uuid.UUID,
        kind: str,
        source_id: uuid.UUID | None = None,
        variant: str | None = None,
    ) -> None:
        """Open the print preview of one document for a person (built off the GUI thread)."""
        self.open_preview(person_id, kind, source_id, variant)

    def open_preview(
        self,
        person_id: uuid.UUID,
        kind: str,
        source_id: uuid.UUID | None = None,
        variant: str | None = None,
    ) -> PrintPreviewDialog:
        """The print preview dialog, opened (the `Navigator` call without a return value)."""
        actions = service_actions(
            self._session,
            person_id,
            DocumentKind(kind),
            source_id=source_id,
            variant=variant,
            large_print=self._host.large_print(),
        )
        dialog = PrintPreviewDialog(
            self._context.runner, actions, self._host.window(), printer_name=self._settings_printer()
        )
        dialog.destroyed.connect(lambda *_: self._forget_preview(dialog))
        self.previews.append(dialog)
        dialog.resize(self._host.window().size() * 0.9)
        dialog.open()
        return dialog

    def _settings_printer(self) -> str | None:
        """The printer set in Settings, read afresh (a small file) so a change applies to the next preview.

        A bad settings file means the default printer: the Settings page reports the file's problem.
        """
        try:
            return load_local_settings(self._context.data_dir).workstation.printer_name
        except InvalidInput:
            return None

    def notify(self, message: str) -> None:
        """A short non-blocking message in the main window's notification area."""
        self._host.show_notice(message)

    # ----- bookkeeping --------------------------------------------------------------------------

    def open_form_windows(self) -> list[FormWindow]:
        """Form windows still open."""
        self.form_windows = [w for w in self.form_windows if isValid(w)]
        return list(self.form_windows)

    def _form_closed(self, window: FormWindow) -> None:
        self.form_windows = [w for w in self.form_windows if w is not window and isValid(w)]

    def _forget_preview(self, dialog: PrintPreviewDialog) -> None:
        self.previews = [d for d in self.previews if d is not dialog]

    def tickets(self) -> list[FormTicket]:
        """The drafts open now, to reopen after the next unlock by the same user."""
        return [t for w in self.open_form_windows() if (t := w.ticket()) is not None]

    def close_all(self) -> None:
        """Close every form and preview at once: the workstation is locking."""
        for window in self.open_form_windows():
            window.close()
        for dialog in list(self.previews):
            if isValid(dialog):
                dialog.close()
        self.previews.clear()
