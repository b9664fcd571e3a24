"""A worker's day through the real program, by keyboard, over a real seeded encrypted store.

`test_lock_and_unlock_in_the_middle_of_an_unsaved_form`: the worker is typing a lifestyle
assessment when they have to step away; Ctrl+L, pressed in the form window, locks at once (the form
window and every page close, nothing personal stays on screen); after unlocking again the same form
is back with every answer typed, although nothing had been saved before the lock.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication
from pytestqt.exceptions import TimeoutError as QtTimeoutError
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from cars_desktop.services.audit_log_view import AuditFilter, read_audit_page
from cars_desktop.services.forms import open_form
from cars_desktop.services.records import save_records
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.new_person_dialog import NewPersonDialog
from cars_desktop.ui.pages.person_page import PersonPage
from cars_desktop.ui.pages.release_page import ReleasePage
from cars_desktop.ui.pages.today_page import TodayPage
from cars_protocol.records import Assessment, AssessmentStatus, DrugTest, NaloxoneSupply, Referral
from tests import factories
from tests.conftest import ADMIN, ADMIN_PASSWORD, SITE, WORKER, WORKER_PASSWORD, Workstation
from tests.ui.journey_support import (
    ALT,
    CTRL,
    SHIFT,
    activate,
    choose_from_menu,
    complete_form_by_keyboard,
    focused,
    go_to,
    main_window,
    now_minute,
    press,
    records_of,
    running_program,
    seed_casework,
    type_text,
    unlock_by_keyboard,
    wait,
    wait_for_form,
    wait_for_window,
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


# ----- a worker's full day -------------------------------------------------------------------------

FAMILY, GIVEN, BORN = "Quillfeather", "Osric", date(1991, 3, 14)
"""An invented person, unlike anyone the seeder makes."""


def arrival_answers(arrived: datetime) -> dict[str, Any]:
    """The custody arrival example, arriving now, with a positive test for opiates (not disputed)."""
    answers = example("custody_arrival")
    answers.update(
        custody_record_number="20/990417/26",
        custody_suite=SITE,
        arrived_at=arrived.isoformat(),
        sample_taken_at=(arrived + timedelta(minutes=20)).isoformat(),
        results=[
            {"drug": "opiates", "result": "positive", "disputed": "no"},
            {"drug": "cocaine", "result": "negative"},
        ],
    )
    answers.pop("pnc_id", None)
    return answers


def row_of(model: Any, person_id: uuid.UUID) -> int:
    """The row of a list showing `person_id` (read from the model's rows, never the pixels)."""
    rows = list(model.rows)
    return next((row for row, entry in enumerate(rows) if entry.person_id == person_id), -1)


def on_timeline(page: PersonPage, record_id: uuid.UUID) -> bool:
    return any(entry.form_record_id == record_id for entry in page.timeline_model.rows)


def today_needs(page: TodayPage, person_id: uuid.UUID) -> tuple[str, ...]:
    entry = next((e for e in page.model.rows if e.person_id == person_id), None)
    assert entry is not None, "the person is not on Today"
    return tuple(need.label for need in entry.needs)


def test_a_workers_day_by_keyboard_from_arrival_to_the_release_pack(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    seed_casework(workstation, people=12, days=3)
    arrived = now_minute() - timedelta(minutes=30)
    with running_program(context) as program:
        unlock_by_keyboard(qtbot, program.unlock_window, WORKER, WORKER_PASSWORD)
        window = main_window(program)

        # Today: Add arrival (Alt+A), the person typed, checked for duplicates, created.
        today = go_to(qtbot, window, "today")
        assert isinstance(today, TodayPage)
        today.table.setFocus()
        press(qtbot, Qt.Key.Key_A, ALT)
        dialog = wait_for_window(qtbot, NewPersonDialog)
        # Keys go to the active window: typing before the dialog is active (offscreen, activation
        # comes a moment after the show) would land in the main window behind it.
        wait(qtbot, lambda: QApplication.activeWindow() is dialog)
        dialog.family.setFocus()  # the first field, where the window opens
        wait(qtbot, lambda: QApplication.focusWidget() is dialog.family)
        type_text(qtbot, FAMILY)
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, GIVEN)
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, BORN.strftime("%d/%m/%Y"))
        checks: list[int] = []
        dialog.check_button.clicked.connect(lambda: checks.append(1))
        press(qtbot, Qt.Key.Key_Return)  # check for this person
        # The check runs on the task runner: under load its answer (and the focus move) comes later.
        try:
            # the pool's threads may still be busy with the warm-up imports and Today's first load
            wait(qtbot, lambda: focused() is dialog.create_button, timeout_ms=20_000)
        except QtTimeoutError:  # say where the focus went instead
            active = QApplication.activeWindow()
            raise AssertionError(
                f"focus on {QApplication.focusWidget()!r} in {active!r}; the dialog's own focus is "
                f"{dialog.focusWidget()!r}; create enabled: {dialog.create_button.isEnabled()}; "
                f"message: {dialog.message.text()!r}; error: {dialog.error.text()!r}; "
                f"checks: {len(checks)}; default: {dialog.check_button.isDefault()}; "
                f"typed: {[e.text() for e in (dialog.family, dialog.given, dialog.dob)]}; "
                f"pool busy: {QThreadPool.globalInstance().activeThreadCount()}"
            ) from None
        assert dialog.model.rowCount() == 0, "an invented name should match nobody"
        press(qtbot, Qt.Key.Key_Space)  # create new person, then the arrival form opens

        # The custody arrival form, with a positive test for opiates.
        arrival_window = wait_for_form(qtbot, window)
        person_id = arrival_window.person_id
        assert arrival_window.form_id == "custody_arrival"
        complete_form_by_keyboard(qtbot, window, arrival_answers(arrived))

        # Today now lists them, needing the positive test followed up; Enter opens them.
        wait(qtbot, lambda: any(e.person_id == person_id for e in today.model.rows))
        assert today_needs(today, person_id)[0] == "Positive test to follow up"
        activate(qtbot, window)
        today.filter.setFocus()
        type_text(qtbot, FAMILY)
        assert today.proxy.rowCount() == 1
        press(qtbot, Qt.Key.Key_Return)  # to the list, first row selected
        assert focused() is today.table
        press(qtbot, Qt.Key.Key_Return)  # open the person
        assert window.current_page_id == "person"
        person = window.page_widgets["person"]
        assert isinstance(person, PersonPage)
        wait(qtbot, lambda: person.record is not None)
        assert person.heading.text() == f"{GIVEN} {FAMILY}" or FAMILY in person.heading.text()

        # The required initial assessment, a referral and harm reduction, each from "Start form" (Ctrl+N).
        for form_id, answers in (
            ("required_initial", example("required_initial")),
            ("referral", example("referral")),
            ("harm_reduction", example("harm_reduction")),
        ):
            activate(qtbot, window)
            assert person.record is not None
            title = next(f.title for f in person.record.forms_to_start if f.form_id == form_id)
            choose_from_menu(qtbot, lambda: qtbot.keyClick(window, Qt.Key.Key_N, CTRL), title)
            record = complete_form_by_keyboard(qtbot, window, answers).record
            assert record.form_id == form_id
            wait(qtbot, partial(on_timeline, person, record.id))
        assert "Positive test to follow up" not in today_needs(today, person_id)

        # Release: the person in custody today, their checklist, the release pack preview.
        release = go_to(qtbot, window, "release")
        assert isinstance(release, ReleasePage)
        wait(qtbot, lambda: row_of(release.model, person_id) >= 0)
        release.people.setFocus()
        press(qtbot, Qt.Key.Key_Home)
        press(qtbot, Qt.Key.Key_Down, times=row_of(release.model, person_id))
        checklist = release.checklist
        wait(qtbot, lambda: checklist.checklist is not None and checklist.checklist.person_id == person_id)
        assert checklist.checklist is not None
        labels = [item.label for item in checklist.checklist.items]
        for expected in ("Naloxone handed back", "Appointment booked", "Release pack printed"):
            assert expected in labels, f"{expected!r} is not on the checklist {labels}"
        assert FAMILY.upper() in checklist.heading.text().upper()
        shown = {key: label.text() for key, label in checklist.state_labels.items()}
        assert len(shown) == len(labels)
        press(qtbot, Qt.Key.Key_P, CTRL | SHIFT)  # print release pack
        wait(qtbot, lambda: bool(window.navigator.previews))
        preview = window.navigator.previews[-1]
        wait(qtbot, lambda: preview.page_count > 0, timeout_ms=15_000)
        activate(qtbot, preview)
        assert preview.close_button.text() == "&Close"
        press(qtbot, Qt.Key.Key_C, ALT)  # close the preview
        wait(qtbot, lambda: not isValid(preview) or not preview.isVisible())

    # What the store holds at the end of the day.
    records = records_of(workstation, person_id)
    forms = {r.form_id: r for r in records if isinstance(r, Assessment)}
    assert forms["custody_arrival"].status is AssessmentStatus.COMPLETED
    assert forms["required_initial"].status is AssessmentStatus.COMPLETED
    assert forms["referral"].status is AssessmentStatus.COMPLETED
    assert forms["harm_reduction"].status is AssessmentStatus.COMPLETED
    assert any(isinstance(r, DrugTest) and r.any_positive for r in records)
    assert any(isinstance(r, Referral) for r in records)
    supplies = [r for r in records if isinstance(r, NaloxoneSupply)]
    assert len(supplies) == 1
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        audit = read_audit_page(admin, AuditFilter(operation="consultation", record_id=str(person_id)))
    finally:
        admin.lock()
    previews = [e for e in audit.entries if "document: release_pack" in e.details and "preview" in e.details]
    assert previews, "the release pack preview was not logged as a consultation"
    assert previews[0].username == WORKER
