"""A worker's day through the real program, by keyboard, over a real seeded encrypted store.

`test_lock_and_unlock_in_the_middle_of_an_unsaved_form`: the worker is typing a lifestyle
assessment when they have to step away; Ctrl+L, pressed in the form window, locks at once (the form
window and every page close, nothing personal stays on screen); after unlocking again the same form
is back with every answer typed, although nothing had been saved before the lock.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from cars_desktop.services.forms import open_form
from cars_desktop.services.records import save_records
from cars_desktop.ui.context import AppContext
from cars_protocol.records import AssessmentStatus
from tests import factories
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
from tests.ui.keyboard_driver import KeyboardDriver

EXAMPLES = Path(__file__).parent.parent / "forms" / "examples"


def example(form_id: str) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{form_id}.json").read_text())["answers"]
    return answers


def saved_person(workstation: Workstation) -> uuid.UUID:
    session = workstation.unlock()
    try:
        person = factories.person(author=session.user.username)
        save_records(session, [person])
        return person.id
    finally:
        session.lock()


def lock_mid_form_and_unlock(
    qtbot: QtBot, context: AppContext, workstation: Workstation, *, from_form_window: bool
) -> None:
    """Type part of a lifestyle assessment, lock with Ctrl+L before any save, unlock, find it all back."""
    person_id = saved_person(workstation)
    lifestyle = example("lifestyle")
    typed = {key: lifestyle[key] for key in ("assessment_type", "referral_source", "interpreter_used")}

    with running_program(context) as program:
        unlock_by_keyboard(qtbot, program.unlock_window, WORKER, WORKER_PASSWORD)
        window = main_window(program)
        session = window.session
        window.navigator.open_form(person_id, "lifestyle")  # as the person page's "Start a form" does
        form_window = wait_for_form(qtbot, window)
        form = form_window.form_widget
        assert form is not None
        activate(qtbot, form_window)
        KeyboardDriver(qtbot, form).fill(typed)
        assert form.dirty, "the answers should not have been saved yet (autosave has not run)"
        record_id = form.form.record.id

        if from_form_window:
            press(qtbot, Qt.Key.Key_L, CTRL)  # where the worker is typing
        else:  # the worker goes back to the main window first
            window.raise_()
            window.activateWindow()
            qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3_000)
            qtbot.keyClick(window, Qt.Key.Key_L, CTRL)

        assert session.locked, "Ctrl+L did not lock the workstation"
        assert program.main_window is None
        assert not form_window.isVisible() if isValid(form_window) else True
        assert program.unlock_window.isVisible()
        assert program.unlock_window.username.text() == WORKER

        unlock_by_keyboard(qtbot, program.unlock_window, WORKER, WORKER_PASSWORD)
        again = main_window(program)
        reopened = wait_for_form(qtbot, again)
        widget = reopened.form_widget
        assert widget is not None
        assert widget.form.record.id == record_id
        assert {k: widget.answers().get(k) for k in typed} == typed

        stored = open_form(again.session, record_id)
        assert stored.record.status is AssessmentStatus.DRAFT
        assert {k: stored.record.answers.get(k) for k in typed} == typed


def test_lock_and_unlock_in_the_middle_of_an_unsaved_form(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    lock_mid_form_and_unlock(qtbot, context, workstation, from_form_window=False)


def test_ctrl_l_pressed_in_the_form_window_locks_too(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    lock_mid_form_and_unlock(qtbot, context, workstation, from_form_window=True)
