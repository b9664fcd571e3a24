"""The referral specimen agrees with itself, and the person's copy says scores in plain words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cars_desktop.documents.core_specimen import core_casework
from cars_desktop.documents.model import PrintOptions
from cars_desktop.documents.referral import build_referral_letter, build_referral_person_copy
from cars_desktop.documents.sharing import SharedSection
from tests.documents.conftest import PRINTED_AT
from tests.documents.pdf_tools import all_text

OPTIONS = PrintOptions(PRINTED_AT)
WORKER_WORDS = ("AUDIT", "Severity of Dependence", "SDS", ": positive", "cut-off", "score")


@pytest.mark.parametrize(
    ("required", "assessment_type"),
    [(True, "Required assessment (after a positive test)"), (False, "Voluntary, in custody (cell sweep)")],
)
def test_the_specimen_referral_states_one_kind_of_assessment(required: bool, assessment_type: str) -> None:
    case = core_casework(required=required)
    text = all_text(build_referral_letter(case.referral, case.site, OPTIONS).pdf)
    assert assessment_type in text
    assert ("required assessment under the Drugs Act 2005" in text) is required
    other = "Voluntary, in custody" if required else "Required assessment (after"
    assert other not in text


def test_the_person_copy_says_what_the_scores_mean_without_test_names_or_numbers() -> None:
    case = core_casework()
    provider = all_text(build_referral_letter(case.referral, case.site, OPTIONS).pdf)
    person = all_text(build_referral_person_copy(case.referral, case.site, OPTIONS).pdf)
    assert "AUDIT-C 7: positive" in provider and "SDS 12 for heroin: positive" in provider
    for word in WORKER_WORDS:
        assert word not in person, word
    assert "Your drinking Your answers about alcohol suggest it may be harming your health." in person
    assert "Your drug use Your answers suggest you may find it hard to stop or cut down." in person
    assert "Heroin, Smoked" in person  # the other answers are still the ones sent


def _with_scores(section: SharedSection, scores: dict[str, object]) -> SharedSection:
    answers = tuple((field, scores.get(field, value)) for field, value in section.answers)
    return replace(section, answers=answers)


def test_lower_results_and_a_full_audit_are_worded_too() -> None:
    case = core_casework()
    lower: dict[str, object] = {
        "audit_c_score": {"positive": False, "total": 2},
        "sds_score": {"positive": False, "total": 1},
    }
    shared = tuple(_with_scores(section, lower) for section in case.referral.shared)
    person = all_text(
        build_referral_person_copy(replace(case.referral, shared=shared), case.site, OPTIONS).pdf
    )
    assert "suggest a lower risk to your health" in person
    assert "do not suggest you find it hard to stop or cut down" in person
    full = [
        ("audit_score", {"band": {"code": "increasing_risk"}, "dependence_flag": False}),
        ("audit_score", {"band": {"code": "higher_risk"}, "refer_for_specialist_assessment": True}),
    ]
    for (field, value), expected in zip(
        full, ("may be harming your health", "may find it hard to stop drinking"), strict=True
    ):
        section = SharedSection("substance_use", "Drug and alcohol use", (("Full AUDIT score", "AUDIT 12"),))
        section = replace(section, answers=((field, value),))
        referral = replace(case.referral, shared=(section,))
        text = all_text(build_referral_person_copy(referral, case.site, OPTIONS).pdf)
        assert expected in text and "AUDIT" not in text
