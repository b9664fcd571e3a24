"""Every CARS form completed end to end from the keyboard, then read back after reopening the store.

For each form (the ten of issue 3, with the referral outcome and case closure that complete forms 8
and 10) the latest version is opened for a saved person and filled in by `keyboard_driver` with key
events only, sent to the focused widget from the field focused when the form opens: no value is set
and nothing is clicked in code. The answers are the validated examples in tests/forms/examples,
changed where a scenario takes another branch. Each scenario checks skip-logic branches as they
open, and the live scores where the form has them; Ctrl+Return completes the form; the store is
locked and unlocked again, and the completed record, its answers and the actions its findings
created are read back through the services.
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import PySide6
import pytest
from PySide6.QtCore import QObject, Qt
from pytestqt.qtbot import QtBot

from cars_desktop.forms.catalogue import shipped_catalogue
from cars_desktop.forms.spec import FieldType, FormSpec
from cars_desktop.services.forms import Completed, open_form, start_form
from cars_desktop.services.records import open_record
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.widgets.form_widget import Mode
from cars_protocol.records import Action, ActionStatus, AssessmentStatus
from tests.conftest import WORKER, Workstation
from tests.ui.keyboard_driver import SCORE_PLACEHOLDER, KeyboardDriver, focused, locate, score_texts
from tests.ui.test_form_widget import new_person, show_form

EXAMPLES = Path(__file__).parent.parent / "forms" / "examples"
NO_AUTOSAVE_MS = 600_000
"""Autosave is left to its own tests: here a save never lands between two key presses."""


@dataclass(frozen=True)
class Scenario:
    """How one form is filled in: the example's answers, changed, and what to check on the way."""

    changes: dict[str, Any] = field(default_factory=dict)
    """Answers added to (or replacing those of) the example, to take another branch."""
    dropped: tuple[str, ...] = ()
    """Example answers left out (their questions stay hidden on this branch)."""
    branches: tuple[tuple[str, str], ...] = ()
    """(answer typed, question it brings on screen): hidden just before that answer, shown just after."""
    scores: tuple[tuple[str, str, str], ...] = ()
    """(score, the answer that completes it, the text it then shows, before the form is completed)."""
    actions: tuple[str, ...] = ()
    """Action types completing creates, sorted."""


SCENARIOS: dict[str, Scenario] = {
    "custody_arrival": Scenario(
        branches=(
            ("offences.1.trigger_offence_code", "offences.1.specified_class_a"),
            ("sample_outcome", "sample_type"),
            ("sample_outcome", "results"),
            ("results.0.result", "results.0.disputed"),
            ("results.0.disputed", "results.0.sent_for_confirmation_on"),
            ("results.0.confirmatory_result", "results.0.confirmatory_received_on"),
        ),
    ),
    # The failure branch: the person arrives but leaves early, so the police must be told.
    "required_initial": Scenario(
        changes={
            "remained": "no",
            "left_at": "2026-11-05T11:20:00+00:00",
            "reason_given": "Said he had to collect his daughter from school and walked out.",
            "police_notified_at": "2026-11-05T11:45:00+00:00",
            "police_officer_notified": "PS 2231 Okafor",
            "notification_method": "phone",
            "evidential_statement": "yes",
        },
        dropped=(
            "dependency_finding",
            "dependency_evidence",
            "benefit_from_help",
            "advice_given",
            "advice_details",
            "follow_up_decision",
            "ra4_appointment_at",
            "ra4_place",
            "ra4_warning_given",
            "ra4_notice_given",
        ),
        branches=(
            ("attended", "arrived_at"),
            ("remained", "left_at"),
            ("remained", "reason_given"),
            ("remained", "police_notified_at"),
        ),
        actions=("police_notification",),
    ),
    "required_follow_up": Scenario(
        branches=(
            ("attended", "arrived_at"),
            ("remained", "care_plan_created"),
            ("care_plan_created", "care_plan_goals"),
            ("referrals_made", "referrals"),
            ("referrals.0.service_kind", "referrals.0.provider_code"),
            ("referrals.1.service_kind", "referrals.1.service_name"),
        ),
    ),
    "lifestyle": Scenario(
        branches=(
            ("problem_use", "substances"),
            ("injecting_status", "last_injected"),
            ("overdose_ever", "overdose_last"),
            ("audit_1", "drinking_days_28"),
            ("audit_3", "audit_4"),  # a positive AUDIT-C opens the rest of the AUDIT
            ("treatment_ever", "treatment_history"),
            ("children_under_18", "children_live_with"),
            ("consent_to_share", "consent_signature"),
        ),
        scores=(
            (
                "audit_c_score",
                "audit_3",
                "AUDIT-C 7: positive (5 or more) — ask the remaining AUDIT questions",
            ),
            ("audit_score", "audit_10", "AUDIT 11: increasing risk (hazardous) — offer brief advice"),
            ("sds_score", "sds_5", "SDS 12 for heroin: positive — suggests dependence (cut-off 3 or more)"),
        ),
    ),
    "vulnerability": Scenario(
        branches=(
            ("self_harm_history", "self_harm_history_details"),
            ("da_disclosed", "da_role"),
            ("da_role", "safe_to_talk"),
            ("safe_to_talk", "dash_1"),  # the DASH section
            ("children_at_risk", "children_at_risk_details"),
        ),
        scores=(
            (
                "dash_score",
                "dash_incidents_12m",
                "DASH 14 of 24 yes (1 not known): high risk — refer to MARAC "
                "(visible high risk: 14 or more yes)",
            ),
        ),
        actions=("liaison_and_diversion", "marac", "safeguarding"),
    ),
    "court_suitability": Scenario(
        branches=(
            ("problem_use", "substances"),
            ("audit_3", "audit_4"),
            ("offending_link", "offending_link_details"),
            ("treatment_available", "provider_code"),
            ("outcome", "requirement_type"),
            ("reviews", "review_interval_months"),
            ("adjourned", "return_date"),
            ("sentence_result", "sentence_length_months"),
        ),
        scores=(
            (
                "audit_c_score",
                "audit_3",
                "AUDIT-C 12: positive (5 or more) — ask the remaining AUDIT questions",
            ),
            (
                "audit_score",
                "audit_10",
                "AUDIT 30: possible dependence; dependence items 4 or more — refer for specialist assessment",
            ),
            ("sds_score", "sds_5", "SDS 10 for heroin: positive — suggests dependence (cut-off 3 or more)"),
        ),
    ),
    "harm_reduction": Scenario(
        branches=(
            ("naloxone_offered", "consent_to_supply"),  # the supply section
            ("consent_to_supply", "product"),
            ("recipient_type", "recipient_name"),
        ),
    ),
    "referral": Scenario(
        branches=(
            ("urgent", "urgent_reason"),
            ("appointment_booked", "appointment_at"),
            ("consent_given", "consent_scope"),
        ),
    ),
    "referral_outcome": Scenario(
        branches=(
            ("outcome", "not_converted_reason"),
            ("not_converted_reason", "not_converted_details"),
        ),
    ),
    # Typed in British Summer Time: 23:15 on 7 July is stored as 22:15 UTC.
    "out_of_hours_booking": Scenario(
        changes={
            "ra1_issued_at": "2026-07-07T22:15:00+00:00",
            "starts_at": "2026-07-09T08:30:00+00:00",
        },
        branches=(
            ("reason", "ra1_issued"),
            ("ra1_issued", "ra1_issued_at"),
        ),
    ),
    "consent": Scenario(
        branches=(
            ("legal_basis", "justification"),  # sharing without consent, on safeguarding grounds
            ("legal_basis", "person_told"),
        ),
    ),
    "case_closure": Scenario(
        branches=(("reason", "provider_code"),),
    ),
}


def script_for(form_id: str, spec: FormSpec) -> dict[str, Any]:
    """The answers to type: the form's example, with the scenario's changes."""
    example = json.loads((EXAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))
    assert (example["form_id"], example["version"]) == (spec.id, spec.version), "example of another version"
    scenario = SCENARIOS[form_id]
    answers = {k: v for k, v in copy.deepcopy(example["answers"]).items() if k not in scenario.dropped}
    answers.update(copy.deepcopy(scenario.changes))
    return answers


def without_blanks(value: Any) -> Any:
    """Answers as stored: blank answers (None, empty lists) are not answers."""
    if isinstance(value, dict):
        return {k: without_blanks(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [without_blanks(v) for v in value]
    return value


def drops_none_references() -> bool:
    """Whether the Qt bindings lose a reference to None on each call of a method returning nothing.

    PySide6 6.12.0 does on Python 3.11 (6.11.3 does not; from Python 3.12 None is immortal): every
    such call, and a keystroke in a large form makes hundreds, takes one of None's references, and
    when they run out the interpreter aborts ("none_dealloc: deallocating None"), here and in the
    application alike. Filling in the lifestyle form by keyboard takes more than a process has.
    """
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(100):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 50


@pytest.fixture
def bindings_keep_none_alive() -> None:
    """Fail clearly, instead of aborting the whole test run part-way through a form."""
    if drops_none_references():
        pytest.fail(
            f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} drops a reference to None on "
            "every call of a Qt method that returns nothing; typing a whole form would abort the interpreter "
            "(none_dealloc). Use a PySide6 without this defect (6.11.3 is fine) or Python 3.12 or later."
        )


def test_the_scenarios_cover_every_shipped_form() -> None:
    assert sorted(SCENARIOS) == shipped_catalogue().form_ids()


@pytest.mark.usefixtures("bindings_keep_none_alive")
@pytest.mark.parametrize("form_id", sorted(SCENARIOS))
def test_a_form_is_completed_from_the_keyboard_and_read_back_after_reopening_the_store(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, workstation: Workstation, form_id: str
) -> None:
    scenario = SCENARIOS[form_id]
    person_id = new_person(session)
    form = start_form(session, form_id, person_id)
    spec = form.spec
    assert spec.version == shipped_catalogue().latest(form_id).version
    script = script_for(form_id, spec)
    widget = show_form(qtbot, context, session, form, autosave_ms=NO_AUTOSAVE_MS)
    completed: list[Completed] = []
    widget.sig_completed.connect(completed.append)
    started = datetime.now(UTC).replace(microsecond=0)

    # The focus starts in the first question; everything from here is key presses.
    first = locate(widget, focused())
    assert first is not None and first.row is widget.rows[0], "the first question does not have the focus"
    for score, _, _ in scenario.scores:
        assert score_texts(widget)[score] == SCORE_PLACEHOLDER
    driver = KeyboardDriver(qtbot, widget)
    drive = driver.fill(script)

    # Every scripted answer was reached by Tab and typed (so no branch was missed).
    typed = set(drive.steps)
    wanted = {key for key, value in script.items() if without_blanks(value) not in (None, [])}
    untyped = {key for key in wanted if key not in typed and not any(t.startswith(key + ".") for t in typed)}
    assert not untyped, f"answers never reached by Tab (hidden?): {sorted(untyped)}"
    assert not drive.arrowed, f"options not picked by typing their first letters: {drive.arrowed}"

    for trigger, revealed in scenario.branches:
        step = drive.steps[trigger]
        assert revealed not in step.visible_before, f"{revealed} was on screen before {trigger} was answered"
        assert revealed in step.visible_after, f"answering {trigger} did not bring {revealed} on screen"

    for score, last_input, text in scenario.scores:
        step = drive.steps[last_input]
        assert step.scores_before[score] == SCORE_PLACEHOLDER, f"{score} showed before {last_input} was typed"
        assert step.scores_after[score] == text, f"{score} did not update as {last_input} was typed"
        assert drive.scores_read[score] == text  # and it is a Tab stop, so it can be read out

    driver.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # complete
    assert widget.summary.isHidden(), widget.summary.text()
    assert len(completed) == 1, widget.save_error.text()
    assert widget.mode is Mode.COMPLETED
    done = completed[0]
    assert sorted(a.action_type.value for a in done.actions) == list(scenario.actions)
    widget.close()

    session.lock()
    reopened = workstation.unlock()
    try:
        stored = open_form(reopened, done.record.id)
        actions = [open_record(reopened, action.id) for action in done.actions]
    finally:
        reopened.lock()

    record = stored.record
    assert record.status is AssessmentStatus.COMPLETED
    assert (record.form_id, record.form_version) == (spec.id, spec.version)
    assert record.person_id == person_id
    assert record.author == WORKER
    computed = {f.id for f in spec.all_fields() if f.type is FieldType.COMPUTED}
    signatures = {f.id for f in spec.all_fields() if f.type is FieldType.SIGNATURE}
    answers = {k: v for k, v in record.answers.items() if k not in computed}
    expected = without_blanks(script)
    for name in signatures & set(expected):
        signed = answers.pop(name)
        assert isinstance(signed, dict) and isinstance(signed["signed_at"], str)
        assert signed["name"] == expected.pop(name)["name"]
        assert started <= datetime.fromisoformat(signed["signed_at"]) <= datetime.now(UTC)
    assert answers == expected
    for score, _, text in scenario.scores:
        result = record.answers[score]
        assert isinstance(result, dict) and result["summary"] == text

    for action in actions:
        assert isinstance(action, Action)
        assert action.source_record_id == record.id
        assert action.person_id == person_id
        assert action.owner == WORKER
        assert action.status is ActionStatus.OPEN
    assert sorted(a.action_type.value for a in actions if isinstance(a, Action)) == list(scenario.actions)
