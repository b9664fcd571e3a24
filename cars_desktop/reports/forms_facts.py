"""Where each KPI fact lives in the form answers and the reference lists.

Codes come from the shipped reference lists (not the versions received later), so the server and
every workstation read the same meaning into the same code.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.scoring.audit import audit
from cars_desktop.forms.scoring.rules import scoring_rules
from cars_desktop.resources import shipped_reference_list
from cars_protocol.records import Assessment, AssessmentKind

ANSWERS_UNREAD = frozenset(
    {
        AssessmentKind.CUSTODY_ARRIVAL,
        AssessmentKind.REQUIRED_FOLLOW_UP,
        AssessmentKind.REFERRAL,
        AssessmentKind.REFERRAL_OUTCOME,
        AssessmentKind.OUT_OF_HOURS_BOOKING,
    }
)
"""The forms whose answers no KPI reads: a KPI report reads them as outlines, without answers
(`facts.kpi_outline`). A KPI counts them only as forms completed (people engaged); the crime
tables, which read custody arrivals' offences, parse them in full. A KPI that starts to read one
of these kinds' answers must take the kind out (its tests fail until then: an outline has none)."""

VOLUNTARY_TYPES = frozenset({"voluntary_custody", "voluntary_community"})
"""Lifestyle assessment types that are voluntary (assessment_types.json); "required" is the
content of a statutory assessment and "court" a court assessment."""


@cache
def _codes_where(list_name: str, attribute: str, wanted: object) -> frozenset[str]:
    items = shipped_reference_list(list_name).items
    return frozenset(i.code for i in items if i.extra(attribute) == wanted)


@cache
def requirement_includes(code: str) -> frozenset[str]:
    """The single requirements (drr, atr, mhtr) a proposed requirement code stands for."""
    for item in shipped_reference_list("treatment_requirements").items:
        if item.code == code:
            return frozenset(item.extra("includes") or ())
    return frozenset()


def suitable_outcomes() -> frozenset[str]:
    """Suitability outcomes that mean "suitable" (suitability_outcomes.json, suitable = true)."""
    return _codes_where("suitability_outcomes", "suitable", True)


def opioid_substances() -> frozenset[str]:
    """Substance codes in the opioid group (substances.json)."""
    return _codes_where("substances", "group", "opioid")


def answer(assessment: Assessment, key: str) -> object:
    return assessment.answers.get(key)


def said_yes(assessment: Assessment, key: str) -> bool:
    return assessment.answers.get(key) == "yes"


def substances_of(assessment: Assessment) -> frozenset[str]:
    """The problem substance codes recorded in a lifestyle or suitability assessment."""
    rows = assessment.answers.get("substances")
    if not isinstance(rows, list):
        return frozenset()
    return frozenset(str(row["substance"]) for row in rows if isinstance(row, dict) and row.get("substance"))


def orders_made(assessment: Assessment) -> frozenset[str]:
    """Which of DRR, ATR and MHTR the court made, from the sentence recorded on the assessment.

    "Combined treatment requirements made" counts as each requirement in the proposed combination.
    """
    if not said_yes(assessment, "sentence_known"):
        return frozenset()
    result = answer(assessment, "sentence_result")
    single = {"drr_made": "drr", "atr_made": "atr", "mhtr_made": "mhtr"}
    if isinstance(result, str) and result in single:
        return frozenset({single[result]})
    if result == "combined_made":
        proposed = answer(assessment, "requirement_type")
        return requirement_includes(proposed) if isinstance(proposed, str) else frozenset()
    return frozenset()


# --- crime impact: main substance, AUDIT band, trigger offence groups ----------------------

NONE = "none"
"""The main-substance line for an assessment that records no current problem use."""
NOT_RECORDED = "not_recorded"
"""The line for an assessment (or arrest) that does not say."""
NOT_TRIGGER = "not_trigger"
"""The offence category of an arrest none of whose offences is on the trigger offence list."""


def main_substance(assessment: Assessment) -> str:
    """The main problem substance: the first row of "Problem substances (main one first)".

    "none" when the person has no problem with drugs or alcohol now; "not_recorded" otherwise.
    """
    rows = assessment.answers.get("substances")
    if isinstance(rows, list) and rows and isinstance(rows[0], dict) and rows[0].get("substance"):
        return str(rows[0]["substance"])
    return NONE if assessment.answers.get("problem_use") == "no" else NOT_RECORDED


def audit_band(assessment: Assessment, on: date) -> str:
    """The AUDIT band code (lower_risk ... possible_dependence), or "not_recorded".

    The band the form stored with its score (worked out by the rules in force when it was
    completed) is used; failing that, the AUDIT answers are scored with the rules in force `on`.
    AUDIT-C under the cut-off (questions 4 to 10 not asked) still has a band.
    """
    stored = assessment.answers.get("audit_score")
    if isinstance(stored, dict):
        band = stored.get("band")
        if isinstance(band, dict) and isinstance(band.get("code"), str):
            return str(band["code"])
    items = {n: assessment.answers.get(f"audit_{n}") for n in range(1, 11)}
    given = {n: v for n, v in items.items() if isinstance(v, int) and not isinstance(v, bool)}
    try:
        return audit(given, on=on).band.code
    except InvalidInput:
        return NOT_RECORDED


def audit_bands(on: date | None = None) -> tuple[tuple[str, str], ...]:
    """The AUDIT bands in order, as (code, label such as "higher risk (harmful)")."""
    return tuple((b.code, b.title) for b in scoring_rules(on).audit.bands)


@cache
def _trigger_offences() -> dict[str, tuple[str, bool]]:
    """Trigger offence code -> (its group: the Act it is under, whether only for Class A drugs)."""
    return {
        item.code: (str(item.extra("statute") or item.name), bool(item.extra("class_a_only")))
        for item in shipped_reference_list("trigger_offences").items
    }


def trigger_offence_groups() -> tuple[str, ...]:
    """The trigger offence groups (the Acts in trigger_offences.json), in list order."""
    return tuple(dict.fromkeys(group for group, _ in _trigger_offences().values()))


def offence_groups(arrival: Assessment) -> frozenset[str]:
    """The trigger offence groups of the offences on a custody arrival form, or {"not_trigger"}.

    An offence counts in a group when the worker matched it to a trigger offence code; a Misuse of
    Drugs Act code counts only when the drug was a specified Class A drug (as the form asks).
    """
    groups: set[str] = set()
    rows = arrival.answers.get("offences")
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, dict):
            continue
        found = _trigger_offences().get(str(row.get("trigger_offence_code") or ""))
        if found is None:
            continue
        group, class_a_only = found
        if class_a_only and row.get("specified_class_a") != "yes":
            continue
        groups.add(group)
    return frozenset(groups) or frozenset({NOT_TRIGGER})


def substance_names() -> dict[str, str]:
    """Substance code -> name (substances.json), for table labels."""
    return {i.code: i.name for i in shipped_reference_list("substances").items}


# --- data quality -----------------------------------------------------------------------------

NDTMS_FORM_FIELDS: tuple[str, ...] = (
    "assessment_type",
    "referral_source",
    "injecting_status",
    "accommodation",
    "employment",
    "local_authority",
    "hep_b_vaccination",
    "hep_c_test",
    "consent_to_share",
)
"""Lifestyle assessment answers that stand for NDTMS/CJIT-style fields (DOMAIN.md 2.3)."""
NDTMS_SUBSTANCE_FIELDS: tuple[str, ...] = ("substance", "route", "age_first_used")
"""Answers on the main problem substance row, needed when a current problem is recorded."""


def _given(value: object) -> bool:
    return value is not None and value != "" and value != []


def ndtms_complete(assessment: Assessment, sex: str | None) -> bool:
    """Whether a lifestyle assessment and its person hold every NDTMS-style field we check.

    The form answers in NDTMS_FORM_FIELDS; "problem_use" answered, and when it is "yes" the main
    substance row's NDTMS_SUBSTANCE_FIELDS; and on the person, a sex other than "not stated" (date
    of birth is always held). Ethnicity is an NDTMS field too, but no screen records it yet, so
    checking it would make every assessment incomplete; add it here once the person form asks.
    """
    answers = assessment.answers
    if not all(_given(answers.get(key)) for key in NDTMS_FORM_FIELDS):
        return False
    if answers.get("problem_use") not in ("yes", "no"):
        return False
    if answers.get("problem_use") == "yes":
        rows = answers.get("substances")
        main = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
        if not all(_given(main.get(key)) for key in NDTMS_SUBSTANCE_FIELDS):
            return False
    return sex not in (None, "", "not_stated")


def consent_answered(assessment: Assessment) -> bool:
    """Whether the form itself records a consent-to-share decision (yes or no)."""
    return assessment.answers.get("consent_to_share") in ("yes", "no")


def advice_given(assessment: Assessment) -> tuple[str, ...]:
    """The harm-reduction advice codes ticked on a harm reduction form."""
    given = assessment.answers.get("advice_given")
    return tuple(str(code) for code in given) if isinstance(given, list) else ()
