"""Scoring instruments: every worked example and boundary of DOMAIN.md 3.5 and 6.3, plus properties."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.scoring import (
    SCORERS,
    MaracCriterion,
    ScoringReference,
    audit,
    audit_c,
    dash,
    scoring_rules,
    sds,
    top_days,
)
from cars_desktop.forms.scoring.rules import scoring_reference
from cars_desktop.resources import resource_path

# --- AUDIT / AUDIT-C (DOMAIN 3.5) -------------------------------------------------------------

# case, items 1-10, AUDIT-C, AUDIT-C positive, total, band code, dependence subtotal, flag
AUDIT_CASES = [
    ("A1", [4, 3, 3, 2, 1, 1, 2, 1, 0, 2], 10, True, 19, "higher_risk", 4, True),
    ("A3", [3, 1, 1, 0, 0, 0, 0, 0, 0, 0], 5, True, 5, "lower_risk", 0, False),
    ("A4", [2, 2, 2, 1, 0, 0, 1, 0, 0, 0], 6, True, 8, "increasing_risk", 1, False),
    ("A5", [3, 2, 2, 1, 1, 0, 1, 2, 0, 2], 7, True, 14, "increasing_risk", 2, False),
    ("A6", [3, 3, 2, 1, 1, 1, 1, 1, 0, 2], 8, True, 15, "increasing_risk", 3, False),
    ("A7", [3, 3, 3, 1, 1, 1, 1, 1, 0, 2], 9, True, 16, "higher_risk", 3, False),
    ("A8", [4, 4, 4, 2, 1, 1, 2, 2, 0, 0], 12, True, 20, "possible_dependence", 4, True),
    ("A9", [4] * 10, 12, True, 40, "possible_dependence", 12, True),
    ("A10", [0] * 10, 0, False, 0, "lower_risk", 0, False),
    ("A2 asked in full", [2, 1, 1, 0, 0, 0, 0, 0, 0, 0], 4, False, 4, "lower_risk", 0, False),
]


@pytest.mark.parametrize(
    ("case", "items", "c_total", "c_positive", "total", "band", "dependence", "flag"),
    AUDIT_CASES,
    ids=[c[0] for c in AUDIT_CASES],
)
def test_audit_worked_examples(
    case: str,
    items: list[int],
    c_total: int,
    c_positive: bool,
    total: int,
    band: str,
    dependence: int,
    flag: bool,
) -> None:
    result = audit(items)
    assert result.complete
    assert result.total == total == sum(items)
    assert result.band.code == band
    assert result.audit_c.total == c_total
    assert result.audit_c.positive is c_positive
    assert result.consumption == c_total
    assert result.dependence == dependence
    assert result.dependence_flag is flag
    assert result.harm == sum(items[6:])
    assert result.items == tuple(items)
    # the same answers keyed by question number score the same
    assert audit(dict(enumerate(items, start=1))) == result


def test_a1_summary_reads_as_a_worker_would_say_it() -> None:
    result = audit([4, 3, 3, 2, 1, 1, 2, 1, 0, 2])
    assert result.summary == (
        "AUDIT 19: higher risk (harmful); dependence items 4 or more — refer for specialist assessment"
    )
    # UK guidance: someone possibly dependent is referred, not given a brief intervention
    assert result.refer_for_specialist_assessment
    assert "refer" in result.action
    assert result.band.who_zone == "III"


def test_a2_stops_after_audit_c_under_five() -> None:
    for items in ([2, 1, 1], {1: 2, 2: 1, 3: 1}, [2, 1, 1, *([None] * 7)]):
        result = audit(items)  # type: ignore[arg-type]
        assert not result.complete
        assert result.total == result.consumption == result.audit_c.total == 4
        assert not result.audit_c.positive
        assert result.band.code == "lower_risk"
        assert result.dependence is None  # not asked, which is not the same as scoring 0
        assert result.harm is None
        assert result.dependence_flag is False
        assert result.items == (2, 1, 1)
        assert "not asked" in result.summary


def test_short_audit_is_refused_when_audit_c_is_positive() -> None:
    with pytest.raises(InvalidInput, match=r"AUDIT-C is 5 .* question 4 has no answer"):
        audit([3, 1, 1])


def test_part_answered_remainder_names_the_missing_question() -> None:
    with pytest.raises(InvalidInput, match="AUDIT question 7 has no answer"):
        audit({1: 3, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0, 8: 0, 9: 0, 10: 0})
    with pytest.raises(InvalidInput, match="AUDIT question 2 has no answer"):
        audit({1: 0, 3: 0})


@pytest.mark.parametrize(
    ("below", "above", "band_below", "band_above", "zone_above"),
    [
        (7, 8, "lower_risk", "increasing_risk", "II"),
        (15, 16, "increasing_risk", "higher_risk", "III"),
        (19, 20, "higher_risk", "possible_dependence", "IV"),
    ],
)
def test_zone_boundaries(below: int, above: int, band_below: str, band_above: str, zone_above: str) -> None:
    low = audit(_items_totalling(below))
    high = audit(_items_totalling(above))
    assert (low.total, high.total) == (below, above)
    assert low.band.code == band_below
    assert high.band.code == band_above
    assert high.band.who_zone == zone_above


def test_bands_carry_uk_label_who_zone_and_action() -> None:
    titles = {r.band.who_zone: r.band.title for r in (audit([0] * 10), audit(_items_totalling(40)))}
    assert titles == {"I": "lower risk", "IV": "possible dependence"}
    assert audit(_items_totalling(8)).band.title == "increasing risk (hazardous)"
    assert audit(_items_totalling(20)).band.action.startswith("Zone IV")
    assert audit(_items_totalling(20)).refer_for_specialist_assessment


@pytest.mark.parametrize("bad", [1, 3])
@pytest.mark.parametrize("question", [9, 10])
def test_invalid_1_questions_9_and_10_take_only_0_2_4(question: int, bad: int) -> None:
    items = [0] * 10
    items[question - 1] = bad
    with pytest.raises(InvalidInput) as caught:
        audit(items)
    assert caught.value.message == f"AUDIT question {question} accepts only 0, 2 or 4 (got {bad})"


@pytest.mark.parametrize("bad", [5, -1])
@pytest.mark.parametrize("question", range(1, 9))
def test_invalid_2_questions_1_to_8_take_0_to_4(question: int, bad: int) -> None:
    items = [0] * 10
    items[question - 1] = bad
    with pytest.raises(InvalidInput) as caught:
        audit(items)
    assert caught.value.message == f"AUDIT question {question} accepts 0 to 4 (got {bad})"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([0] * 11, "AUDIT has questions 1 to 10; there is no question 11"),
        ({0: 1, 1: 1, 2: 1}, "there is no question 0"),
        ({"1": 1}, "question numbers must be whole numbers"),
        ([True, 0, 0], "AUDIT question 1 accepts 0 to 4 (got True)"),
        ([2.0, 0, 0], "AUDIT question 1 accepts 0 to 4 (got 2.0)"),
        (["often", 0, 0], "AUDIT question 1 accepts 0 to 4 (got 'often')"),
        ("210", "not as text"),
        ([], "AUDIT question 1 has no answer"),
    ],
)
def test_malformed_audit_input_is_rejected_naming_the_question(items: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=_literal(message)):
        audit(items)


@pytest.mark.parametrize(
    ("items", "total", "positive"),
    [([2, 1, 1], 4, False), ([3, 1, 1], 5, True), ([0, 0, 0], 0, False), ([4, 4, 4], 12, True)],
)
def test_audit_c_positive_at_five(items: list[int], total: int, positive: bool) -> None:
    result = audit_c(items)
    assert result.total == total
    assert result.positive is positive
    assert result.needs_full_audit is positive
    assert result.summary.startswith(f"AUDIT-C {total}: {'positive' if positive else 'negative'}")


def test_audit_c_rejects_questions_beyond_three_and_bad_values() -> None:
    with pytest.raises(InvalidInput, match="there is no question 4"):
        audit_c([1, 1, 1, 1])
    with pytest.raises(InvalidInput, match=_literal("AUDIT question 3 accepts 0 to 4 (got 5)")):
        audit_c({1: 0, 2: 0, 3: 5})


# --- SDS ----------------------------------------------------------------------------------------

SDS_CASES = [
    ("S1", [2, 1, 2, 3, 1], 9, True, True),
    ("S2", [0, 0, 1, 0, 0], 1, False, False),
    ("S3", [1, 1, 1, 0, 0], 3, True, False),
    ("S4", [1, 1, 1, 1, 0], 4, True, True),
    ("S5", [3, 3, 3, 3, 3], 15, True, True),
]


@pytest.mark.parametrize(
    ("case", "items", "total", "heroin", "cocaine"), SDS_CASES, ids=[c[0] for c in SDS_CASES]
)
def test_sds_worked_examples(case: str, items: list[int], total: int, heroin: bool, cocaine: bool) -> None:
    on_heroin = sds(items, "heroin")
    on_cocaine = sds(items, "Cocaine")
    assert on_heroin.total == on_cocaine.total == total
    assert (on_heroin.positive, on_heroin.positive_at) == (heroin, 3)
    assert (on_cocaine.positive, on_cocaine.positive_at) == (cocaine, 4)
    assert on_cocaine.drug == "cocaine"


@pytest.mark.parametrize(
    ("drug", "cut_off"), [("amphetamine", 4), ("Amphetamines", 4), ("cannabis", 3), (" HEROIN ", 3)]
)
def test_sds_cut_offs_per_drug_from_reference_data(drug: str, cut_off: int) -> None:
    just_under = [1] * (cut_off - 1) + [0] * (6 - cut_off)
    at_cut_off = [1] * cut_off + [0] * (5 - cut_off)
    assert sds(just_under, drug).positive is False
    assert sds(at_cut_off, drug).positive is True
    assert sds(at_cut_off, drug).positive_at == cut_off


@pytest.mark.parametrize("drug", ["benzodiazepines", "Benzodiazepine", "ketamine", "crack"])
def test_sds_without_validated_cut_off_is_not_rated(drug: str) -> None:
    result = sds([3, 3, 3, 3, 3], drug)
    assert result.total == 15
    assert result.positive is None
    assert result.positive_at is None
    assert "no validated" in result.explanation
    assert "not rated positive or negative" in result.summary


def test_sds_summary() -> None:
    assert sds([1, 1, 1, 0, 0], "heroin").summary == (
        "SDS 3 for heroin: positive — suggests dependence (cut-off 3 or more)"
    )
    assert sds([1, 1, 1, 0, 0], "cocaine").summary == "SDS 3 for cocaine: negative (cut-off 4 or more)"


@pytest.mark.parametrize("question", range(1, 6))
def test_sds_invalid_item_four(question: int) -> None:
    items = [0] * 5
    items[question - 1] = 4
    for drug in ("heroin", "cocaine"):
        with pytest.raises(InvalidInput) as caught:
            sds(items, drug)
        assert caught.value.message == f"SDS question {question} accepts 0 to 3 (got 4)"


@pytest.mark.parametrize(
    ("items", "drug", "message"),
    [
        ([0, 0, 0, 0], "heroin", "SDS question 5 has no answer"),
        ([0, 0, 0, 0, 0, 0], "heroin", "there is no question 6"),
        ([0, 0, -1, 0, 0], "heroin", "SDS question 3 accepts 0 to 3 (got -1)"),
        ([0] * 5, "  ", "SDS needs the drug it was asked about"),
    ],
)
def test_sds_rejects(items: list[int], drug: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=_literal(message)):
        sds(items, drug)


# --- TOP ----------------------------------------------------------------------------------------


def test_t1_top_day_counts() -> None:
    assert top_days([7, 7, 5, 0]) == 19  # heroin
    assert top_days([3, 3, 0, 0]) == 6  # injecting
    assert top_days([7, 7, 7, 7]) == 28
    assert top_days([0, 0, 0, 0]) == 0


@pytest.mark.parametrize(
    ("weeks", "message"),
    [
        ([8, 0, 0, 0], "TOP week 1 accepts 0 to 7 days (got 8)"),
        ([0, 0, -1, 0], "TOP week 3 accepts 0 to 7 days (got -1)"),
        ([7, 7, 7, 7, 1], "TOP counts the previous 28 days as 4 weekly counts (got 5)"),
        ([7, 7, 7], "TOP counts the previous 28 days as 4 weekly counts (got 3)"),
        ([0, None, 0, 0], "TOP week 2 has no count"),
        ([0, "3", 0, 0], "TOP week 2 accepts 0 to 7 days (got '3')"),
        ("7750", "must be a list of 4 weekly counts"),
    ],
)
def test_top_rejects(weeks: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=_literal(message)):
        top_days(weeks)


def test_top_total_over_28_rejected_when_rules_allow_longer_weeks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The total check stands on its own, not only as a consequence of the weekly limit."""
    rules = scoring_rules()
    loose = rules.model_copy(update={"top": rules.top.model_copy(update={"max_days_per_week": 8})})
    monkeypatch.setattr("cars_desktop.forms.scoring.top.scoring_rules", lambda on=None: loose)
    assert top_days([8, 7, 7, 6]) == 28
    with pytest.raises(InvalidInput, match="add up to 29, more than 28 days"):
        top_days([8, 7, 7, 7])


# --- DASH (DOMAIN 6.3) --------------------------------------------------------------------------


def _dash_answers(yes: int, rest: str = "no") -> dict[int, str]:
    return {n: "yes" if n <= yes else rest for n in range(1, 25)}


@pytest.mark.parametrize(
    ("yes", "high"), [(0, False), (9, False), (13, False), (14, True), (15, True), (24, True)]
)
def test_dash_visible_high_risk_at_14(yes: int, high: bool) -> None:
    result = dash(_dash_answers(yes))
    assert result.yes_count == result.total == yes
    assert result.high_risk is high
    assert result.marac_referral_required is high
    assert result.criteria_met == ((MaracCriterion.VISIBLE_HIGH_RISK,) if high else ())


def test_dash_13_is_not_high_and_says_so() -> None:
    result = dash(_dash_answers(13))
    assert result.summary == (
        "DASH 13 of 24 yes: not high risk (high risk is 14 or more yes) — no MARAC criteria met; "
        "use professional judgement if concerned"
    )


def test_dash_14_summary() -> None:
    assert dash(_dash_answers(14)).summary == (
        "DASH 14 of 24 yes: high risk — refer to MARAC (visible high risk: 14 or more yes)"
    )


@pytest.mark.parametrize("unsure", ["not_known", "not_asked", "Not known", "not answered", "NOT_ASKED"])
def test_dash_not_known_or_not_answered_never_counts(unsure: str) -> None:
    result = dash(_dash_answers(13, rest=unsure))
    assert result.yes_count == 13
    assert not result.high_risk
    assert result.not_known_count + result.not_asked_count == 11
    assert "11 not" in result.summary


def test_dash_professional_judgement_with_reason_is_high_below_14() -> None:
    result = dash(_dash_answers(9), professional_judgement=True, judgement_reason=" non-fatal strangulation ")
    assert result.high_risk
    assert result.marac_referral_required
    assert result.criteria_met == (MaracCriterion.PROFESSIONAL_JUDGEMENT,)
    assert result.judgement_reason == "non-fatal strangulation"
    # free text stays out of the summary (it may name people)
    assert "strangulation" not in result.summary
    assert "professional judgement, reason recorded" in result.summary


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_dash_professional_judgement_without_reason_is_rejected(reason: str | None) -> None:
    with pytest.raises(InvalidInput, match="professional judgement needs a reason"):
        dash(_dash_answers(9), professional_judgement=True, judgement_reason=reason)


def test_dash_reason_without_judgement_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="professional judgement is not ticked"):
        dash(_dash_answers(9), judgement_reason="stalking")


@pytest.mark.parametrize(
    ("incidents", "escalation"), [(None, False), (0, False), (2, False), (3, True), (7, True)]
)
def test_dash_potential_escalation_at_3_incidents(incidents: int | None, escalation: bool) -> None:
    result = dash(_dash_answers(5), incidents_last_12_months=incidents)
    assert result.high_risk is escalation
    assert result.marac_referral_required is escalation
    assert (MaracCriterion.POTENTIAL_ESCALATION in result.criteria_met) is escalation
    if escalation:
        assert f"potential escalation: {incidents} incidents in 12 months" in result.summary


def test_dash_repeat_requires_marac_without_making_high_risk() -> None:
    result = dash(_dash_answers(5), repeat_within_12_months_of_last_referral=True)
    assert not result.high_risk
    assert result.marac_referral_required
    assert result.criteria_met == (MaracCriterion.REPEAT,)
    assert result.summary.startswith("DASH 5 of 24 yes: not high risk on the checklist — refer to MARAC")


def test_dash_reports_every_criterion_met_in_order() -> None:
    result = dash(
        _dash_answers(24),
        professional_judgement=True,
        judgement_reason="threats to kill",
        incidents_last_12_months=4,
        repeat_within_12_months_of_last_referral=True,
    )
    assert result.criteria_met == tuple(MaracCriterion)
    assert [c.label for c in result.criteria_met] == [
        "visible high risk",
        "professional judgement",
        "potential escalation",
        "repeat MARAC",
    ]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (dict.fromkeys(range(1, 24), "no"), "DASH question 24 has no answer"),
        ({**_dash_answers(0), 25: "no"}, "DASH has questions 1 to 24; there is no question 25"),
        (
            {**_dash_answers(0), 3: "maybe"},
            "DASH question 3 accepts yes, no, not known or not asked (got 'maybe')",
        ),
        ({**_dash_answers(0), 3: True}, "DASH question 3 accepts yes, no, not known or not asked (got True)"),
        ({**_dash_answers(0), 3: None}, "DASH question 3 has no answer"),
    ],
)
def test_dash_rejects_missing_or_unknown_answers(answers: dict[int, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=_literal(message)):
        dash(answers)


@pytest.mark.parametrize("incidents", [-1, True, "3"])
def test_dash_rejects_bad_incident_counts(incidents: Any) -> None:
    with pytest.raises(InvalidInput, match="incidents in the last 12 months"):
        dash(_dash_answers(0), incidents_last_12_months=incidents)


def test_dash_accepts_a_list_of_24() -> None:
    assert dash(["yes"] * 14 + ["no"] * 10) == dash(_dash_answers(14))


# --- reference data and registry ----------------------------------------------------------------


def test_registry_names_every_scorer_with_documented_input() -> None:
    assert set(SCORERS) == {"audit", "audit_c", "sds", "dash", "top_days"}
    for scorer in SCORERS.values():
        assert scorer.__doc__ and "Input:" in scorer.__doc__
    assert SCORERS["sds"](items=[1, 1, 1, 0, 0], drug="heroin") == sds([1, 1, 1, 0, 0], "heroin")


def test_results_are_frozen_and_plain_data() -> None:
    result = audit([4, 3, 3, 2, 1, 1, 2, 1, 0, 2])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 0  # type: ignore[misc]
    data = dataclasses.asdict(result)
    assert data["band"]["code"] == "higher_risk"
    assert data["audit_c"]["total"] == 10
    json.dumps(data)  # storable as it is
    assert result.rules_version == scoring_rules().version == 1


def test_cut_offs_come_from_the_reference_file() -> None:
    raw = json.loads(resource_path("reference", "scoring.json").read_text(encoding="utf-8"))
    current = raw["versions"][-1]
    assert current["audit_c"]["positive_at"] == 5
    assert current["audit"]["dependence_flag_at"] == 4
    assert [(b["min_total"], b["max_total"]) for b in current["audit"]["bands"]] == [
        (0, 7),
        (8, 15),
        (16, 19),
        (20, 40),
    ]
    assert {d["code"]: d["positive_at"] for d in current["sds"]["drugs"]} == {
        "heroin": 3,
        "cocaine": 4,
        "amphetamine": 4,
        "cannabis": 3,
        "benzodiazepines": None,
    }
    assert (current["dash"]["questions"], current["dash"]["high_risk_at"]) == (24, 14)
    assert current["dash"]["escalation_incidents_at"] == 3
    assert scoring_reference() == ScoringReference.model_validate(raw)


def _reference_with_second_version() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(resource_path("reference", "scoring.json").read_text(encoding="utf-8"))
    second = json.loads(json.dumps(raw["versions"][0]))
    second.update(version=2, effective_from="2030-04-01")
    second["audit_c"]["positive_at"] = 4
    raw["versions"].append(second)
    return raw


def test_rules_version_in_effect_follows_the_date(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = ScoringReference.model_validate(_reference_with_second_version())
    assert reference.in_effect(date(2030, 3, 31)).version == 1
    assert reference.in_effect(date(2030, 4, 1)).version == 2
    with pytest.raises(InvalidInput, match="no scoring rules are in effect on 31 Dec 1999"):
        reference.in_effect(date(1999, 12, 31))
    monkeypatch.setattr("cars_desktop.forms.scoring.rules.scoring_reference", lambda: reference)
    before = audit_c([2, 1, 1], on=date(2030, 3, 31))
    after = audit_c([2, 1, 1], on=date(2030, 4, 1))
    assert (before.positive, before.rules_version) == (False, 1)
    assert (after.positive, after.rules_version) == (True, 2)


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (("audit", "bands", 1, "min_total"), 9, "must start at 8"),
        (("audit", "bands", 3, "max_total"), 39, "must end at the maximum total 40"),
        (("audit", "harm"), [7, 8, 9], "split the questions"),
        (("audit_c", "questions"), [1, 2], "consumption questions"),
        (("dash", "counted_answer"), "maybe", "counted answer"),
        (("audit", "bands", 0, "colour"), "green", "colour"),
    ],
)
def test_inconsistent_reference_file_fails_to_load(path: tuple[Any, ...], value: Any, error: str) -> None:
    raw = json.loads(resource_path("reference", "scoring.json").read_text(encoding="utf-8"))
    node = raw["versions"][0]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValidationError, match=error):
        ScoringReference.model_validate(raw)


def test_versions_must_rise() -> None:
    raw = _reference_with_second_version()
    raw["versions"][1]["effective_from"] = "1999-01-01"
    with pytest.raises(ValidationError, match="must rise"):
        ScoringReference.model_validate(raw)


# --- properties ---------------------------------------------------------------------------------

_FIRST_EIGHT = st.lists(st.integers(0, 4), min_size=8, max_size=8)
_LAST_TWO = st.lists(st.sampled_from([0, 2, 4]), min_size=2, max_size=2)
_FULL_AUDIT = st.builds(lambda a, b: a + b, _FIRST_EIGHT, _LAST_TWO)


@given(_FULL_AUDIT)
def test_audit_total_is_the_item_sum(items: list[int]) -> None:
    result = audit(items)
    assert result.total == sum(items)
    assert result.consumption + (result.dependence or 0) + (result.harm or 0) == result.total
    assert result.audit_c.total == sum(items[:3])
    assert result.dependence_flag is (sum(items[3:6]) >= 4)


@given(_FULL_AUDIT, _FULL_AUDIT)
def test_audit_band_is_monotonic_in_the_total(first: list[int], second: list[int]) -> None:
    order = [b.code for b in scoring_rules().audit.bands]
    low, high = sorted((audit(first), audit(second)), key=lambda r: r.total)
    assert order.index(low.band.code) <= order.index(high.band.code)
    assert low.band.min_total <= low.total <= low.band.max_total


@given(st.lists(st.integers(0, 4), min_size=3, max_size=3))
def test_short_audit_accepted_exactly_when_audit_c_is_negative(items: list[int]) -> None:
    if sum(items) < 5:
        assert audit(items).total == audit_c(items).total == sum(items)
    else:
        with pytest.raises(InvalidInput, match="must be asked too"):
            audit(items)


@given(
    st.lists(st.integers(0, 3), min_size=5, max_size=5), st.sampled_from(["heroin", "cocaine", "cannabis"])
)
def test_sds_total_is_the_item_sum_and_positive_is_monotonic(items: list[int], drug: str) -> None:
    result = sds(items, drug)
    assert result.total == sum(items)
    assert result.positive_at is not None
    assert result.positive is (result.total >= result.positive_at)


@given(st.lists(st.sampled_from(["yes", "no", "not_known", "not_asked"]), min_size=24, max_size=24))
def test_dash_counts_only_yes(answers: list[str]) -> None:
    result = dash(answers)
    assert result.yes_count == answers.count("yes")
    assert result.high_risk is (result.yes_count >= 14)


@given(st.lists(st.integers(0, 7), min_size=4, max_size=4))
def test_top_days_is_the_sum(weeks: list[int]) -> None:
    assert top_days(weeks) == sum(weeks) <= 28


# --- helpers ------------------------------------------------------------------------------------


def _items_totalling(total: int) -> list[int]:
    """Valid AUDIT answers adding up to `total`, filling questions in order."""
    items = [0] * 10
    left = total
    for index in range(10):
        step = 4 if index < 8 else 2
        score = min(4, left - left % step if index >= 8 else left)
        items[index] = score
        left -= score
    assert left == 0, total
    return items


def _literal(message: str) -> str:
    return re.escape(message)
