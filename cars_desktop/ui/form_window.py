"""A window for one form about one person: new, a draft continued, read-only, or an amendment.

It hosts the generic `FormWidget` (which saves drafts as the worker types, and before the session
locks through `session.on_before_lock`) and adds what a window needs: opening the form off the GUI
thread, a title saying whose form it is, F1 help for the form, Ctrl+W to close (which saves the
draft), and a `FormTicket` the main window keeps while locked so the draft is reopened after the same
user unlocks again. The ticket holds ids only, never answers: nothing personal stays in memory
while the workstation is locked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from cars_desktop.services import forms as form_service
from cars_desktop.services.forms import OpenForm
from cars_desktop.services.records import open_record
from cars_desktop.services.workstation import (
    WorkstationSession,
    keep_pending_amendment,
    take_pending_amendment,
)
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.help_dialog import has_topic, open_help
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.task_runner import log_unexpected
from cars_desktop.ui.widgets.form_widget import FormWidget, Mode
from cars_protocol.records import Person

FORMS_HELP_TOPIC = "forms"


@dataclass(frozen=True)
class FormTicket:
    """How to reopen a form after a lock: ids only (the draft itself is in the store)."""

    person_id: uuid.UUID
    form_id: str
    record_id: uuid.UUID | None  # None: a new form nobody typed in yet (nothing was stored)
    amend: bool = False  # an amendment was being typed: its answers wait in the store (services)


@dataclass(frozen=True)
class LoadedForm:
    """What opening a form reads: the form and whose it is."""

    form: OpenForm
    person_label: str


def person_label(person: Person) -> str:
    """How a window title names a person: given names, family name in capitals, date of birth."""
    return f"{person.given_names} {person.family_name.upper()} ({person.date_of_birth:%d/%m/%Y})"


def load_form(
    session: WorkstationSession, person_id: uuid.UUID, form_id: str, record_id: uuid.UUID | None
) -> LoadedForm:
    """Open a stored form, or start a new one (runs on the task runner)."""
    form = (
        form_service.open_form(session, record_id)
        if record_id is not None
        else form_service.start_form(session, form_id, person_id)
    )
    person = open_record(session, person_id)
    label = person_label(person) if isinstance(person, Person) else "this person"
    return LoadedForm(form, label)


class FormWindow(QWidget):
    """One form in its own window; the form widget arrives once the form has been read."""

    sig_closed = Signal(object)
    """The window closed (itself), after saving what was typed."""
    sig_ready = Signal(object)
    """The form is on screen (the `FormWidget`)."""

    def __init__(
        self,
        context: AppContext,
        session: WorkstationSession,
        bus: ChangeBus,
        person_id: uuid.UUID,
        form_id: str,
        record_id: uuid.UUID | None = None,
        *,
        read_only: bool = False,
        amend: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._context = context
        self._session = session
        self._bus = bus
        self.person_id = person_id
        self.form_id = form_id
        self.read_only = read_only
        self.amend = amend
        self._stored = record_id is not None
        self.form_widget: FormWidget | None = None
        self._unregister_before_lock: Callable[[], None] = lambda: None
        self.setWindowTitle("Opening a form…")
        self.setAccessibleName("Form window")
        self.loading = QLabel("Opening the form…")
        self.loading.setAccessibleName("Opening the form")
        self.error = MessageLabel(MessageKind.ERROR, "The form could not be opened")
        self.column = QVBoxLayout(self)
        self.column.addWidget(self.loading)
        self.column.addWidget(self.error)

        self.help_action = QAction("&Help for this form", self)
        self.help_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.help_action.triggered.connect(self.show_help)
        self.close_action = QAction("&Close the form", self)
        self.close_action.setShortcut(QKeySequence("Ctrl+W"))
        self.close_action.triggered.connect(self.close)
        self.addActions([self.help_action, self.close_action])

        run_op(
            context.runner,
            lambda: load_form(session, person_id, form_id, record_id),
            self._loaded,
            self._failed,
            parent=self,
        )

    @property
    def help_topic(self) -> str:
        """The form's own help topic if there is one, else the help on forms in general."""
        return self.form_id if has_topic(self.form_id) else FORMS_HELP_TOPIC

    def show_help(self) -> None:
        """F1: help for this form."""
        open_help(self.help_topic, self)

    def _loaded(self, loaded: LoadedForm) -> None:
        if self._session.locked:
            return
        widget = FormWidget(self._context, self._session, loaded.form, bus=self._bus, parent=self)
        widget.sig_saved.connect(self._on_saved)
        self.form_widget = widget
        self.loading.hide()
        self.column.addWidget(widget, 1)
        self.setWindowTitle(f"{loaded.form.spec.title} — {loaded.person_label}")
        self.setAccessibleName(f"{loaded.form.spec.title} for {loaded.person_label}")
        if self.read_only and widget.mode is Mode.DRAFT:
            self._read_only_draft(widget)
        elif self.amend and widget.mode is Mode.COMPLETED:
            self._resume_or_ask_amendment(widget)
        self._unregister_before_lock = self._session.on_before_lock(self._keep_amendment)
        widget.focus_first_field()
        self.sig_ready.emit(widget)

    def _resume_or_ask_amendment(self, widget: FormWidget) -> None:
        """Carry on with an amendment kept at the last lock, else ask for the reason as usual."""
        try:
            kept = take_pending_amendment(self._session, widget.form.record.id)
        except Exception as exc:  # the reason is asked again; the completed form is unchanged
            log_unexpected("reading an amendment kept at the lock", exc)
            kept = None
        if kept is None:
            widget.ask_amend_reason()
            return
        reason, answers = kept
        widget._begin_amendment(reason)  # the reason was given before the lock (FormWidget has no public way)
        widget.load(answers)

    def _keep_amendment(self) -> None:
        """Before the key goes: an amendment being typed is kept in the store to carry on after."""
        widget = self.form_widget
        if widget is None or not isValid(widget) or widget.mode is not Mode.AMENDING:
            return
        try:
            keep_pending_amendment(
                self._session,
                widget.form.record.id,
                widget._amend_reason,
                widget.answers(),
            )
        except Exception as exc:
            log_unexpected("keeping an amendment at the lock", exc)

    @staticmethod
    def _read_only_draft(widget: FormWidget) -> None:
        """A draft opened to read (a supervisor looking): nothing can be typed or saved."""
        widget.autosave_timer.stop()
        for row in widget.rows:
            row.editor.set_read_only(True)
        for button in (widget.save_button, widget.complete_button, widget.amend_button):
            button.hide()
        widget.save_action.setEnabled(False)
        widget.complete_action.setEnabled(False)
        widget.state.setText(f"Draft by {widget.form.record.author}, opened to read only.")

    def _failed(self, message: str) -> None:
        self.loading.hide()
        self.setWindowTitle("The form could not be opened")
        self.error.show_message(message)

    def _on_saved(self, _form: OpenForm) -> None:
        self._stored = True

    def ticket(self) -> FormTicket | None:
        """How to reopen this form after a lock: drafts being filled in only (read-only ones are not)."""
        widget = self.form_widget
        if widget is None or self.read_only:
            return None
        if widget.mode is Mode.AMENDING:
            return FormTicket(self.person_id, self.form_id, widget.form.record.id, amend=True)
        if widget.mode is not Mode.DRAFT:
            return None
        return FormTicket(self.person_id, self.form_id, widget.form.record.id if self._stored else None)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing saves the draft (a child's closeEvent does not run when its window closes)."""
        if self.form_widget is not None:
            self.form_widget.finish()
        self._unregister_before_lock()
        self.sig_closed.emit(self)
        super().closeEvent(event)
