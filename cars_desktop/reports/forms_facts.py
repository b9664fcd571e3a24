"""Where each KPI fact lives in the form answers and the reference lists.

Codes come from the shipped reference lists (not the versions received later), so the server and
every workstation read the same meaning into the same code.
"""

from __future__ import annotations

from functools import cache

from cars_desktop.resources import shipped_reference_list
from cars_protocol.records import Assessment

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
