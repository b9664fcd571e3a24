"""The generic form widget: any CARS form, filled in, saved as the worker types, completed and amended.

One widget for every form (napari's preferences-dialog pattern): the spec says what to ask,
`FormView` draws it and keeps skip logic, scores and messages in step, and this class adds the
record's life through the form services:

* Drafts save every few seconds through the task runner (off the GUI thread) when the answers
  changed, when the widget closes and before the session locks. Answers the service would refuse as
  malformed (an out-of-range number) stay on screen with their message and are left out of that
  save, so everything else still saves. One save runs at a time: each starts from the revision the
  last one returned, and completing waits for a running save.
* Completing asks the service; its `FormIncomplete` issues show beside the fields and in the summary,
  and the focus goes to the first. A completed form is read-only; Amend… asks for a reason, and
  saving the amendment stores a new revision (the service keeps the old one).
* Each save, completion and amendment is broadcast on the change bus, if one is given.

Keyboard: Ctrl+S saves the draft; Ctrl+Return completes (or saves an amendment); the rest is in
`FormView`.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import QPushButton, QWidget
from shiboken6 import isValid

from cars_desktop.domain.changes import Changes
from cars_desktop.forms.spec import FieldType
from cars_desktop.forms.validation import validate
from cars_desktop.services import forms as form_service
from cars_desktop.services.forms import Completed, FormIncomplete, OpenForm
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.task_runner import BaseTaskRunner, log_unexpected
from cars_desktop.ui.widgets.amend_dialog import AmendReasonDialog
from cars_desktop.ui.widgets.form_view import FormView
from cars_desktop.ui.widgets.typed_dates import uk_time_text

AUTOSAVE_MS = 3_000


def _full_stop(message: str) -> str:
    """Service messages come without a full stop; here one follows them in a longer message."""
    return message if message.endswith((".", "!", "?")) else message + "."


class Mode(Enum):
    """What the worker can do with the form now."""

    DRAFT = "draft"
    COMPLETED = "completed"
    AMENDING = "amending"


class FormWidget(FormView):
    """One form record, for filling in, reading or amending."""

    sig_saved = Signal(object)
    """A draft was saved (the new `OpenForm`, whose record is the stored revision)."""
    sig_completed = Signal(object)
    """The form was completed (`Completed`: the record and the actions its findings created)."""
    sig_amended = Signal(object)
    """A completed form was amended (the new `OpenForm`)."""

    def __init__(
        self,
        context: AppContext,
        session: WorkstationSession,
        open_form: OpenForm,
        runner: BaseTaskRunner | None = None,
        parent: QWidget | None = None,
        *,
        bus: ChangeBus | None = None,
        autosave_ms: int = AUTOSAVE_MS,
    ) -> None:
        super().__init__(open_form.spec, parent)
        self._context = context
        self._session = session
        self._runner = runner or context.runner
        self._bus = bus
        self.form = open_form
        self.mode = Mode.COMPLETED if open_form.read_only else Mode.DRAFT
        self._saving = False
        self._after_save: list[Callable[[], None]] = []
        self._amend_reason = ""
        self._finished = False

        self._build_buttons()
        ctrl = Qt.KeyboardModifier.ControlModifier
        self.save_action = self.add_shortcut(
            "Save draft", [QKeySequence(QKeySequence.StandardKey.Save)], self.save_now
        )
        self.complete_action = self.add_shortcut(
            "Complete",
            [QKeySequence(ctrl | Qt.Key.Key_Return), QKeySequence(ctrl | Qt.Key.Key_Enter)],
            self.complete,
        )
        self.load(open_form.record.answers)
        if not open_form.read_only:
            for row in self.rows:
                if row.spec.id in open_form.carried:
                    row.mark_carried(open_form.carried[row.spec.id])
        self._saved_answers = self.savable_answers()
        # A draft opened with answers was stored at its last update; a new one is not stored yet.
        self._last_saved_at = open_form.record.updated_at if self._saved_answers else None

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setObjectName("form_autosave")
        self.autosave_timer.setInterval(autosave_ms)
        self.autosave_timer.timeout.connect(self._autosave)
        self._register_before_lock()
        self._apply_mode()

    def _build_buttons(self) -> None:
        self.save_button = QPushButton("&Save draft")
        self.save_button.setToolTip("Save the draft now (Ctrl+S); it also saves itself every few seconds")
        self.complete_button = QPushButton("Co&mplete")
        self.complete_button.setToolTip("Check and complete the form (Ctrl+Return)")
        self.amend_button = QPushButton("&Amend…")
        self.amend_button.setToolTip("Change this completed form, giving a reason")
        self.cancel_amend_button = QPushButton("&Cancel amendment")
        for button in (self.save_button, self.complete_button, self.amend_button, self.cancel_amend_button):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            self.button_row.addWidget(button)
        self.save_button.clicked.connect(self.save_now)
        self.complete_button.clicked.connect(self.complete)
        self.amend_button.clicked.connect(self.ask_amend_reason)
        self.cancel_amend_button.clicked.connect(self.cancel_amendment)

    def trailing_tab_stops(self) -> list[QWidget]:
        return [self.save_button, self.complete_button, self.amend_button, self.cancel_amend_button]

    # ----- modes --------------------------------------------------------------------------------

    def _apply_mode(self) -> None:
        self.editable = self.mode is not Mode.COMPLETED
        for row in self.rows:
            row.editor.set_read_only(not self.editable)
        self.save_button.setVisible(self.mode is Mode.DRAFT)
        self.complete_button.setVisible(self.editable)
        self.complete_button.setText("Save a&mendment" if self.mode is Mode.AMENDING else "Co&mplete")
        self.complete_button.setAccessibleName(self.complete_button.text().replace("&", ""))
        self.amend_button.setVisible(self.mode is Mode.COMPLETED)
        self.cancel_amend_button.setVisible(self.mode is Mode.AMENDING)
        self.save_action.setEnabled(self.mode is Mode.DRAFT)
        self.complete_action.setEnabled(self.editable)
        if self.mode is Mode.DRAFT and not self._finished:
            self.autosave_timer.start()
        else:
            self.autosave_timer.stop()
        if self.mode is Mode.DRAFT:
            self._show_draft_state()
            self.notice.clear_message()
        elif self.mode is Mode.COMPLETED:
            record = self.form.record
            when = uk_time_text(record.completed_at) if record.completed_at else "an earlier date"
            amended = f" Amended: {_full_stop(record.amendment_reason)}" if record.amendment_reason else ""
            self.state.setText(
                f"Completed at {when} by {record.author}.{amended} Read-only: choose Amend… to change it."
            )
            self.notice.clear_message()
        else:
            self.state.setText("Amending: Ctrl+Return saves the amendment as a new revision.")
            self.notice.show_message(f"Amending this completed form. Reason: {self._amend_reason}")
        self.refresh()

    def focus_first_field(self) -> bool:
        """The first editable question; on a read-only form the Amend button, so the focus is somewhere."""
        if super().focus_first_field():
            return True
        if self.mode is Mode.COMPLETED:
            self.amend_button.setFocus(Qt.FocusReason.OtherFocusReason)
        return False

    def _show_draft_state(self, changed: bool | None = None) -> None:
        changed = self.dirty if changed is None else changed
        if self._saving:
            text = "Draft: saving…"
        elif self._last_saved_at is None:
            text = "Draft, not saved yet: it saves itself every few seconds once you start typing."
        else:
            text = f"Draft saved at {uk_time_text(self._last_saved_at)}."
            text += " Newer changes save in a few seconds." if changed else ""
        self.state.setText(text)

    def on_edited(self) -> None:
        super().on_edited()
        if self.mode is Mode.DRAFT:
            self._show_draft_state(changed=True)

    # ----- saving -------------------------------------------------------------------------------

    def savable_answers(self) -> dict[str, Any]:
        """The answers a draft save accepts: any the service would refuse as malformed are left out."""
        answers = self.answers()
        groups = {
            inner.id: field.id
            for field in self.spec.all_fields()
            if field.type is FieldType.REPEAT_GROUP
            for inner in field.fields or []
        }
        for issue in validate(self.spec, answers, completing=False):
            if issue.item is None:
                answers.pop(issue.field_id, None)
                continue
            entries = answers.get(groups.get(issue.field_id, ""))
            if isinstance(entries, list) and 0 <= issue.item < len(entries):
                entries[issue.item].pop(issue.field_id, None)
        return answers

    @property
    def dirty(self) -> bool:
        """Whether answers were typed since the last save."""
        return self.savable_answers() != self._saved_answers

    def _autosave(self) -> None:
        if not self._session.locked:
            self.save_now()

    def save_now(self) -> bool:
        """Save the draft through the task runner if the answers changed; True if a save started."""
        if self.mode is not Mode.DRAFT or self._session.locked or self._saving:
            return False  # while a save runs, the timer tries again once it has returned
        answers = self.savable_answers()
        if answers == self._saved_answers:
            self._show_draft_state(changed=False)
            return False
        form, session, snapshot = self.form, self._session, copy.deepcopy(answers)
        self._saving = True
        self._show_draft_state(changed=True)
        run_op(
            self._runner,
            lambda: form_service.save_draft(session, form, snapshot),
            lambda saved: self._saved(saved, answers),
            self._save_failed,
            parent=self,
        )
        return True

    def _saved(self, saved: OpenForm, answers: dict[str, Any]) -> None:
        self._saving = False
        self.form = saved
        self._saved_answers = answers
        self._last_saved_at = datetime.now(UTC)
        self.save_error.clear_message()
        if self.mode is Mode.DRAFT:
            self._show_draft_state()
        if self._bus is not None:
            self._bus.broadcast(Changes.of(saved.record.record_type, saved.record.id))
        self.sig_saved.emit(saved)
        self._run_after_save()

    def _save_failed(self, message: str) -> None:
        self._saving = False
        self.save_error.show_message(
            f"The draft could not be saved. {_full_stop(message)} What you typed is still here, and "
            "saving will be tried again in a few seconds."
        )
        self._show_draft_state(changed=True)
        self._run_after_save()

    def _run_after_save(self) -> None:
        waiting, self._after_save = self._after_save, []
        for step in waiting:
            step()

    def _when_idle(self, step: Callable[[], None]) -> None:
        """Run `step` now, or once the running save has returned (it needs that save's revision)."""
        if self._saving:
            self._after_save.append(step)
        else:
            step()

    def _register_before_lock(self) -> None:
        """Save the draft before the session forgets its key (the idle lock, Ctrl+L, sign-out)."""
        widget = weakref.ref(self)

        def save_before_lock() -> None:
            alive = widget()
            if alive is not None and isValid(alive):
                alive.save_synchronously()

        self._session.on_before_lock(save_before_lock)

    def save_synchronously(self) -> None:
        """Save the draft in this thread: only for locking, after the runner has finished its work."""
        if self.mode is not Mode.DRAFT or self._saving or self._session.locked or not self.dirty:
            return
        answers = self.savable_answers()
        try:
            self._saved(form_service.save_draft(self._session, self.form, copy.deepcopy(answers)), answers)
        except Exception as exc:
            log_unexpected("saving a draft before locking", exc)

    def finish(self) -> None:
        """Stop autosaving and save what is left: the widget is closing."""
        if self._finished:
            return
        self._finished = True
        self.autosave_timer.stop()
        self.release()
        if self.mode is not Mode.DRAFT or self._session.locked:
            return
        if self._saving:
            self._runner.wait_for_done()  # the last save must start from the revision this one returns
        self.save_now()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing saves the draft."""
        self.finish()
        super().closeEvent(event)

    # ----- completing and amending --------------------------------------------------------------

    def complete(self) -> None:
        """Complete the draft (or save the amendment); problems show beside their fields and at the top."""
        if self.mode is Mode.COMPLETED:
            return
        self.completion_tried = True
        self.refresh()
        if self.typing_problems():
            self.focus_first_problem([])
            return
        self._when_idle(self._start_amend if self.mode is Mode.AMENDING else self._start_complete)

    def _start_complete(self) -> None:
        form, session, answers = self.form, self._session, copy.deepcopy(self.answers())

        def work() -> Completed | FormIncomplete:
            try:
                return form_service.complete_form(session, form, answers)
            except FormIncomplete as exc:
                return exc  # handed back as a value: the widget needs its issues, not just its text

        self.autosave_timer.stop()
        run_op(self._runner, work, self._completed, self._not_done, parent=self)

    def _completed(self, result: Completed | FormIncomplete) -> None:
        if isinstance(result, FormIncomplete):
            self._incomplete(result)
            return
        self._show_record(OpenForm(result.record, self.spec))
        if self._bus is not None:
            self._bus.broadcast(Changes.of_records([result.record, *result.actions]))
        self.sig_completed.emit(result)

    def _show_record(self, form: OpenForm) -> None:
        """Show a completed (or amended) record as stored, read-only."""
        self.form = form
        self.mode = Mode.COMPLETED
        self.completion_tried = False
        self.save_error.clear_message()
        self.load(form.record.answers)
        self._apply_mode()

    def _incomplete(self, exc: FormIncomplete) -> None:
        self.show_issues(exc.issues)
        self.focus_first_problem(exc.issues)
        if self.mode is Mode.DRAFT:
            self.autosave_timer.start()

    def _not_done(self, message: str) -> None:
        what = "amendment could not be saved" if self.mode is Mode.AMENDING else "form could not be completed"
        self.save_error.show_message(f"The {what}. {_full_stop(message)}")
        if self.mode is Mode.DRAFT:
            self.autosave_timer.start()

    def ask_amend_reason(self) -> AmendReasonDialog | None:
        """Ask why the completed form is being changed; amending starts once a reason is given."""
        if self.mode is not Mode.COMPLETED:
            return None
        dialog = AmendReasonDialog(self.spec.title, self)
        dialog.sig_reason.connect(self._begin_amendment)
        dialog.open()
        return dialog

    def _begin_amendment(self, reason: str) -> None:
        self._amend_reason = reason
        self.mode = Mode.AMENDING
        self._apply_mode()
        self.focus_first_field()

    def cancel_amendment(self) -> None:
        """Put the completed answers back and return to reading."""
        if self.mode is Mode.AMENDING:
            self._show_record(self.form)

    def _start_amend(self) -> None:
        form, session, reason = self.form, self._session, self._amend_reason
        answers = copy.deepcopy(self.answers())

        def work() -> OpenForm | FormIncomplete:
            try:
                return form_service.amend_form(session, form, answers, reason)
            except FormIncomplete as exc:
                return exc

        run_op(self._runner, work, self._amended, self._not_done, parent=self)

    def _amended(self, result: OpenForm | FormIncomplete) -> None:
        if isinstance(result, FormIncomplete):
            self._incomplete(result)
            return
        self._show_record(result)
        if self._bus is not None:
            self._bus.broadcast(Changes.of(result.record.record_type, result.record.id))
        self.sig_amended.emit(result)
