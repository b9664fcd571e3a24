"""What a referral letter may say: form answers sorted into the consent's data categories.

Minimum necessary, by construction: only the fields listed here can ever reach a provider, and
only those whose category the person agreed to share. Domestic abuse (DASH), sex work and
exploitation answers are deliberately absent: they go through MARAC or safeguarding on their own
legal basis, never in a treatment referral.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cars_desktop.documents.layout import uk_date, uk_time
from cars_desktop.forms.computed import shown_value, with_computed
from cars_desktop.forms.spec import FieldSpec, FieldType, FormSpec
from cars_desktop.forms.validation import choices_for
from cars_desktop.resources import reference_list

#: form id → data category → the fields of that form a referral may carry for that category.
REFERRAL_FIELDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "lifestyle": {
        "assessment_summary": ("assessment_type", "accommodation", "employment", "next_steps"),
        "substance_use": (
            "substances",
            "injecting_status",
            "shared_needles",
            "shared_paraphernalia",
            "injecting_days",
            "audit_c_score",
            "audit_score",
            "sds_score",
            "in_treatment_now",
            "current_provider",
            "prescribed_now",
            "prescribed_medication",
            "prescribed_dose",
            "prescriber",
        ),
        "health": (
            "gp_registered",
            "gp_practice",
            "physical_health",
            "hep_b_vaccination",
            "hep_c_test",
            "hiv_test",
            "pregnant",
        ),
        "risk": (
            "overdose_ever",
            "overdose_count",
            "overdose_last",
            "eviction_risk",
            "parental_responsibility",
        ),
    },
    "vulnerability": {
        "health": (
            "mh_diagnosis",
            "mh_diagnosis_details",
            "mh_services",
            "medication_prescribed",
            "withdrawal_risk",
            "reading_writing_difficulty",
            "communication_needs",
        ),
        "risk": ("self_harm_history",),
    },
}

#: The order categories appear in a letter.
CATEGORY_ORDER = ("assessment_summary", "substance_use", "health", "risk")


@dataclass(frozen=True)
class SharedSection:
    """One consented category of a letter: its heading and the label/answer lines under it."""

    category: str
    heading: str
    lines: tuple[tuple[str, str], ...]
    #: The field id and raw answer behind each line, in the same order (the person's copy words
    #: scores its own way; see referral.py).
    answers: tuple[tuple[str, Any], ...] = ()


def category_name(code: str, on: date) -> str:
    """The reader's name of a data category (from the reference list)."""
    for item in reference_list("data_categories").items_on(on):
        if item.code == code:
            return item.name
    return code.replace("_", " ").capitalize()


def _choice_label(spec: FieldSpec, code: Any, on: date) -> str:
    for choice in choices_for(spec, on):
        if choice.code == code:
            return choice.label
    return str(code)


def _lookup_label(spec: FieldSpec, code: Any, on: date) -> str:
    lists = {"provider": "providers", "site": "sites", "local_authority": "local_authorities"}
    name = lists.get(spec.lookup or "")
    if name:
        for item in reference_list(name).items_on(on):
            if item.code == code:
                return item.name
    return str(code)


def _row_part(spec: FieldSpec, value: Any, on: date) -> str:
    """A coded answer reads on its own ("Heroin"); a number needs its label ("Age first used: 19")."""
    text = answer_text(spec, value, on)
    coded = spec.type in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE, FieldType.LOOKUP)
    return text if coded else f"{spec.label}: {text}"


def answer_text(spec: FieldSpec, value: Any, on: date) -> str:
    """An answer as words for paper: labels for codes, dates as people write them."""
    kind = spec.type
    if kind is FieldType.YES_NO:
        return {"yes": "Yes", "no": "No", "not_asked": "Not asked"}.get(str(value), str(value))
    if kind in (FieldType.SINGLE_CHOICE, FieldType.SCALE):
        return _choice_label(spec, value, on)
    if kind is FieldType.MULTIPLE_CHOICE:
        return "; ".join(_choice_label(spec, code, on) for code in value)
    if kind is FieldType.LOOKUP:
        return _lookup_label(spec, value, on)
    if kind is FieldType.DATE:
        return uk_date(date.fromisoformat(str(value)))
    if kind is FieldType.DATETIME:
        return uk_time(datetime.fromisoformat(str(value)))
    if kind is FieldType.COMPUTED and spec.computed is not None:
        return shown_value(spec.computed, value)
    if kind is FieldType.REPEAT_GROUP:
        rows = []
        for row in value:
            parts = [
                _row_part(inner, row[inner.id], on)
                for inner in spec.fields or []
                if row.get(inner.id) not in (None, "", [])
            ]
            rows.append(", ".join(parts))
        return " | ".join(rows)
    return str(value)


def shared_sections(
    forms: Collection[tuple[FormSpec, Mapping[str, Any]]], categories: Collection[str], on: date
) -> list[SharedSection]:
    """The consented categories' answers from these forms, in letter order; empty ones left out."""
    sections: list[SharedSection] = []
    for category in CATEGORY_ORDER:
        if category not in categories:
            continue
        lines: list[tuple[str, str]] = []
        raw: list[tuple[str, Any]] = []
        for spec, answers in forms:
            complete = with_computed(spec, answers)
            for field_id in REFERRAL_FIELDS.get(spec.id, {}).get(category, ()):
                value = complete.get(field_id)
                if value in (None, "", []):
                    continue
                lines.append((spec.field(field_id).label, answer_text(spec.field(field_id), value, on)))
                raw.append((field_id, value))
        if lines:
            sections.append(SharedSection(category, category_name(category, on), tuple(lines), tuple(raw)))
    return sections
