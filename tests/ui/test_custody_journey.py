"""Custody staff through the real program: they book appointments and see nothing else.

Over a real store seeded with invented casework, the custody user unlocks by keyboard and is offered
only the booking page (and their own settings); asking the window to open a person record or a form
about a person, as a link on some page might, shows no personal data.
"""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages import registry
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation
from tests.ui.journey_support import main_window, running_program, seed_casework, unlock_by_keyboard

CUSTODY_PAGES = {"book_appointment", "settings"}
"""What a custody user may be offered: booking, and their own display settings."""


def a_seeded_person(workstation: Workstation) -> object:
    session = workstation.unlock()
    try:
        with session.store.read_session() as db:
            row = db.connection().exec_driver_sql(
                "SELECT id FROM records WHERE record_type = 'person' LIMIT 1"
            )
            return row.scalar_one()
    finally:
        session.lock()


def test_custody_staff_are_offered_the_booking_page_only(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    seed_casework(workstation, people=10)
    with running_program(context) as program:
        unlock_by_keyboard(qtbot, program.unlock_window, CUSTODY, CUSTODY_PASSWORD)
        window = main_window(program)
        offered = {spec.page_id for spec in window.page_specs}
        assert offered <= CUSTODY_PAGES, f"custody staff are offered {sorted(offered - CUSTODY_PAGES)}"
        if any(p.page_id == "book_appointment" for p in registry.all_pages()):
            assert "book_appointment" in offered
            assert window.current_page_id == "book_appointment", "custody staff should land on booking"
        assert set(window.page_actions) == offered  # nothing else on Ctrl+1..9 or in the Go menu


def test_custody_staff_cannot_open_a_person_or_a_form(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    seed_casework(workstation, people=10)
    person_id = uuid.UUID(str(a_seeded_person(workstation)))
    with running_program(context) as program:
        unlock_by_keyboard(qtbot, program.unlock_window, CUSTODY, CUSTODY_PASSWORD)
        window = main_window(program)
        window.navigator.open_person(person_id)
        assert "person" not in window.page_widgets
        assert window.current_page_id != "person"

        window.navigator.open_form(person_id, "lifestyle")
        forms = window.navigator.open_form_windows()
        qtbot.waitUntil(lambda: all(f.form_widget is not None or f.error.isVisible() for f in forms))
        for form_window in forms:
            assert form_window.form_widget is None, "a custody user was shown a lifestyle assessment"
            form_window.close()
        QApplication.processEvents()
