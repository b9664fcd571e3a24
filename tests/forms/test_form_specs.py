"""The shipped CARS forms: every spec loads, every code list resolves, and a realistic example of each
form completes cleanly, takes a skip-logic branch, drops hidden answers and creates the right actions.

Example answers live in tests/forms/examples/<form_id>.json (invented people only), typed exactly as
the form widget stores them: dates "YYYY-MM-DD", date-times ISO with "+00:00", yes/no codes, repeat
groups as lists of objects, lookups as codes.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cars_desktop.forms.catalogue import shipped_catalogue
from cars_desktop.forms.computed import with_computed
from cars_desktop.forms.expressions import Scope, evaluate
from cars_desktop.forms.scoring import SCORERS, scoring_rules
from cars_desktop.forms.spec import FieldSpec, FieldType, FormSpec
from cars_desktop.forms.validation import Issue, choices_for, is_visible, validate, visible_answers
from cars_desktop.resources import reference_list, resource_path
from cars_desktop.services.form_projections import actions_for
from cars_protocol.records import ActionType, Assessment, AssessmentKind, AssessmentStatus

EXAMPLES = Path(__file__).parent / "examples"

TEN_FORMS = {
    "custody_arrival": "custody_arrival",
    "required_initial": "required_initial",
    "required_follow_up": "required_follow_up",
    "lifestyle": "lifestyle",
    "vulnerability": "vulnerability",
    "court_suitability": "court_suitability",
    "harm_reduction": "harm_reduction",
    "referral": "referral",
    "referral_outcome": "referral_outcome",
    "out_of_hours_booking": "out_of_hours_booking",
    "consent": "consent",
    "case_closure": "case_closure",
}


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


def load_example(name: str) -> tuple[FormSpec, dict[str, Any]]:
    raw = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    spec = shipped_catalogue().get(raw["form_id"], raw["version"])
    return spec, raw["answers"]


def check(spec: FormSpec, answers: dict[str, Any], today: date | None = None) -> list[Issue]:
    """Validate as completing does: computed scores worked out first."""
    return validate(spec, with_computed(spec, answers), completing=True, today=today)


def messages(issues: list[Issue]) -> list[str]:
    return [i.text for i in issues]


def actions(spec: FormSpec, answers: dict[str, Any]) -> list[ActionType]:
    """The actions completing these answers creates, through the service's own rule evaluation."""
    full = with_computed(spec, answers)
    record = Assessment(
        site_code="OLDBURY",
        author="sam.worker",
        person_id=uuid.uuid4(),
        kind=AssessmentKind(spec.record_kind),
        form_id=spec.id,
        form_version=spec.version,
        answers=with_computed(spec, visible_answers(spec, full)),
        status=AssessmentStatus.COMPLETED,
    )
    return [a.action_type for a in actions_for(spec, record, "sam.worker", datetime.now(UTC))]


def every_field(spec: FormSpec) -> Iterator[FieldSpec]:
    for field in spec.all_fields():
        yield field
        yield from field.fields or []


def all_specs() -> list[FormSpec]:
    catalogue = shipped_catalogue()
    return [catalogue.get(f, v) for f in catalogue.form_ids() for v in _versions(f)]


def _versions(form_id: str) -> list[int]:
    return sorted(int(p.stem[1:]) for p in resource_path("forms", form_id).glob("v*.json"))


# --- loading and shape ----------------------------------------------------------------------


def test_every_shipped_file_loads_under_its_own_id_and_version() -> None:
    catalogue = shipped_catalogue()
    files = sorted(resource_path("forms").glob("*/v*.json"))
    assert len(files) >= 13
    for path in files:
        spec = catalogue.get(path.parent.name, int(path.stem[1:]))
        assert spec.id == path.parent.name
        assert f"v{spec.version}" == path.stem


@pytest.mark.parametrize(("form_id", "kind"), sorted(TEN_FORMS.items()))
def test_each_form_exists_with_its_record_kind(form_id: str, kind: str) -> None:
    spec = shipped_catalogue().latest(form_id)
    assert spec.record_kind == kind
    assert AssessmentKind(spec.record_kind)


def test_harm_reduction_has_a_real_second_version() -> None:
    catalogue = shipped_catalogue()
    v1, v2 = catalogue.get("harm_reduction", 1), catalogue.get("harm_reduction", 2)
    assert catalogue.latest("harm_reduction") == v2
    new = {f.id for f in every_field(v2)} - {f.id for f in every_field(v1)}
    assert {"recipient_type", "training_kind", "supply_location"} <= new


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: f"{s.id}-v{s.version}")
def test_code_lists_resolve_and_scorers_exist(spec: FormSpec) -> None:
    today = date.today()
    for field in every_field(spec):
        assert field.label.strip(), field.id
        if field.choices_from:
            items = reference_list(field.choices_from).current(today)
            assert items, f"{spec.id}.{field.id}: {field.choices_from} has nothing in effect today"
        if field.type is FieldType.COMPUTED:
            assert field.computed is not None
            assert field.computed.scorer in SCORERS, field.id
            for names in field.computed.args.values():
                for name in names if isinstance(names, list) else [names]:
                    spec.field(name)  # raises KeyError for an unknown field


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in resource_path("reference").glob("*.json") if p.stem != "scoring")
)
def test_reference_lists_load_with_unique_codes_and_ordered_dates(name: str) -> None:
    listing = reference_list(name)
    assert listing.list_name == name
    codes = [i.code for i in listing.items]
    assert len(codes) == len(set(codes)), name
    for item in listing.items:
        assert item.name.strip()
        assert item.effective_to is None or item.effective_from < item.effective_to, item.code


def test_sds_drug_codes_match_the_scoring_rules() -> None:
    rules = scoring_rules().sds
    for item in reference_list("sds_drugs").current():
        if item.code != "other":
            assert rules.drug(item.code) is not None, item.code


def test_trigger_offences_carry_statute_and_section_and_vagrancy_rows_are_bounded() -> None:
    offences = reference_list("trigger_offences")
    for item in offences.items:
        assert item.extra("statute") and item.extra("section"), item.code
    vagrancy = [i for i in offences.items if i.extra("statute") == "Vagrancy Act 1824"]
    assert {i.extra("section") for i in vagrancy} == {"s.3", "s.4"}
    assert all(i.extra("ends_when") for i in vagrancy)
    fraud = offences.get("FA2006-S1")
    assert not fraud.in_effect(date(2007, 1, 14)) and fraud.in_effect(date(2007, 1, 15))
    assert {i.code for i in offences.items if i.extra("class_a_only")} == {
        "MDA1971-S4",
        "MDA1971-S5-2",
        "MDA1971-S5-3",
    }


def test_court_suitability_marks_carried_over_answers() -> None:
    spec = shipped_catalogue().latest("court_suitability")
    carried = {f.id for f in spec.all_fields() if f.carry_over}
    assert {"substances", "injecting_status", "audit_1", "audit_score", "sds_drug", "sds_score"} <= carried
    lifestyle = {f.id for f in shipped_catalogue().latest("lifestyle").all_fields()}
    # carried answers use the lifestyle ids, so they map across without translation
    assert carried - {"dtoa_positive_for", "treatment_history_summary"} <= lifestyle


# --- the examples ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.stem)
def test_example_completes_without_issues(path: Path) -> None:
    spec, answers = load_example(path.stem)
    assert check(spec, answers) == []
    # a realistic example answers nothing that its own skip logic hides
    assert set(answers) <= set(visible_answers(spec, with_computed(spec, answers)))


def test_there_is_an_example_for_every_form() -> None:
    assert set(TEN_FORMS) <= {json.loads(p.read_text())["form_id"] for p in _example_files()}


def shown(spec: FormSpec, field: FieldSpec, answers: dict[str, Any]) -> bool:
    """Whether skip logic shows this top-level question (its section and itself)."""
    section = spec.section_of(field.id)
    scope = Scope(answers)
    return (section.shown_when is None or evaluate(section.shown_when, scope)) and is_visible(field, scope)


def _stale_values(field: FieldSpec) -> list[Any]:
    """Answers of the right shape left behind when the worker changes an earlier answer."""
    if field.type is FieldType.REPEAT_GROUP:
        return [[{}]]
    if field.type is FieldType.MULTIPLE_CHOICE:
        return [[c.code for c in choices_for(field)][:1]]
    if field.type in (FieldType.SINGLE_CHOICE, FieldType.SCALE):
        return [c.code for c in choices_for(field)]
    if field.type is FieldType.YES_NO:
        return ["yes", "no"]
    if field.type in (FieldType.INTEGER, FieldType.DECIMAL):
        return [0, 5, 13]
    if field.type is FieldType.DATE:
        return ["2026-01-01"]
    if field.type is FieldType.DATETIME:
        return ["2026-01-01T12:00:00+00:00"]
    return ["stale answer"]


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.stem)
def test_example_takes_a_branch_and_hidden_answers_are_dropped(path: Path) -> None:
    spec, answers = load_example(path.stem)
    full = with_computed(spec, answers)
    kept = visible_answers(spec, full)
    branched = [
        f.id
        for f in spec.all_fields()
        if (f.shown_when is not None or spec.section_of(f.id).shown_when is not None)
        and f.id in answers
        and f.id in kept
    ]
    assert branched, "the example should answer at least one question that skip logic opened"
    hidden = [f for f in spec.all_fields() if f.type is not FieldType.COMPUTED and not shown(spec, f, full)]
    assert hidden, "the example should leave at least one question hidden by skip logic"
    expected_actions = sorted(actions(spec, answers))
    for field in hidden:
        for stale in _stale_values(field):
            with_hidden = {**answers, field.id: stale}
            where = f"{field.id}={stale!r}"
            assert field.id not in visible_answers(spec, with_computed(spec, with_hidden)), where
            # a stale hidden answer changes nothing: no new questions, checks or actions
            assert messages(check(spec, with_hidden)) == [], where
            assert sorted(actions(spec, with_hidden)) == expected_actions, where


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.stem)
def test_missing_required_answers_are_named(path: Path) -> None:
    spec, answers = load_example(path.stem)
    full = with_computed(spec, answers)
    required = [
        f
        for f in spec.all_fields()
        if f.required
        and f.id in answers
        and is_visible(f, Scope(full))
        and f.id in visible_answers(spec, full)
    ]
    assert required
    for field in required:
        without = {k: v for k, v in answers.items() if k != field.id}
        texts = messages(check(spec, without))
        if field.type is FieldType.REPEAT_GROUP and field.validation.min_items:
            assert f"{field.label}: add at least {field.validation.min_items}" in texts, field.id
        else:
            assert f"{field.label}: this must be answered" in texts, field.id


# --- custody arrival ------------------------------------------------------------------------


def test_custody_record_number_and_pnc_id_patterns() -> None:
    spec, answers = load_example("custody_arrival")
    bad = {**answers, "custody_record_number": "oldbury 12", "pnc_id": "4471823"}
    texts = messages(check(spec, bad))
    assert any(t.startswith("Custody record number: use the custody record number as printed") for t in texts)
    assert any(t.startswith("PNC ID: a PNC ID is the year") for t in texts)


def test_under_18_needs_charge_and_an_appropriate_adult() -> None:
    spec, answers = load_example("custody_arrival")
    youth = {**answers, "age_group": "youth", "appropriate_adult_present": "no"}
    texts = messages(check(spec, youth))
    assert "Tested on arrest or on charge: a person under 18 can only be tested after charge" in texts
    assert any("can only give a sample with an appropriate adult present" in t for t in texts)
    fixed = {
        **youth,
        "tested_on": "charge",
        "appropriate_adult_present": "yes",
        "appropriate_adult_name": "Carol Pitt",
        "appropriate_adult_role": "parent_guardian",
    }
    assert check(spec, fixed) == []


def test_no_trigger_offence_needs_an_inspectors_authorisation() -> None:
    spec, answers = load_example("custody_arrival")
    no_trigger = {**answers, "trigger_offence": "no"}
    texts = messages(check(spec, no_trigger))
    assert "Test authorised by an inspector or above: this must be answered" in texts
    refused = {**no_trigger, "inspector_authorised": "no"}
    assert any(
        "trigger offence or with an inspector's authorisation" in t for t in messages(check(spec, refused))
    )
    authorised = {
        **no_trigger,
        "inspector_authorised": "yes",
        "authorising_officer": "Insp 0912 Rahman",
        "authorising_rank": "inspector",
        "authorisation_grounds": "Found with foil and a crack pipe; says he steals to buy heroin.",
        "authorised_at": "2026-11-02T15:00:00+00:00",
    }
    assert check(spec, authorised) == []
    late = {**authorised, "authorised_at": "2026-11-02T16:00:00+00:00"}
    assert any("authorisation must come before the sample" in t for t in messages(check(spec, late)))


def test_disputed_result_branch_lives_in_each_drug_entry() -> None:
    spec, answers = load_example("custody_arrival")
    results = copy.deepcopy(answers["results"])
    results[0]["confirmatory_received_on"] = "2026-11-01"  # before it was sent
    issues = check(spec, {**answers, "results": results})
    assert [(i.label, i.item) for i in issues] == [("Confirmatory result received", 0)]
    negative = [{"drug": "opiates", "result": "negative", "disputed": "yes"}]
    kept = visible_answers(spec, {**answers, "results": negative})
    assert kept["results"] == [{"drug": "opiates", "result": "negative"}]


def test_refusal_hides_the_sample_questions() -> None:
    spec, answers = load_example("custody_arrival")
    refused = {**answers, "sample_outcome": "refused", "refusal_details": "Said he would not give anything."}
    assert check(spec, refused) == []
    kept = visible_answers(spec, refused)
    assert "results" not in kept and "sample_type" not in kept


# --- required assessment --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["required_initial", "required_follow_up"])
def test_failure_to_attend_or_remain_creates_a_police_notification(name: str) -> None:
    spec, answers = load_example(name)
    assert ActionType.POLICE_NOTIFICATION not in actions(spec, answers)
    fta = {k: v for k, v in answers.items() if k not in {"arrived_at", "remained"}} | {"attended": "no"}
    assert check(spec, fta) == []
    assert actions(spec, fta) == [ActionType.POLICE_NOTIFICATION]
    left = {**answers, "remained": "no", "left_at": "2026-11-19T14:20:00+00:00"}
    left["arrived_at"] = "2026-11-19T13:52:00+00:00"
    assert check(spec, left) == []
    assert actions(spec, left) == [ActionType.POLICE_NOTIFICATION]
    # the police-notified fields, once filled in, need the officer
    noted = {**fta, "police_notified_at": "2026-11-19T14:30:00+00:00"}
    assert "Officer told (name and collar or staff number): this must be answered" in messages(
        check(spec, noted)
    )


def test_police_notification_action_is_due_soon() -> None:
    spec, _ = load_example("required_initial")
    rules = [r for r in spec.actions if r.action_type == "police_notification"]
    assert rules and all(r.due_hours is not None and r.due_hours <= 2 for r in rules)


def test_initial_follow_up_decision_branches() -> None:
    spec, answers = load_example("required_initial")
    no_notice = {**answers, "ra4_notice_given": "no"}
    assert any("RA4 notice must be given" in t for t in messages(check(spec, no_notice)))
    ra5 = {k: v for k, v in answers.items() if not k.startswith("ra4_")} | {
        "follow_up_decision": "not_required",
        "ra5_given_at": "2026-11-05T12:00:00+00:00",
        "ra5_reason": "Uses cocaine occasionally; no dependency; advice given.",
    }
    assert check(spec, ra5) == []
    neither = {**answers, "dependency_finding": "neither"}
    assert any("give the RA5 notice" in t for t in messages(check(spec, neither)))
    early = {**answers, "ra4_appointment_at": "2026-11-05T09:00:00+00:00"}
    assert "Follow-up appointment (date and time)" in [i.label for i in check(spec, early)]


# --- lifestyle ------------------------------------------------------------------------------


def test_full_audit_only_when_audit_c_is_5_or_more() -> None:
    spec, answers = load_example("lifestyle")
    low = {**answers, "audit_1": 2, "audit_2": 1, "audit_3": 1}
    full = with_computed(spec, low)
    assert full["audit_c_score"]["total"] == 4
    assert check(spec, low) == []
    kept = visible_answers(spec, full)
    assert not any(f"audit_{n}" in kept for n in range(4, 11))
    boundary = {k: v for k, v in answers.items() if k != "audit_4"} | {
        "audit_1": 3,
        "audit_2": 1,
        "audit_3": 1,
    }
    assert with_computed(spec, boundary)["audit_c_score"]["total"] == 5
    assert messages(check(spec, boundary)) == [
        "In the last year, how often have you found you were not able to stop drinking once you had "
        "started?: this must be answered"
    ]
    scored = with_computed(spec, answers)
    assert scored["audit_score"]["total"] == 11
    assert scored["sds_score"]["positive"] is True


def test_injecting_now_asks_sharing_and_counts_days() -> None:
    spec, answers = load_example("lifestyle")
    now = {k: v for k, v in answers.items() if k != "last_injected"} | {
        "injecting_status": "currently_injecting"
    }
    labels = [i.label for i in check(spec, now)]
    assert "Shared needles or syringes in the last 4 weeks" in labels
    assert "Days injected in the last 7 days" in labels
    filled = {
        **now,
        "shared_needles": "no",
        "shared_paraphernalia": "yes",
        "injecting_week_1": 3,
        "injecting_week_2": 3,
        "injecting_week_3": 0,
        "injecting_week_4": 0,
    }
    assert check(spec, filled) == []
    assert with_computed(spec, filled)["injecting_days"] == 6
    too_many = {**filled, "injecting_week_1": 8}
    assert "Days injected in the last 7 days: must be 7 or less" in messages(check(spec, too_many))


def test_lifestyle_limits_and_unattended_children() -> None:
    spec, answers = load_example("lifestyle")
    four = {
        **answers,
        "substances": [
            *answers["substances"],
            {"substance": "cannabis", "route": "smoked", "frequency": "daily"},
        ],
    }
    assert "Problem substances (main one first, up to three): at most 3 entries" in messages(
        check(spec, four)
    )
    assert actions(spec, answers) == []
    alone = {**answers, "children_unattended": "yes"}
    assert actions(spec, alone) == [ActionType.CUSTODY_OFFICER_ALERT]


# --- vulnerability --------------------------------------------------------------------------


def _dash(spec: FormSpec, answers: dict[str, Any], yes_count: int, **extra: Any) -> dict[str, Any]:
    changed = dict(answers)
    for n in range(1, 25):
        changed[f"dash_{n}"] = "yes" if n <= yes_count else "not_known"
    changed.update(extra)
    return changed


def test_dash_high_risk_at_14_creates_a_marac_action() -> None:
    spec, answers = load_example("vulnerability")
    assert with_computed(spec, answers)["dash_score"]["marac_referral_required"] is True
    assert ActionType.MARAC in actions(spec, answers)
    thirteen = _dash(spec, answers, 13)
    score = with_computed(spec, thirteen)["dash_score"]
    assert score["yes_count"] == 13 and score["marac_referral_required"] is False  # not known never counts
    assert ActionType.MARAC not in actions(spec, thirteen)
    assert ActionType.MARAC in actions(spec, _dash(spec, answers, 14))
    assert ActionType.MARAC in actions(spec, _dash(spec, answers, 2, dash_incidents_12m=3))
    assert ActionType.MARAC in actions(spec, _dash(spec, answers, 2, repeat_marac="yes"))


def test_professional_judgement_needs_a_reason_and_refers_to_marac() -> None:
    spec, answers = load_example("vulnerability")
    judged = _dash(spec, answers, 9, professional_judgement="yes")
    assert "Reason for the professional judgement: this must be answered" in messages(check(spec, judged))
    judged["judgement_reason"] = "Non-fatal strangulation last week."
    assert check(spec, judged) == []
    assert ActionType.MARAC in actions(spec, judged)


def test_dash_is_skipped_when_not_safe_to_talk_or_not_a_victim() -> None:
    spec, answers = load_example("vulnerability")
    unsafe = {**answers, "safe_to_talk": "no", "not_safe_plan": "Call back after release via the IDVA."}
    assert check(spec, unsafe) == []
    kept = visible_answers(spec, with_computed(spec, unsafe))
    assert "dash_1" not in kept and "professional_judgement" not in kept
    assert ActionType.MARAC not in actions(spec, unsafe)
    perpetrator = {**answers, "da_role": "perpetrator", "da_notes": "Arrested for assaulting his partner."}
    assert check(spec, perpetrator) == []
    assert "dash_score" not in visible_answers(spec, with_computed(spec, perpetrator))


def test_every_positive_finding_creates_an_action() -> None:
    spec, answers = load_example("vulnerability")
    assert sorted(actions(spec, answers)) == sorted(
        [ActionType.LIAISON_AND_DIVERSION, ActionType.MARAC, ActionType.SAFEGUARDING]
    )
    risky = {
        **answers,
        "current_self_harm_thoughts": "yes",
        "current_self_harm_plans": "no",
        "current_risk_details": "Says she might as well end it.",
        "exploitation_concern": "yes",
        "exploitation_types": ["cuckooing"],
        "nrm_consent": "no",
        "first_responder_told": "police",
        "sex_work": "current",
        "sex_work_coercion": "no",
    }
    assert check(spec, risky) == []
    found = actions(spec, risky)
    assert ActionType.CUSTODY_OFFICER_ALERT in found
    assert ActionType.NRM in found
    assert found.count(ActionType.SAFEGUARDING) == 2
    # liaison and diversion is one action however many findings call for it
    assert found.count(ActionType.LIAISON_AND_DIVERSION) == 1
    alert = next(r for r in spec.actions if r.action_type == "custody_officer_alert")
    assert alert.due_hours is not None and alert.due_hours <= 1


# --- court suitability ----------------------------------------------------------------------


def test_return_date_must_be_after_the_hearing() -> None:
    spec, answers = load_example("court_suitability")
    early = {**answers, "return_date": "2026-10-13"}
    assert [i.label for i in check(spec, early)] == ["Return date"]
    same_day = {**answers, "return_date": answers["hearing_date"]}
    assert [i.label for i in check(spec, same_day)] == ["Return date"]


def test_court_statutory_checks() -> None:
    spec, answers = load_example("court_suitability")
    unwilling = {**answers, "willing_to_comply": "no"}
    assert any("willing to comply" in t for t in messages(check(spec, unwilling)))
    long_drr = {**answers, "requirement_type": "drr", "length_months": 18, "reviews": "no"}
    long_drr.pop("review_interval_months")
    assert "Court reviews proposed: a DRR of more than 12 months must have court reviews" in messages(
        check(spec, long_drr)
    )
    adjourn = {
        k: v
        for k, v in answers.items()
        if k not in {"requirement_type", "length_months", "residence", "reviews", "review_interval_months"}
    }
    adjourn |= {"outcome": "further_assessment", "adjourned": "no", "sentence_known": "no"}
    for key in ("return_date", "sentence_result", "sentence_date", "sentence_length_months"):
        adjourn.pop(key)
    assert any("further assessment needs an adjournment" in t for t in messages(check(spec, adjourn)))
    before = {**answers, "sentence_date": "2026-10-19"}
    assert any("sentence date cannot be before the hearing date" in t for t in messages(check(spec, before)))


# --- harm reduction -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["harm_reduction", "harm_reduction_v1"])
def test_expiry_must_be_after_supply(name: str) -> None:
    spec, answers = load_example(name)
    expired = {**answers, "expiry_date": answers["supplied_on"]}
    assert [i.label for i in check(spec, expired)] == ["Expiry date"]


def test_version_1_answers_still_validate_after_version_2_ships() -> None:
    catalogue = shipped_catalogue()
    assert catalogue.latest("harm_reduction").version == 2
    spec_v1, answers = load_example("harm_reduction_v1")
    assert spec_v1.version == 1 and check(spec_v1, answers) == []
    # the same answers are not a complete version 2 form: moving them needs the migration
    labels = [i.label for i in check(catalogue.get("harm_reduction", 2), answers)]
    assert "Kit supplied to" in labels and "Training given" in labels
    upgraded = {
        **answers,
        "recipient_type": "person_at_risk",
        "supply_location": "custody",
        "training_kind": "full",
    }
    topics = [*answers["training_topics"], "giving_naloxone", "recovery_position"]
    assert check(catalogue.get("harm_reduction", 2), {**upgraded, "training_topics": topics}) == []


def test_v2_third_party_recipient_and_refresher() -> None:
    spec, answers = load_example("harm_reduction")
    no_name = {k: v for k, v in answers.items() if k != "recipient_name"}
    assert "Recipient's name: this must be answered" in messages(check(spec, no_name))
    self_supply = {k: v for k, v in answers.items() if k not in {"recipient_name", "recipient_dob"}}
    self_supply["recipient_type"] = "person_at_risk"
    assert check(spec, self_supply) == []
    thin = {**answers, "training_topics": ["recognising_overdose", "call_999"]}
    assert any("full training must also cover" in t for t in messages(check(spec, thin)))
    assert check(spec, {**thin, "training_kind": "refresher"}) == []


# --- referral, outcome, booking, consent, closure -------------------------------------------


def test_referral_needs_consent_including_the_provider() -> None:
    spec, answers = load_example("referral")
    refused = {k: v for k, v in answers.items() if k not in {"consent_scope", "data_categories", "how_given"}}
    refused["consent_given"] = "no"
    assert any("needs the person's consent" in t for t in messages(check(spec, refused)))
    narrow = {**answers, "consent_scope": ["gp"]}
    assert any("must include the treatment provider" in t for t in messages(check(spec, narrow)))
    before = {**answers, "appointment_at": "2026-11-01T10:00:00+00:00"}
    assert any("cannot be before the referral" in t for t in messages(check(spec, before)))


def test_referral_outcome_entered_treatment_date_not_in_future() -> None:
    spec, answers = load_example("referral_outcome")
    entered = {k: v for k, v in answers.items() if not k.startswith("not_converted")} | {
        "outcome": "entered_treatment"
    }
    assert "Date treatment started: this must be answered" in messages(check(spec, entered))
    entered["entered_treatment_on"] = "2026-10-13"
    assert check(spec, entered) == []
    future = (date.today() + timedelta(days=30)).isoformat()
    assert "Date treatment started: cannot be in the future" in messages(
        check(spec, {**entered, "entered_treatment_on": future})
    )
    early = {**entered, "entered_treatment_on": "2026-10-01"}
    assert any("cannot start before the referral" in t for t in messages(check(spec, early)))


def test_out_of_hours_required_assessment_needs_ra1() -> None:
    spec, answers = load_example("out_of_hours_booking")
    no_ra1 = {k: v for k, v in answers.items() if k != "ra1_issued_at"} | {"ra1_issued": "no"}
    assert any("needs the RA1 notice" in t for t in messages(check(spec, no_ra1)))
    voluntary = {k: v for k, v in no_ra1.items() if k != "ra1_issued"} | {"reason": "voluntary"}
    assert check(spec, voluntary) == []
    assert "ra1_issued" not in visible_answers(spec, {**voluntary, "ra1_issued": "no"})
    bad_phone = {**answers, "phone": "call me"}
    assert any(
        t.startswith("Phone number for a reminder: enter a UK phone number")
        for t in messages(check(spec, bad_phone))
    )


def test_sharing_without_consent_needs_justification_and_approver() -> None:
    spec, answers = load_example("consent")
    bare = {k: v for k, v in answers.items() if k not in {"justification", "approver", "approved_on"}}
    texts = messages(check(spec, bare))
    assert "Justification: this must be answered" in texts
    assert "Approved by (supervisor's user name): this must be answered" in texts
    assert "Date approved: this must be answered" in texts
    by_consent = {k: v for k, v in bare.items() if k != "person_told"} | {
        "legal_basis": "consent",
        "how_given": "verbal",
        "review_on": "2027-05-03",
        "withdrawn": "no",
    }
    assert check(spec, by_consent) == []
    late_review = {**by_consent, "review_on": "2026-11-01"}
    assert [i.label for i in check(spec, late_review)] == ["Review consent by"]
    signed = {**by_consent, "how_given": "signed"}
    assert "Signed by the person: this must be answered" in messages(check(spec, signed))


def test_case_closure_other_reason_needs_details() -> None:
    spec, answers = load_example("case_closure")
    other = {k: v for k, v in answers.items() if k != "provider_code"} | {"reason": "other"}
    assert "Say why: this must be answered" in messages(check(spec, other))
    unchecked = {**answers, "open_actions_checked": "no"}
    assert any("check the open actions" in t for t in messages(check(spec, unchecked)))
