"""The change bus: ops broadcast what they changed, and a page refreshes only if it is concerned."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QObject, Qt
from pytestqt.qtbot import QtBot

from cars_desktop.domain.changes import Changes
from cars_desktop.services.forms import start_form
from cars_desktop.services.records import Saved, save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus, concerns
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.task_runner import InlineTaskRunner
from tests import factories
from tests.ui.test_form_widget import CTRL, harm_reduction_v1, new_person, press, show_form, type_text

PERSON_ID = uuid.UUID(int=1)


class _Page(QObject):
    """A page that shows some record types and counts its refreshes."""

    def __init__(self, bus: ChangeBus, record_types: set[str]) -> None:
        super().__init__()
        self.record_types = record_types
        self.refreshed: list[Changes] = []
        bus.sig_changed.connect(self._changed)

    def _changed(self, changes: Changes) -> None:
        if concerns(changes, self.record_types):
            self.refreshed.append(changes)


def test_concerns_matches_types_ids_or_users() -> None:
    change = Changes.of("person", PERSON_ID)
    assert concerns(change, {"person"})
    assert not concerns(change, {"assessment"})
    assert concerns(change, record_ids={PERSON_ID})
    assert not concerns(change, {"assessment"}, {uuid.UUID(int=2)})
    assert concerns(Changes(users=True), users=True)
    assert not concerns(Changes(users=True))


def test_an_empty_change_is_not_broadcast(qtbot: QtBot) -> None:
    bus = ChangeBus()
    seen: list[Changes] = []
    bus.sig_changed.connect(seen.append)
    bus.broadcast(Changes())
    bus.broadcast(Changes.of("person", PERSON_ID))
    assert seen == [Changes.of("person", PERSON_ID)]


def test_an_op_broadcasts_its_changes_before_its_own_callback(
    qtbot: QtBot, session: WorkstationSession
) -> None:
    bus = ChangeBus()
    people, forms = _Page(bus, {"person"}), _Page(bus, {"assessment"})
    order: list[str] = []
    bus.sig_changed.connect(lambda _: order.append("broadcast"))
    person = factories.person(author=session.user.username)

    def done(saved: Saved) -> None:
        order.append("callback")

    run_op(
        InlineTaskRunner(),
        lambda: save_records(session, [person]),
        bus.broadcasting(lambda s: s.changes, done),
    )
    assert order == ["broadcast", "callback"]
    assert [c.record_ids for c in people.refreshed] == [frozenset({person.id})]
    assert forms.refreshed == []


def test_a_failed_op_broadcasts_nothing(qtbot: QtBot) -> None:
    bus = ChangeBus()
    seen: list[Changes] = []
    bus.sig_changed.connect(seen.append)
    errors: list[str] = []

    def fail() -> Saved:
        raise ValueError("boom")

    run_op(InlineTaskRunner(), fail, bus.broadcasting(lambda s: s.changes, lambda _: None), errors.append)
    assert seen == []
    assert errors


def test_a_saved_form_reaches_the_pages_that_show_forms_only(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    bus = ChangeBus()
    people, forms = _Page(bus, {"person"}), _Page(bus, {"assessment"})
    draft = start_form(session, "harm_reduction", new_person(session), catalogue=harm_reduction_v1())
    widget = show_form(qtbot, context, session, draft, bus=bus, autosave_ms=60_000)
    type_text(qtbot, "n")
    press(qtbot, Qt.Key.Key_S, CTRL)
    assert [c.record_ids for c in forms.refreshed] == [frozenset({draft.record.id})]
    assert people.refreshed == []
    widget.close()
