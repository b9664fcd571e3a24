"""A supervisor returns and approves a worker's day through the real program, by keyboard.

Over a real encrypted store seeded with invented casework (up to yesterday), a worker enrolled for
the test (Jo, a worker only: a supervisor never reviews their own work) completes four required
initial assessments today, each for a person who arrived in custody today. The supervisor (Sam,
worker and supervisor) opens Day review: returns one with a comment, approves another, and
bulk-approves the rest (filtered to those waiting, all selected). Jo unlocks, is told work came
back (the notification bar) and sees it on Today; opens the person (Enter), continues the returned
form from the timeline (Enter), adds what was asked and completes it again. Sam approves it and
signs the day off.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from cars_desktop.services.forms import complete_form, start_form
from cars_desktop.services.person_record import EntryKind
from cars_desktop.services.person_search import NewPerson, create_person
from cars_desktop.services.seed import seed
from cars_desktop.services.users import enrol_user
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.pages.day_review_page import DayReviewPage
from cars_desktop.ui.pages.person_page import PersonPage
from cars_desktop.ui.pages.today_page import TodayPage
from cars_protocol.records import Assessment, AssessmentStatus, Role
from tests.conftest import ADMIN, ADMIN_PASSWORD, SITE, WORKER, WORKER_PASSWORD, Workstation
from tests.ui.journey_support import (
    ALT,
    CTRL,
    activate,
    complete_form_by_keyboard,
    focused,
    go_to,
    main_window,
    now_minute,
    press,
    records_of,
    running_program,
    type_text,
    unlock_by_keyboard,
    wait,
)

EXAMPLES = Path(__file__).parent.parent / "forms" / "examples"
JO, JO_PASSWORD = "jo.worker", "jo's long password"
FAMILIES = ("Ashgrove", "Brackenbury", "Cindermoor", "Dunnock")
COMMENT = "Please record what advice you gave about the treatment service."
ADDED_NOTE = "Advice on the treatment service given; leaflet handed over."


def example(form_id: str) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{form_id}.json").read_text())["answers"]
    return answers


def jos_day(workstation: Workstation) -> dict[str, uuid.UUID]:
    """Seed up to yesterday; enrol Jo; Jo's four people arrive today, each assessed (no notes)."""
    session = workstation.unlock()
    try:
        seed(session, 10, days=3, end=date.today() - timedelta(days=1))
    finally:
        session.lock()
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        enrol_user(admin, JO, "Jo Worker", frozenset({Role.WORKER}), JO_PASSWORD)
    finally:
        admin.lock()
    jo = workstation.unlock(JO, JO_PASSWORD)
    arrived = now_minute() - timedelta(minutes=40)
    people: dict[str, uuid.UUID] = {}
    try:
        for number, family in enumerate(FAMILIES):
            person = create_person(jo, NewPerson(family, "Test", date(1988, 1, 1 + number), "")).person
            arrival = example("custody_arrival")
            arrival.update(
                custody_record_number=f"20/55{number}01/26",
                custody_suite=SITE,
                arrived_at=arrived.isoformat(),
                sample_taken_at=(arrived + timedelta(minutes=20)).isoformat(),
                results=[{"drug": "opiates", "result": "positive", "disputed": "no"}],
            )
            arrival.pop("pnc_id", None)
            complete_form(jo, start_form(jo, "custody_arrival", person.id), arrival)
            assessment = {k: v for k, v in example("required_initial").items() if k != "notes"}
            complete_form(jo, start_form(jo, "required_initial", person.id), assessment)
            people[family] = person.id
    finally:
        jo.lock()
    return people


def tab_to(qtbot: QtBot, target: QWidget, limit: int = 60) -> None:
    """Press Tab until `target` has the focus (it must be reachable by keyboard)."""
    for _ in range(limit):
        if focused() is target:
            return
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"{target.accessibleName()!r} is not reachable with Tab")


def review_row(page: DayReviewPage, person_id: uuid.UUID) -> int:
    """The table (proxy) row of a person's assessment, as sorted and filtered on screen."""
    proxy = page.table.model()
    for row in range(proxy.rowCount()):
        source = page.table.model().mapToSource(proxy.index(row, 0)).row()  # type: ignore[attr-defined]
        shown = page.model.row_at(source)
        if shown is not None and shown.person_id == person_id:
            return row
    return -1


def select_row(qtbot: QtBot, page: DayReviewPage, row: int) -> None:
    """Select one row by keyboard: Ctrl+Home moves without selecting; Down (or Up) selects that row only."""
    page.table.setFocus()
    press(qtbot, Qt.Key.Key_Home, CTRL)
    if row > 0:
        press(qtbot, Qt.Key.Key_Down, times=row)
    elif page.table.model().rowCount() > 1:
        press(qtbot, Qt.Key.Key_Down)
        press(qtbot, Qt.Key.Key_Up)
    else:
        press(qtbot, Qt.Key.Key_Space)
    assert [index.row() for index in page.table.selectionModel().selectedRows()] == [row]


def statuses(page: DayReviewPage) -> dict[uuid.UUID, AssessmentStatus]:
    return {row.person_id: row.status for row in page.model.rows}


def open_day_review(qtbot: QtBot, window: MainWindow) -> DayReviewPage:
    page = go_to(qtbot, window, "day_review")
    assert isinstance(page, DayReviewPage)
    return page


def test_a_supervisor_returns_and_approves_a_workers_day(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    people = jos_day(workstation)
    returned, approved, *rest = (people[f] for f in FAMILIES)
    with running_program(context) as program:
        # Sam, the supervisor, reviews today's work at this site.
        unlock_by_keyboard(qtbot, program.unlock_window, WORKER, WORKER_PASSWORD)
        window = main_window(program)
        page = open_day_review(qtbot, window)
        wait(qtbot, lambda: len(page.model.rows) == 4)
        assert {row.worker for row in page.model.rows} == {JO}
        assert set(statuses(page).values()) == {AssessmentStatus.COMPLETED}
        assert "4 waiting for review" in page.summary.text()

        # Return one, with a comment typed in the comment box reached by Tab.
        select_row(qtbot, page, review_row(page, returned))
        tab_to(qtbot, page.comment)
        type_text(qtbot, COMMENT)
        press(qtbot, Qt.Key.Key_R, ALT)  # Return with comment
        wait(qtbot, lambda: statuses(page)[returned] is AssessmentStatus.RETURNED)
        assert page.notice.text() == "1 assessment returned to the worker.", page.error.text()

        # Approve another.
        select_row(qtbot, page, review_row(page, approved))
        press(qtbot, Qt.Key.Key_A, ALT)  # Approve selected
        wait(qtbot, lambda: statuses(page)[approved] is AssessmentStatus.APPROVED)

        # Bulk-approve the rest: only those waiting shown, all selected.
        press(qtbot, Qt.Key.Key_L, ALT)  # the filter's label shortcut
        assert focused() is page.filter
        type_text(qtbot, "Waiting for review")
        assert page.table.model().rowCount() == 2
        page.table.setFocus()
        press(qtbot, Qt.Key.Key_A, CTRL)  # select all
        press(qtbot, Qt.Key.Key_A, ALT)
        wait(qtbot, lambda: all(statuses(page)[p] is AssessmentStatus.APPROVED for p in rest))
        assert page.notice.text() == "2 assessments approved.", page.error.text()
        assert "0 waiting for review" in page.summary.text()
        press(qtbot, Qt.Key.Key_L, CTRL)  # lock; Jo's turn

        # Jo: told that work came back, sees it on Today, corrects it and completes it again.
        unlock_by_keyboard(qtbot, program.unlock_window, JO, JO_PASSWORD)
        window = main_window(program)
        wait(qtbot, lambda: window.notifications.notice("returned") is not None)
        notice = window.notifications.notice("returned")
        assert notice is not None and notice.text() == (
            "1 form you completed was returned by a supervisor with comments to act on."
        )
        today = go_to(qtbot, window, "today")
        assert isinstance(today, TodayPage)
        wait(qtbot, lambda: any(e.person_id == returned for e in today.model.rows))
        needs = {e.person_id: [n.label for n in e.needs] for e in today.model.rows}
        assert needs[returned][0] == "Returned work to correct"
        assert all("Returned work to correct" not in needs[p] for p in (approved, *rest))
        today.filter.setFocus()
        type_text(qtbot, FAMILIES[0])
        press(qtbot, Qt.Key.Key_Return)  # to the list
        press(qtbot, Qt.Key.Key_Return)  # open the person
        person = window.page_widgets["person"]
        assert isinstance(person, PersonPage)
        wait(qtbot, lambda: person.record is not None and person.person_id == returned)
        rows = person.timeline_proxy
        target = next(
            row
            for row in range(rows.rowCount())
            if (entry := person.timeline_model.row_at(rows.mapToSource(rows.index(row, 0)).row()))
            and entry.form_id == "required_initial"
            and entry.kind is EntryKind.FORM
        )
        assert focused() is person.timeline
        press(qtbot, Qt.Key.Key_Home, CTRL)
        press(qtbot, Qt.Key.Key_Down, times=target)
        press(qtbot, Qt.Key.Key_Return)  # continue the returned form
        redone = complete_form_by_keyboard(qtbot, window, {"notes": ADDED_NOTE})
        assert redone.record.status is AssessmentStatus.COMPLETED
        assert redone.record.answers["notes"] == ADDED_NOTE
        wait(qtbot, lambda: window.notifications.notice("returned") is None)
        activate(qtbot, window)  # back to the main window, as the window manager would (not offscreen)
        press(qtbot, Qt.Key.Key_L, CTRL)

        # Sam approves the corrected work and signs off the day.
        unlock_by_keyboard(qtbot, program.unlock_window, WORKER, WORKER_PASSWORD)
        window = main_window(program)
        page = open_day_review(qtbot, window)
        wait(qtbot, partial(lambda p: statuses(p).get(returned) is AssessmentStatus.COMPLETED, page))
        select_row(qtbot, page, review_row(page, returned))
        press(qtbot, Qt.Key.Key_A, ALT)
        wait(qtbot, lambda: statuses(page)[returned] is AssessmentStatus.APPROVED)
        press(qtbot, Qt.Key.Key_F, ALT)  # sign off the day
        wait(qtbot, lambda: not page.sign_off_button.isEnabled())
        assert page.sign_offs.text().startswith("Oldbury custody block: Signed off by Sam Worker at "), (
            page.error.text()
        )

    # The store: every assessment approved; the returned one carries Jo's addition.
    for person_id in people.values():
        records = records_of(workstation, person_id)
        forms = [r for r in records if isinstance(r, Assessment) and r.form_id == "required_initial"]
        assert [f.status for f in forms] == [AssessmentStatus.APPROVED]
    final = [r for r in records_of(workstation, returned) if isinstance(r, Assessment)]
    assert any(f.answers.get("notes") == ADDED_NOTE for f in final)
