"""The generic form widget, driven from the keyboard over a real store and the real form services.

Filling-in tests send key events only, each to the widget that has the focus, starting from the field
focused when the form opens; they never set a value or click in code. Checks read the store.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from cars_desktop.forms.catalogue import FormCatalogue, shipped_catalogue
from cars_desktop.forms.spec import FormSpec
from cars_desktop.services.forms import OpenForm, complete_form, open_form, start_form
from cars_desktop.services.records import record_history, save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.widgets.amend_dialog import AmendReasonDialog
from cars_desktop.ui.widgets.form_widget import FormWidget, Mode
from cars_desktop.ui.widgets.typed_dates import format_date
from cars_protocol.records import Assessment, AssessmentStatus
from tests import factories
from tests.conftest import Workstation

NO_MODIFIER = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


# ----- helpers shared with the other form widget tests ------------------------------------------


def harm_reduction_v1() -> FormCatalogue:
    """Version 1 of the Naloxone form, pinned so later versions do not change the key sequence."""
    return FormCatalogue([shipped_catalogue().get("harm_reduction", 1)])


def new_person(session: WorkstationSession) -> uuid.UUID:
    person = factories.person(author=session.user.username)
    save_records(session, [person])
    return person.id


def show_form(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, form: OpenForm, **options: Any
) -> FormWidget:
    """The widget shown and active (shortcuts need an active window), as a worker would open it."""
    widget = FormWidget(context, session, form, **options)
    qtbot.addWidget(widget)
    with qtbot.waitActive(widget):
        widget.resize(1366, 768)
        widget.show()
        widget.activateWindow()
    return widget


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def type_text(qtbot: QtBot, text: str) -> None:
    """Type into whatever has the focus."""
    qtbot.keyClicks(focused(), text)


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER, times: int = 1) -> None:
    """Press a key (with a modifier) on whatever has the focus."""
    for _ in range(times):
        qtbot.keyClick(focused(), key, modifier)


def tab(qtbot: QtBot, times: int = 1) -> None:
    press(qtbot, Qt.Key.Key_Tab, times=times)


def at(name: str) -> QWidget:
    """The focused widget, checked to be the one with this accessible name (so a slip fails early)."""
    widget = focused()
    assert widget.accessibleName() == name, f"focus is on {widget.accessibleName()!r}, expected {name!r}"
    return widget


def row_message(widget: FormWidget, field_id: str) -> str:
    row = next(r for r in widget.rows if r.spec.id == field_id)
    return row.message.text() if not row.message.isHidden() else ""


def editor_widget(widget: FormWidget, field_id: str) -> QWidget:
    row = next(r for r in widget.rows if r.spec.id == field_id)
    return row.editor.focus_widgets()[0]


# ----- (a) a whole form from the keyboard ---------------------------------------------------------


def test_harm_reduction_is_completed_from_the_keyboard_and_kept_after_reopening_the_store(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, workstation: Workstation
) -> None:
    person_id = new_person(session)
    form = start_form(session, "harm_reduction", person_id, catalogue=harm_reduction_v1())
    widget = show_form(qtbot, context, session, form)
    completed: list[Any] = []
    widget.sig_completed.connect(completed.append)
    today = date.today()
    expiry = today + timedelta(days=730)

    at("Uses opioids (heroin, street methadone, other opioids)")
    type_text(qtbot, "y")
    tab(qtbot)
    at("Overdose risk after release")
    press(qtbot, Qt.Key.Key_Space)
    tab(qtbot, 2)
    at("Needle exchange locations")
    press(qtbot, Qt.Key.Key_Space)
    tab(qtbot, 3)
    assert widget.panels[1].isHidden(), "the supply section waits for Naloxone to be offered"
    at("Take-home Naloxone offered")
    type_text(qtbot, "y")  # the skip-logic branch: the supply section appears
    assert not widget.panels[1].isHidden()
    tab(qtbot)
    at("Consents to the supply and to it being recorded")
    type_text(qtbot, "y")
    tab(qtbot)
    at("Product")
    press(qtbot, Qt.Key.Key_Down)  # the first product
    tab(qtbot)
    at("Batch number")
    type_text(qtbot, "PX2291/B")
    tab(qtbot)
    at("Date supplied")
    type_text(qtbot, "today")
    tab(qtbot)
    at("Expiry date")
    type_text(qtbot, format_date(expiry))
    tab(qtbot)
    at("Number of kits")
    type_text(qtbot, "2")
    tab(qtbot)
    at("Reason for supply")
    press(qtbot, Qt.Key.Key_Down, times=2)  # "Replacement: used on self" opens a follow-up question
    tab(qtbot)
    at("What happened when the previous kit was used")
    type_text(qtbot, "Used by a friend at a hostel; ambulance called.")
    tab(qtbot)
    at("Overdose risk: low tolerance after custody, mixing drugs, using alone")
    tab(qtbot)
    at("Recognising an opioid overdose")
    press(qtbot, Qt.Key.Key_Space)
    tab(qtbot, 2)
    at("Call 999 for an ambulance")
    press(qtbot, Qt.Key.Key_Space)
    tab(qtbot, 9)
    at("Product leaflet given")
    type_text(qtbot, "y")
    tab(qtbot)
    at("Kit handed to custody property for return on release")
    type_text(qtbot, "y")
    tab(qtbot)
    at("Kit returned to the person on release")
    type_text(qtbot, "no")
    press(qtbot, Qt.Key.Key_Return, CTRL)

    assert widget.summary.isHidden(), widget.summary.text()
    assert len(completed) == 1
    assert widget.mode is Mode.COMPLETED
    record_id = completed[0].record.id
    widget.close()

    session.lock()
    reopened = workstation.unlock()
    try:
        stored = open_form(reopened, record_id, catalogue=harm_reduction_v1())
    finally:
        reopened.lock()
    assert stored.record.status is AssessmentStatus.COMPLETED
    assert stored.record.form_version == 1
    assert stored.record.answers == {
        "opioid_use": "yes",
        "advice_given": ["overdose_risk", "needle_exchange"],
        "naloxone_offered": "yes",
        "consent_to_supply": "yes",
        "product": "prenoxad",
        "batch_number": "PX2291/B",
        "supplied_on": today.isoformat(),
        "expiry_date": expiry.isoformat(),
        "quantity": 2,
        "reason": "used_on_self",
        "previous_kit_outcome": "Used by a friend at a hostel; ambulance called.",
        "training_topics": ["recognising_overdose", "call_999"],
        "leaflet_given": "yes",
        "handed_to_property": "yes",
        "returned_on_release": "no",
    }


def test_the_first_field_has_the_focus_and_every_stop_has_an_accessible_name(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    form = start_form(session, "harm_reduction", new_person(session), catalogue=harm_reduction_v1())
    widget = show_form(qtbot, context, session, form)
    assert focused() is editor_widget(widget, "opioid_use")
    stops = [w for row in widget.rows for w in row.focus_widgets()]
    stops += [widget.save_button, widget.complete_button, widget.amend_button, widget.index]
    assert all(stop.accessibleName() for stop in stops)
    assert [row.editor.accessibleName() for row in widget.rows] == [row.spec.label for row in widget.rows]
    advice = next(row for row in widget.rows if row.spec.id == "advice_given")
    assert {box.accessibleDescription() for box in advice.focus_widgets()} == {"Advice given"}


def test_section_shortcuts_move_between_shown_sections(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    form = start_form(session, "harm_reduction", new_person(session), catalogue=harm_reduction_v1())
    widget = show_form(qtbot, context, session, form)
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    at("Uses opioids (heroin, street methadone, other opioids)")  # the supply section is hidden: stay
    tab(qtbot, 6)
    type_text(qtbot, "y")
    press(qtbot, Qt.Key.Key_PageUp, CTRL)
    at("Uses opioids (heroin, street methadone, other opioids)")
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    at("Consents to the supply and to it being recorded")
    assert widget.index.currentRow() == 1


def test_hiding_a_branch_keeps_what_was_typed_but_completing_leaves_it_out(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    form = start_form(session, "harm_reduction", new_person(session), catalogue=harm_reduction_v1())
    widget = show_form(qtbot, context, session, form)
    type_text(qtbot, "n")
    tab(qtbot, 6)
    type_text(qtbot, "n")
    tab(qtbot)
    at("Why Naloxone was not supplied")
    type_text(qtbot, "Already carries a kit")
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    type_text(qtbot, "y")  # changes their mind: the reason is hidden, and kept in case they change back
    assert editor_widget(widget, "naloxone_declined_reason").isHidden() is False
    assert next(r for r in widget.rows if r.spec.id == "naloxone_declined_reason").isHidden()
    assert widget.answers()["naloxone_declined_reason"] == "Already carries a kit"


# ----- (b) a live score ---------------------------------------------------------------------------

FREQUENCY = [
    {"code": 0, "label": "Never"},
    {"code": 1, "label": "Monthly or less"},
    {"code": 2, "label": "2 to 4 times a month"},
    {"code": 3, "label": "2 to 3 times a week"},
    {"code": 4, "label": "4 or more times a week"},
]


def tiny_audit_c() -> FormCatalogue:
    """A test-only form: three AUDIT-C items of different field types feeding the real scorer."""
    spec = FormSpec.model_validate(
        {
            "id": "tiny_audit_c",
            "version": 1,
            "title": "AUDIT-C check",
            "purpose": "A test form with a live score.",
            "record_kind": "lifestyle",
            "sections": [
                {
                    "id": "alcohol",
                    "title": "Alcohol",
                    "fields": [
                        {"id": "q1", "type": "scale", "label": "How often a drink", "choices": FREQUENCY},
                        {
                            "id": "q2",
                            "type": "integer",
                            "label": "Score for units on a typical day (0 to 4)",
                            "validation": {"min": 0, "max": 4},
                        },
                        {
                            "id": "q3",
                            "type": "single_choice",
                            "label": "How often 6 or more",
                            "choices": FREQUENCY,
                        },
                        {
                            "id": "audit_c",
                            "type": "computed",
                            "label": "AUDIT-C score",
                            "computed": {"scorer": "audit_c", "args": {"items": ["q1", "q2", "q3"]}},
                        },
                    ],
                },
                {
                    "id": "full_audit",
                    "title": "The rest of the AUDIT",
                    "shown_when": {"field": "audit_c", "op": ">=", "value": 5, "part": "total"},
                    "fields": [{"id": "q4", "type": "yes_no", "label": "Could not stop once started"}],
                },
            ],
        }
    )
    return FormCatalogue([spec])


def test_a_score_updates_as_the_answers_are_typed(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    catalogue = tiny_audit_c()
    form = start_form(session, "tiny_audit_c", new_person(session), catalogue=catalogue)
    widget = show_form(qtbot, context, session, form)
    score = next(r for r in widget.rows if r.spec.id == "audit_c").editor.focus_widgets()[0]
    assert score.accessibleDescription() == "(answer the questions above)"

    at("How often a drink")
    press(qtbot, Qt.Key.Key_Down, times=3)  # 2 to 3 times a week: 2
    tab(qtbot)
    type_text(qtbot, "1")
    tab(qtbot)
    assert "answer the questions above" in score.accessibleDescription()  # not scored half-answered
    press(qtbot, Qt.Key.Key_Down, times=2)  # monthly or less: 1
    assert score.accessibleDescription().startswith("AUDIT-C 4: negative")
    assert widget.panels[1].isHidden()

    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    at("Score for units on a typical day (0 to 4)")
    press(qtbot, Qt.Key.Key_Backspace)
    type_text(qtbot, "3")
    assert score.accessibleDescription().startswith("AUDIT-C 6: positive")
    assert not widget.panels[1].isHidden(), "a positive AUDIT-C opens the rest of the AUDIT"
    tab(qtbot, 2)
    at("AUDIT-C score")  # the score is a Tab stop, so it can be read out
    press(qtbot, Qt.Key.Key_S, CTRL)
    stored = open_form(session, form.record.id, catalogue=catalogue)
    score_answer = stored.record.answers["audit_c"]
    assert isinstance(score_answer, dict)
    assert score_answer["total"] == 6


# ----- (c) validation beside the fields and in the summary ----------------------------------------


def test_completing_an_incomplete_form_shows_each_problem_and_keeps_every_answer(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    form = start_form(session, "harm_reduction", new_person(session), catalogue=harm_reduction_v1())
    widget = show_form(qtbot, context, session, form)
    type_text(qtbot, "y")
    tab(qtbot, 6)
    type_text(qtbot, "y")
    tab(qtbot)
    type_text(qtbot, "y")
    tab(qtbot, 2)
    at("Batch number")
    type_text(qtbot, "X")
    tab(qtbot)
    at("Date supplied")
    type_text(qtbot, "31/02/2025")
    tab(qtbot, 2)
    at("Number of kits")
    type_text(qtbot, "9")
    assert row_message(widget, "supplied_on").startswith("There is no such date")  # shown on leaving
    assert row_message(widget, "quantity") == ""  # still being typed: no message yet
    press(qtbot, Qt.Key.Key_Return, CTRL)

    assert widget.mode is Mode.DRAFT
    assert row_message(widget, "supplied_on").startswith("There is no such date")
    summary = widget.summary.text()
    assert summary.startswith("Before this form can be completed")
    assert "Date supplied: there is no such date" in summary
    at("Date supplied")  # the focus goes to the first problem

    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, format_date(date.today()))
    press(qtbot, Qt.Key.Key_Return, CTRL)  # now the service checks the whole form
    assert row_message(widget, "product") == "This must be answered"
    assert (
        row_message(widget, "batch_number") == "Use the batch number printed on the box (letters and digits)"
    )
    assert row_message(widget, "quantity") == "Must be 5 or less"
    assert row_message(widget, "expiry_date") == "This must be answered"
    assert "Product: this must be answered" in widget.summary.text()
    assert "Naloxone supply (" in widget.index.item(1).text()
    at("Product")
    assert widget.answers()["batch_number"] == "X"
    assert widget.answers()["quantity"] == 9
    assert widget.answers()["supplied_on"] == date.today().isoformat()

    press(qtbot, Qt.Key.Key_Down)  # fixing a problem clears its message at once
    assert row_message(widget, "product") == ""
    assert "Product:" not in widget.summary.text()
    press(qtbot, Qt.Key.Key_S, CTRL)  # the draft keeps every answer that is well formed
    stored = open_form(session, form.record.id, catalogue=harm_reduction_v1())
    assert stored.record.status is AssessmentStatus.DRAFT
    assert stored.record.answers["product"] == "prenoxad"
    assert stored.record.answers["supplied_on"] == date.today().isoformat()
    assert "batch_number" not in stored.record.answers  # saved once it is put right


# ----- (d) read-only and amendment ----------------------------------------------------------------

COMPLETE_SUPPLY = {
    "opioid_use": "yes",
    "naloxone_offered": "yes",
    "consent_to_supply": "yes",
    "product": "nyxoid",
    "batch_number": "NX5501",
    "supplied_on": date.today().isoformat(),
    "expiry_date": (date.today() + timedelta(days=400)).isoformat(),
    "quantity": 1,
    "reason": "first_supply",
    "training_topics": ["recognising_overdose", "call_999"],
}


def test_a_completed_form_is_read_only_and_an_amendment_keeps_the_old_revision(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    catalogue = harm_reduction_v1()
    draft = start_form(session, "harm_reduction", new_person(session), catalogue=catalogue)
    done = complete_form(session, draft, dict(COMPLETE_SUPPLY))
    widget = show_form(qtbot, context, session, open_form(session, done.record.id, catalogue=catalogue))
    amended: list[OpenForm] = []
    widget.sig_amended.connect(amended.append)

    assert widget.mode is Mode.COMPLETED
    batch = editor_widget(widget, "batch_number")
    assert isinstance(batch, QLineEdit)
    assert batch.isReadOnly()
    assert not editor_widget(widget, "product").isEnabled()
    assert widget.amend_button.isVisible()
    assert not widget.complete_button.isVisible()
    assert "Read-only" in widget.state.text()
    type_text(qtbot, "zz")
    press(qtbot, Qt.Key.Key_Return, CTRL)  # nothing to complete
    assert widget.answers() == COMPLETE_SUPPLY

    widget.amend_button.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    dialog = widget.findChild(AmendReasonDialog)
    assert dialog is not None
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.reason, "Bat")
    assert not dialog.amend_button.isEnabled(), "a reason must say something"
    qtbot.keyClicks(dialog.reason, "ch number was mistyped")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert widget.mode is Mode.AMENDING
    assert "Batch number was mistyped" in widget.notice.text()

    at("Uses opioids (heroin, street methadone, other opioids)")  # editable again, from the top
    tab(qtbot, 9)
    at("Batch number")
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "NX5510")
    press(qtbot, Qt.Key.Key_Return, CTRL)

    assert len(amended) == 1
    assert widget.mode is Mode.COMPLETED
    assert batch.isReadOnly()
    history = record_history(session, done.record.id)
    assert all(isinstance(r, Assessment) for r in history)
    assert [r.answers["batch_number"] for r in history if isinstance(r, Assessment)] == ["NX5501", "NX5510"]
    latest = history[-1]
    assert isinstance(latest, Assessment)
    assert latest.status is AssessmentStatus.AMENDED
    assert latest.amendment_reason == "Batch number was mistyped"


def test_cancelling_an_amendment_puts_the_completed_answers_back(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    catalogue = harm_reduction_v1()
    draft = start_form(session, "harm_reduction", new_person(session), catalogue=catalogue)
    done = complete_form(session, draft, dict(COMPLETE_SUPPLY))
    widget = show_form(qtbot, context, session, open_form(session, done.record.id, catalogue=catalogue))
    dialog = widget.ask_amend_reason()
    assert dialog is not None
    qtbot.keyClicks(dialog.reason, "Wrong product chosen")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    editor_widget(widget, "product").setFocus()
    press(qtbot, Qt.Key.Key_Up)
    assert widget.answers()["product"] == "prenoxad"
    widget.cancel_amendment()
    assert widget.mode is Mode.COMPLETED
    assert widget.answers() == COMPLETE_SUPPLY
    assert len(record_history(session, done.record.id)) == 1


# ----- editors bind both ways ---------------------------------------------------------------------

EVERY_TYPE = FormSpec.model_validate(
    {
        "id": "every_type",
        "version": 1,
        "title": "Every field type",
        "purpose": "A test form with one field of each type.",
        "record_kind": "lifestyle",
        "sections": [
            {
                "id": "one",
                "title": "One",
                "fields": [
                    {"id": "short", "type": "short_text", "label": "Short"},
                    {"id": "long", "type": "long_text", "label": "Long"},
                    {"id": "whole", "type": "integer", "label": "Whole"},
                    {"id": "decimal", "type": "decimal", "label": "Decimal"},
                    {"id": "day", "type": "date", "label": "Day"},
                    {"id": "clock", "type": "time", "label": "Clock"},
                    {"id": "moment", "type": "datetime", "label": "Moment"},
                    {"id": "pick", "type": "single_choice", "label": "Pick", "choices": FREQUENCY},
                    {"id": "many", "type": "multiple_choice", "label": "Many", "choices": FREQUENCY},
                    {"id": "yn", "type": "yes_no", "label": "Yes or no"},
                    {"id": "scale", "type": "scale", "label": "Scale", "choices": FREQUENCY},
                    {"id": "provider", "type": "lookup", "label": "Provider", "lookup": "provider"},
                    {"id": "la", "type": "lookup", "label": "Local authority", "lookup": "local_authority"},
                    {"id": "who", "type": "lookup", "label": "Person", "lookup": "person"},
                    {"id": "signed", "type": "signature", "label": "Signed"},
                ],
            },
            {
                "id": "two",
                "title": "Two",
                "fields": [
                    {
                        "id": "substances",
                        "type": "repeat_group",
                        "label": "Substances",
                        "validation": {"max_items": 2},
                        "fields": [
                            {"id": "substance", "type": "short_text", "label": "Substance"},
                            {
                                "id": "route",
                                "type": "single_choice",
                                "label": "Route",
                                "choices": [
                                    {"code": "smoke", "label": "Smoked"},
                                    {"code": "inject", "label": "Injected"},
                                ],
                            },
                            {
                                "id": "shared",
                                "type": "yes_no",
                                "label": "Shares equipment",
                                "shown_when": {"field": "route", "op": "==", "value": "inject"},
                            },
                        ],
                    }
                ],
            },
        ],
    }
)

EVERY_ANSWER: dict[str, Any] = {
    "short": "Short answer",
    "long": "Line one\nLine two",
    "whole": 12,
    "decimal": 2.5,
    "day": "2025-03-24",
    "clock": "09:05",
    "moment": "2025-07-01T13:30:00+00:00",  # 14:30 British Summer Time
    "pick": 3,
    "many": [0, 4],
    "yn": "not_asked",
    "scale": 1,
    "provider": "CGL-DUDLEY",
    "la": "SANDWELL",
    "who": str(uuid.UUID(int=7)),
    "signed": {"name": "Sam Worker", "signed_at": "2025-03-24T10:00:00+00:00"},
    "substances": [{"substance": "Heroin", "route": "inject", "shared": "no"}, {"substance": "Crack"}],
}


def test_every_field_type_shows_a_stored_answer_and_gives_it_back_unchanged(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    catalogue = FormCatalogue([EVERY_TYPE])
    form = start_form(session, "every_type", new_person(session), answers=EVERY_ANSWER, catalogue=catalogue)
    widget = show_form(qtbot, context, session, form)
    assert widget.answers() == EVERY_ANSWER
    moment = next(r for r in widget.rows if r.spec.id == "moment").editor
    assert [w.text() for w in moment.focus_widgets()] == ["01/07/2025", "14:30"]  # type: ignore[attr-defined]
    combo = editor_widget(widget, "pick")
    assert isinstance(combo, QComboBox)
    assert combo.currentText() == "2 to 3 times a week"
    assert isinstance(editor_widget(widget, "long"), QPlainTextEdit)
    assert isinstance(editor_widget(widget, "many"), QCheckBox)


def test_a_repeat_group_is_used_from_the_keyboard_up_to_its_limit(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    catalogue = FormCatalogue([EVERY_TYPE])
    form = start_form(session, "every_type", new_person(session), catalogue=catalogue)
    widget = show_form(qtbot, context, session, form)
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    at("Add an entry to Substances")
    press(qtbot, Qt.Key.Key_Space)
    at("Substance (entry 1)")
    type_text(qtbot, "Heroin")
    tab(qtbot)
    at("Route (entry 1)")
    type_text(qtbot, "i")
    tab(qtbot)
    at("Shares equipment (entry 1)")  # skip logic inside the entry
    type_text(qtbot, "y")
    tab(qtbot)
    at("Remove entry 1 of Substances")
    tab(qtbot)
    press(qtbot, Qt.Key.Key_Return)  # Return presses a focused button too, not only Space
    at("Substance (entry 2)")
    type_text(qtbot, "Crack")
    tab(qtbot)
    at("Route (entry 2)")
    tab(qtbot)  # smoked or not given: the sharing question stays hidden
    at("Remove entry 2 of Substances")
    group = next(r for r in widget.rows if r.spec.id == "substances").repeat_group
    assert group is not None
    assert not group.add_button.isEnabled(), "at most two entries"
    assert widget.answers()["substances"] == [
        {"substance": "Heroin", "route": "inject", "shared": "yes"},
        {"substance": "Crack"},
    ]
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier, times=3)
    at("Remove entry 1 of Substances")
    press(qtbot, Qt.Key.Key_Space)
    moved = at("Substance (entry 1)")  # the old entry 2, renumbered
    assert isinstance(moved, QLineEdit)
    assert moved.text() == "Crack"
    assert widget.answers()["substances"] == [{"substance": "Crack"}]
    assert group.add_button.isEnabled()


@pytest.mark.parametrize("form_id", sorted(shipped_catalogue().form_ids()))
def test_every_shipped_form_opens_with_the_first_field_focused(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, form_id: str
) -> None:
    form = start_form(session, form_id, new_person(session))
    widget = show_form(qtbot, context, session, form)
    first = widget.rows[0]
    assert first.editor.has_focus_within()
    assert all(w.accessibleName() for row in widget.rows for w in row.focus_widgets())


def test_a_date_and_time_is_typed_in_two_parts_without_a_message_in_between(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    catalogue = FormCatalogue([EVERY_TYPE])
    form = start_form(session, "every_type", new_person(session), catalogue=catalogue)
    widget = show_form(qtbot, context, session, form)
    tab(qtbot, 6)
    at("Moment, date")
    type_text(qtbot, "1/7/25")
    tab(qtbot)
    at("Moment, time")
    assert row_message(widget, "moment") == ""  # half-way through: no message yet
    tab(qtbot)
    assert row_message(widget, "moment") == "Enter both the date and the time"
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    type_text(qtbot, "1430")
    tab(qtbot)
    assert row_message(widget, "moment") == ""
    assert widget.answers()["moment"] == "2025-07-01T13:30:00+00:00"
    date_part = next(r for r in widget.rows if r.spec.id == "moment").editor.focus_widgets()[0]
    assert isinstance(date_part, QLineEdit)
    assert date_part.text() == "01/07/2025"  # rewritten in the standard form once left


def test_court_form_marks_answers_carried_over_from_custody_for_confirmation(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    person_id = new_person(session)
    lifestyle = start_form(session, "lifestyle", person_id)
    example = json.loads((Path(__file__).parents[1] / "forms" / "examples" / "lifestyle.json").read_text())
    complete_form(session, lifestyle, example["answers"])
    court = start_form(session, "court_suitability", person_id)
    assert court.carried, "the court form should start from the recent lifestyle answers"
    widget = show_form(qtbot, context, session, court)
    carried_id = next(iter(court.carried))
    row = widget.row_for((carried_id, None))
    assert row is not None and row.carried_note.isVisibleTo(widget)
    assert row.carried_note.text().startswith("Carried over from the lifestyle form of ")
    others = [r for r in widget.rows if r.spec.id not in court.carried]
    assert others and not any(r.carried_note.isVisibleTo(widget) for r in others)
