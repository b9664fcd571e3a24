"""The form window: new, draft, read-only and amendment; a form survives lock and unlock."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cars_desktop.app import GuiController
from cars_desktop.services.forms import open_form
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.form_window import FormWindow
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.widgets.amend_dialog import AmendReasonDialog
from cars_desktop.ui.widgets.form_widget import FormWidget, Mode
from cars_protocol.records import AssessmentStatus
from tests import factories
from tests.conftest import WORKER, WORKER_PASSWORD, Workstation
from tests.ui.test_form_widget import type_text
from tests.ui.test_navigation import shown_window


def _person(session: WorkstationSession) -> uuid.UUID:
    person = factories.person(given_names="Ada", family_name="Quillfeather")
    save_records(session, [person])
    return person.id


def _ready(qtbot: QtBot, window: FormWindow) -> FormWidget:
    qtbot.waitUntil(lambda: window.form_widget is not None, timeout=5_000)
    assert window.form_widget is not None
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.form_widget.focus_first_field()
    return window.form_widget


def test_a_new_form_opens_with_whose_it_is_and_saves_its_draft_on_close(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    main = shown_window(qtbot, context, session)
    person_id = _person(session)
    window = main.navigator.open_form_window(person_id, "harm_reduction")
    widget = _ready(qtbot, window)
    assert widget.mode is Mode.DRAFT
    assert "Ada QUILLFEATHER" in window.windowTitle()
    type_text(qtbot, "n")
    record_id = widget.form.record.id
    changes: list[object] = []
    main.change_bus.sig_changed.connect(changes.append)
    window.close()
    assert open_form(session, record_id).record.answers.get("opioid_use") == "no"
    assert changes  # the save was broadcast on the change bus
    assert main.navigator.open_form_windows() == []


def test_lock_in_the_middle_of_an_unsaved_form_and_unlock_keeps_the_answers(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    session = workstation.unlock()
    main = shown_window(qtbot, context, session)
    person_id = _person(session)
    widget = _ready(qtbot, main.navigator.open_form_window(person_id, "harm_reduction"))
    widget.autosave_timer.stop()  # nothing saved yet: the lock itself must save it
    type_text(qtbot, "y")
    assert widget.dirty
    with qtbot.waitSignal(main.sig_locked, timeout=1_000):
        main.lock_now()
    tickets = main.resume_tickets
    assert len(tickets) == 1 and tickets[0].record_id is not None
    assert not any(isinstance(w, FormWindow) and w.isVisible() for w in QApplication.topLevelWidgets())
    main.close()

    again = workstation.unlock()
    try:
        reopened = MainWindow(context, again, pages=[], resume=tickets)
        qtbot.addWidget(reopened)
        reopened.show()
        windows = reopened.navigator.open_form_windows()
        assert len(windows) == 1
        restored = _ready(qtbot, windows[0])
        assert restored.answers().get("opioid_use") == "yes"
        assert restored.mode is Mode.DRAFT
        reopened.lock_now()
    finally:
        again.lock()


def test_the_application_reopens_the_draft_only_for_the_same_user(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    controller = GuiController(context)
    try:
        controller.start()
        controller.unlock_window.username.setText(WORKER)
        controller.unlock_window.password.setText(WORKER_PASSWORD)
        controller.unlock_window.submit()
        main = controller.main_window
        assert main is not None
        person_id = _person(main.session)
        widget = _ready(qtbot, main.navigator.open_form_window(person_id, "harm_reduction"))
        type_text(qtbot, "n")
        main.lock_now()
        assert controller.main_window is None
        controller.unlock_window.password.setText(WORKER_PASSWORD)
        controller.unlock_window.submit()
        main = controller.main_window
        assert main is not None
        windows = main.navigator.open_form_windows()
        assert len(windows) == 1
        assert _ready(qtbot, windows[0]).answers().get("opioid_use") == "no"
        assert widget is not windows[0].form_widget
    finally:
        controller.shutdown()


def test_read_only_and_amendment(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> None:
    main = shown_window(qtbot, context, session)
    person_id = _person(session)
    draft = factories.assessment(person_id)
    completed = factories.assessment(person_id).model_copy(update={"status": AssessmentStatus.COMPLETED})
    save_records(session, [draft, completed])

    read_only = _ready(
        qtbot, main.navigator.open_form_window(person_id, "lifestyle", draft.id, read_only=True)
    )
    assert not read_only.save_button.isVisible() and not read_only.complete_button.isVisible()
    assert "opened to read only" in read_only.state.text()
    assert all(
        not row.editor.isEnabled() or row.editor.property("readOnly") is not False for row in read_only.rows
    )

    amending = _ready(
        qtbot, main.navigator.open_form_window(person_id, "lifestyle", completed.id, amend=True)
    )
    assert amending.mode is Mode.COMPLETED
    dialogs = [w for w in amending.findChildren(AmendReasonDialog) if w.isVisible()]
    assert len(dialogs) == 1  # the reason is asked for at once
    dialogs[0].reject()
    # the same record asked for again is brought to the front, not opened twice
    assert main.navigator.open_form_window(person_id, "lifestyle", completed.id).form_widget is amending
    main.navigator.close_all()


def test_a_form_that_cannot_be_opened_says_why(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    main = shown_window(qtbot, context, session)
    window = main.navigator.open_form_window(uuid.uuid4(), "harm_reduction", uuid.uuid4())
    assert window.form_widget is None
    assert window.error.isVisible() and "no record" in window.error.text().lower()
    assert window.ticket() is None
    window.close()
