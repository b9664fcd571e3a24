"""The shell around the pages: notifications, locking hides everything, switch user, F1, the Navigator."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.sync.cycle import SyncStatus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.help_dialog import HelpDialog
from cars_desktop.ui.main_window import SWITCH_USER_MESSAGE, conflicts_text, returned_text
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.print_preview_dialog import PrintPreviewDialog
from cars_desktop.ui.sync_controller import SyncMode, SyncSnapshot
from cars_protocol.records import AssessmentStatus, ReviewDecision
from tests import factories
from tests.ui.test_navigation import fake_pages, shown_window


class PersonPage(QLabel):
    """Stands in for the person page: records which person it was asked to show."""

    def __init__(self, _context: PageContext) -> None:
        super().__init__("person")
        self.shown: list[uuid.UUID] = []

    def show_person(self, person_id: uuid.UUID) -> None:
        self.shown.append(person_id)


def _returned(session: WorkstationSession) -> ReviewDecision:
    """A completed form by sam.worker, returned by a supervisor."""
    person = factories.person()
    form = factories.assessment(person.id).model_copy(update={"status": AssessmentStatus.COMPLETED})
    save_records(session, [person, form])
    decision = ReviewDecision(
        site_code=form.site_code,
        author="a.supervisor",
        assessment_id=form.id,
        assessment_revision=1,
        decision="returned",
        comment="Please add the referral outcome.",
    )
    save_records(session, [decision])
    return decision


def test_work_returned_to_the_user_is_noticed_when_it_arrives(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = shown_window(qtbot, context, session)
    assert window.notifications.texts() == []
    decision = _returned(session)
    window.change_bus.broadcast(Changes.of("review_decision", decision.id))  # as a sync or a save does
    assert window.notifications.texts() == [returned_text(1)]
    assert returned_text(1) == "1 form you completed was returned by a supervisor with comments to act on."
    notice = window.notifications.notice("returned")
    assert notice is not None and notice.action_button is not None
    window.show_page("settings")
    notice.action_button.click()
    assert window.current_page_id == "today"
    notice.dismiss_button.click()
    assert window.notifications.texts() == []
    window.change_bus.broadcast(Changes.of("review_decision", decision.id))
    assert window.notifications.texts() == []  # dismissed: the same news does not come back


def test_conflicts_waiting_are_noticed_from_the_sync_state(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = shown_window(qtbot, context, session)
    status = SyncStatus(0, None, None, None, None, conflicted_records=2)
    window.show_sync_notices(SyncSnapshot(SyncMode.ONLINE, status))
    assert window.notifications.texts() == [conflicts_text(2)]
    cleared = SyncStatus(0, None, None, None, None, conflicted_records=0)
    window.show_sync_notices(SyncSnapshot(SyncMode.ONLINE, cleared))
    assert window.notifications.texts() == []


def test_locking_destroys_pages_and_closes_forms_and_previews_at_once(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = shown_window(qtbot, context, session)
    page = window.show_page("review")
    assert page is not None
    person = factories.person()
    save_records(session, [person])
    form = window.navigator.open_form_window(person.id, "harm_reduction")
    assert form.isVisible()
    with qtbot.waitSignal(window.sig_locked, timeout=1_000):
        window.lock_now()
    assert window.page_widgets == {}
    assert window.stack.currentWidget() is window.welcome
    assert window.navigator.open_form_windows() == []
    visible = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    assert visible == []


def test_switch_user_locks_and_asks_for_an_empty_unlock_window(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = shown_window(qtbot, context, session)
    with qtbot.waitSignal(window.sig_switch_user, timeout=1_000) as blocker:
        qtbot.keyClick(
            window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    assert session.locked
    assert blocker.args == [SWITCH_USER_MESSAGE]


def test_f1_opens_help_for_the_page_in_front(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = shown_window(qtbot, context, session)
    window.show_page("settings")  # the fake settings page names no help topic: the general one
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, HelpDialog) and w.isVisible()]
    assert len(dialogs) == 1
    assert dialogs[0].topic == "general"
    assert "Moving around" in dialogs[0].plain_text()
    dialogs[0].close()


def test_navigator_opens_the_person_page_with_the_person(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    pages = [*fake_pages(), PageSpec("person", "Person", PersonPage, Permission.VIEW_PEOPLE, order=15)]
    window = shown_window(qtbot, context, session, pages)
    person_id = uuid.uuid4()
    window.navigator.open_person(person_id)
    assert window.current_page_id == "person"
    page = window.page_widgets["person"]
    assert isinstance(page, PersonPage) and page.shown == [person_id]


def test_navigator_without_a_person_page_says_so(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = shown_window(qtbot, context, session)
    window.navigator.open_person(uuid.uuid4())
    assert window.notifications.texts() == ["You cannot open person records with your role."]


def test_navigator_opens_the_print_preview_through_the_document_services(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = shown_window(qtbot, context, session)
    person = factories.person()
    save_records(session, [person])
    dialog = window.navigator.open_preview(person.id, "harm_reduction_advice")
    assert isinstance(dialog, PrintPreviewDialog)
    qtbot.waitUntil(lambda: dialog.print_button.isEnabled() or bool(dialog.message.text()), timeout=20_000)
    assert dialog.isVisible()
    dialog.close()
