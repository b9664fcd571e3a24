"""Lock and unlock in the middle of an amendment: the reason and the changed answers come back.

A completed lifestyle assessment is opened as an amendment (as the person page's "Amend" does), the
reason given, one answer changed, then Ctrl+L before it is saved. After the same user unlocks, the
form reopens still amending, with the reason and the changed answer; the stored form is unchanged
until the amendment is saved, and saving it makes the new revision.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cars_desktop.services.forms import complete_form, open_form, start_form
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.widgets.amend_dialog import AmendReasonDialog
from cars_desktop.ui.widgets.form_widget import Mode
from tests.conftest import WORKER, WORKER_PASSWORD, Workstation
from tests.ui.journey_support import (
    CTRL,
    activate,
    main_window,
    press,
    running_program,
    unlock_by_keyboard,
    wait_for_form,
)
from tests.ui.test_worker_journey import example, saved_person

REASON = "Interpreter was used after all"


def completed_lifestyle(workstation: Workstation, person_id: uuid.UUID) -> uuid.UUID:
    session = workstation.unlock()
    try:
        form = start_form(session, "lifestyle", person_id, carry_over=False)
        return complete_form(session, form, example("lifestyle")).record.id
    finally:
        session.lock()


def test_an_amendment_in_progress_survives_lock_and_unlock(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    person_id = saved_person(workstation)
    record_id = completed_lifestyle(workstation, person_id)
    before = example("lifestyle")["interpreter_used"]
    assert before == "no"
    changed = "yes"  # and the language, which an interpreter's use makes required

    with running_program(context) as program:
        unlock_by_keyboard(qtbot, program.unlock_window, WORKER, WORKER_PASSWORD)
        window = main_window(program)
        window.navigator.open_form(person_id, "lifestyle", record_id, amend=True)
        form_window = wait_for_form(qtbot, window)
        qtbot.waitUntil(lambda: form_window.findChild(AmendReasonDialog) is not None)
        dialog = form_window.findChild(AmendReasonDialog)
        assert dialog is not None
        dialog.reason.setText(REASON)
        dialog.accept()
        widget = form_window.form_widget
        assert widget is not None and widget.mode is Mode.AMENDING
        widget.load({**widget.answers(), "interpreter_used": changed, "interpreter_language": "Polish"})
        activate(qtbot, form_window)
        press(qtbot, Qt.Key.Key_L, CTRL)  # locked before the amendment is saved

        assert program.main_window is None and window.session.locked
        unlock_by_keyboard(qtbot, program.unlock_window, WORKER, WORKER_PASSWORD)
        again = main_window(program)
        reopened = wait_for_form(qtbot, again)
        back = reopened.form_widget
        assert back is not None
        assert back.form.record.id == record_id
        assert back.mode is Mode.AMENDING
        assert REASON in back.notice.text()
        assert back.answers()["interpreter_used"] == changed
        assert back.answers()["interpreter_language"] == "Polish"
        assert open_form(again.session, record_id).record.answers["interpreter_used"] == before
        assert (
            reopened.findChild(AmendReasonDialog) is None
            or not reopened.findChild(AmendReasonDialog).isVisible()
        )

        back.complete()  # Save amendment
        qtbot.wait(200)
        qtbot.waitUntil(lambda: back.mode is Mode.COMPLETED)
        stored = open_form(again.session, record_id).record
        assert stored.answers["interpreter_used"] == changed and stored.amendment_reason == REASON
