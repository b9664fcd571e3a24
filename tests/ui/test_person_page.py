"""The person page over a real seeded store: details, episodes, timeline, forms and documents by keyboard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.services.person_record import EntryKind
from cars_desktop.services.records import save_records
from cars_desktop.services.seed import seed
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.person_page import PersonPage
from cars_protocol.records import Assessment, AssessmentKind, Person
from tests.conftest import SITE, WORKER
from tests.services.test_person_record import casework


@dataclass
class RecordingNavigator:
    """Stands in for the main window: keeps what the page asked for."""

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def show_page(self, page_id: str) -> None:
        self.calls.append(("show_page", (page_id,), {}))

    def open_person(self, person_id: uuid.UUID) -> None:
        self.calls.append(("open_person", (person_id,), {}))

    def open_form(
        self, person_id: uuid.UUID, form_id: str, record_id: uuid.UUID | None = None, **kw: Any
    ) -> None:
        self.calls.append(("open_form", (person_id, form_id, record_id), kw))

    def preview_document(
        self, person_id: uuid.UUID, kind: str, source_id: uuid.UUID | None = None, variant: str | None = None
    ) -> None:
        self.calls.append(("preview_document", (person_id, kind, source_id, variant), {}))

    def notify(self, message: str) -> None:
        self.calls.append(("notify", (message,), {}))


def page_context(context: AppContext, session: WorkstationSession) -> tuple[PageContext, RecordingNavigator]:
    navigator = RecordingNavigator()
    return PageContext(context, session, ChangeBus(), navigator), navigator


@pytest.fixture
def seeded(session: WorkstationSession) -> Person:
    """Invented casework for 20 people, plus one person with one of each kind of entry."""
    seed(session, 20, days=5)
    someone = Person(
        site_code=SITE,
        author=WORKER,
        family_name="Testperson",
        given_names="Alex",
        date_of_birth=date(1990, 1, 2),
        address="1 Invented Road",
        postcode="B1 1AA",
        local_authority="SANDWELL",
        pnc_id="90/123456X",
    )
    save_records(session, [someone, *casework(someone)])
    return someone


def shown_page(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> tuple[PersonPage, RecordingNavigator]:
    page_ctx, navigator = page_context(context, session)
    page = PersonPage(page_ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    return page, navigator


def select_row(page: PersonPage, predicate: Any) -> None:
    """Move the keyboard focus down the timeline to the first row that matches."""
    page.timeline.setFocus()
    rows = page.timeline_model.rows
    target = next(i for i, e in enumerate(rows) if predicate(e))
    page.timeline.setCurrentIndex(page.timeline_proxy.mapFromSource(page.timeline_model.index(0, 0)))
    for _ in range(target):
        QTest.keyClick(page.timeline, Qt.Key.Key_Down)
    assert predicate(page.selected_entry())


def test_the_record_shows_details_episodes_and_the_timeline(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, seeded: Person, qtmodeltester: Any
) -> None:
    page, _ = shown_page(qtbot, context, session)
    page.show_person(seeded.id)
    assert page.heading.text() == "Alex Testperson"
    assert page.details.text_of("Address") == "1 Invented Road, B1 1AA"
    assert page.details.text_of("Date of birth").startswith("2 January 1990 (age ")
    assert page.details.text_of("Local authority") == "Sandwell"
    assert page.episodes_model.rowCount() == 1
    kinds = {e.kind for e in page.timeline_model.rows}
    assert {EntryKind.FORM, EntryKind.ACTION, EntryKind.NALOXONE, EntryKind.APPOINTMENT} <= kinds
    qtmodeltester.check(page.timeline_model)
    qtmodeltester.check(page.episodes_model)
    qtmodeltester.check(page.timeline_proxy)
    assert page.focusWidget() is page.timeline  # the keyboard starts in the timeline


def test_enter_opens_a_draft_to_continue_and_a_completed_form_read_only(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, seeded: Person
) -> None:
    page, navigator = shown_page(qtbot, context, session)
    page.show_person(seeded.id)
    select_row(page, lambda e: e is not None and e.kind is EntryKind.FORM and e.may_continue)
    QTest.keyClick(page.timeline, Qt.Key.Key_Return)
    name, args, kw = navigator.calls[-1]
    assert (name, args[1], kw) == ("open_form", "vulnerability", {"read_only": False})
    select_row(page, lambda e: e is not None and e.kind is EntryKind.FORM and e.may_amend)
    QTest.keyClick(page.timeline, Qt.Key.Key_Return)
    assert navigator.calls[-1][2] == {"read_only": True}
    assert page.amend_button.isEnabled()
    page.amend_button.setFocus()
    QTest.keyClick(page.amend_button, Qt.Key.Key_Space)
    name, args, kw = navigator.calls[-1]
    assert (name, args[0], args[1], kw) == ("open_form", seeded.id, "lifestyle", {"amend": True})
    select_row(page, lambda e: e is not None and e.kind is EntryKind.ACTION)
    QTest.keyClick(page.timeline, Qt.Key.Key_Enter)
    assert navigator.calls[-1][1][1] == "lifestyle"  # the form that raised the action
    assert not page.amend_button.isEnabled()


def test_start_a_form_and_print_a_document_from_the_menus(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, seeded: Person
) -> None:
    page, navigator = shown_page(qtbot, context, session)
    page.show_person(seeded.id)
    titles = [a.text() for a in page.start_menu.actions()]
    assert "Lifestyle assessment" in " ".join(titles) or len(titles) >= 10
    assert page.start_button.accessibleName() and page.print_button.accessibleName()
    lifestyle = next(a for a in page.start_menu.actions() if "ifestyle" in a.text())
    lifestyle.trigger()
    assert navigator.calls[-1] == ("open_form", (seeded.id, "lifestyle", None), {})
    pack = next(a for a in page.print_menu.actions() if a.text() == "Release pack")
    pack.trigger()
    assert navigator.calls[-1] == ("preview_document", (seeded.id, "release_pack", None, None), {})


def test_live_refresh_only_for_this_person(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, seeded: Person
) -> None:
    page, _ = shown_page(qtbot, context, session)
    page.show_person(seeded.id)
    before = page.record
    rows = page.timeline_model.rowCount()
    other = Person(
        site_code=SITE,
        author=WORKER,
        family_name="Else",
        given_names="Someone",
        date_of_birth=date(1970, 1, 1),
    )
    page._context.bus.broadcast(save_records(session, [other]).changes)
    assert page.record is before  # not this person's: nothing read again
    draft = Assessment(
        site_code=SITE,
        author=WORKER,
        person_id=seeded.id,
        kind=AssessmentKind.CONSENT,
        form_id="consent",
        form_version=1,
    )
    page._context.bus.broadcast(save_records(session, [draft]).changes)
    assert page.timeline_model.rowCount() == rows + 1
    assert draft.id in {e.record_id for e in page.timeline_model.rows}


def test_release_checklist_opens_over_the_page(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, seeded: Person
) -> None:
    page, _ = shown_page(qtbot, context, session)
    page.show_person(seeded.id)
    dialog = page.open_release_checklist()
    assert dialog is not None
    assert dialog.view.checklist is not None
    assert dialog.view.state_labels["naloxone"].text() == "Not done"  # the kit is still in property
    dialog.close()


def test_an_unknown_person_says_so(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> None:
    page, _ = shown_page(qtbot, context, session)
    page.show_person(uuid.uuid4())
    assert page.error.isVisible() and "no person" in page.error.text().lower()
    assert not page.start_button.isEnabled()
