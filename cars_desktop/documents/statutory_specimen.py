"""Invented casework for the statutory and safeguarding documents: specimens and tests.

One invented person at one site, with a required initial assessment in each shape the law knows
(did not attend; attended with the appointment moved and a follow-up required; attended with no
follow-up needed), a follow-up left early, and a vulnerability screen with a high-risk DASH, a
child at risk and an exploitation concern. Nothing here is a real person, phone or address. The
clinical answers (test results, findings, self-harm) are filled in on purpose, so tests can check
that documents which must not carry them do not.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cars_desktop.documents.letterhead import load_letterhead
from cars_desktop.documents.model import BuiltDocument, PrintOptions
from cars_protocol.records import (
    Action,
    ActionStatus,
    ActionType,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Consent,
    CustodyEpisode,
    LegalBasis,
    Person,
)

SITE = "OLDBURY"
WORKER = "specimen.worker"
APPROVER = "specimen.supervisor"
#: The day the specimen referrals are shared (fixed, so specimens do not depend on the clock).
SHARED_ON = date(2026, 3, 11)
#: Words from clinical answers in the specimen forms; no statutory document may print them.
CLINICAL_MARKERS = (
    "opiates",
    "cocaine",
    "Uses heroin most days",
    "Dependent",
    "Keen to start treatment",
    "Weekly keyworker sessions",
    "Zolpiquin",
    "Feels low most days",
    "Hears voices",
    "Ringing-in-ears-marker",
)
#: A DASH answer and the score, which only the MARAC referral may carry.
DASH_MARKERS = ("Has the abuser ever used a weapon", "DASH score", "Is the abuse getting worse")


def _t(day: int, hour: int, minute: int = 0, month: int = 3) -> str:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC).isoformat()


def specimen_person() -> Person:
    """An invented person; the PNC id and address are made up."""
    return Person(
        id=uuid.UUID("5b1c1d1e-0000-4000-8000-00000000a001"),
        site_code=SITE,
        author=WORKER,
        family_name="Farrowdale",
        given_names="Tamsin",
        date_of_birth=date(1991, 2, 14),
        address="Flat 2, 9 Specimen Terrace, Oldbury",
        postcode="B69 0XX",
        local_authority="SANDWELL",
        pnc_id="92/000123X",
        phone="0121 496 0999",
    )


def specimen_episode(person: Person) -> CustodyEpisode:
    """The custody episode in which the requirement was imposed."""
    return CustodyEpisode(
        id=uuid.UUID("5b1c1d1e-0000-4000-8000-00000000a002"),
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        custody_record_number="20-SPEC-0042",
        arrived_at=datetime(2026, 3, 2, 8, 15, tzinfo=UTC),
        offences=["Theft from a shop"],
        trigger_offence=True,
    )


def _form(person: Person, kind: AssessmentKind, number: int, answers: dict[str, Any]) -> Assessment:
    return Assessment(
        id=uuid.UUID(f"5b1c1d1e-0000-4000-8000-00000000b{number:03d}"),
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        kind=kind,
        form_id=kind.value,
        form_version=1,
        answers=answers,
        status=AssessmentStatus.COMPLETED,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        updated_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
        completed_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
    )


_RA1 = {
    "ra1_issued_at": _t(2, 10, 30),
    "imposing_officer": "PS 4471 Okonjo-Specimen",
    "dtoa_positive_for": ["opiates", "cocaine"],
    "test_disputed": "no",
    "appointment_at": _t(5, 10),
    "appointment_place": "CARS office, Oldbury custody block",
    "warning_given": "yes",
    "follow_up_explained": "yes",
}


def initial_did_not_attend(person: Person) -> Assessment:
    """Required initial assessment: the person did not come."""
    answers = {
        **_RA1,
        "assessor": "Priya Specimen-Kaur",
        "attended": "no",
        "reason_given": "Said they were at a hospital appointment (Ringing-in-ears-marker).",
        "police_notified_at": _t(5, 11, 15),
        "police_officer_notified": "PC 2290 Delacroix-Specimen",
        "notification_method": "phone",
        "notes": "Keen to start treatment.",
    }
    return _form(person, AssessmentKind.REQUIRED_INITIAL, 1, answers)


def initial_follow_up_required(person: Person) -> Assessment:
    """Required initial assessment: moved once (RA2), attended and stayed, follow-up required (RA4)."""
    answers = {
        **_RA1,
        "ra2_variations": [
            {
                "ra2_issued_at": _t(4, 9),
                "ra2_issued_by": "Priya Specimen-Kaur (CARS)",
                "ra2_appointment_at": _t(6, 14),
                "ra2_place": "CARS office, Oldbury custody block",
                "ra2_reason": "Court date on the same day",
            }
        ],
        "assessor": "Priya Specimen-Kaur",
        "attended": "yes",
        "arrived_at": _t(6, 13, 55),
        "remained": "yes",
        "dependency_finding": "dependent",
        "dependency_evidence": "Uses heroin most days; withdrawal when stopping.",
        "benefit_from_help": "yes",
        "advice_given": "yes",
        "advice_details": "Explained Zolpiquin prescribing and the local service.",
        "follow_up_decision": "required",
        "ra4_appointment_at": _t(20, 11),
        "ra4_place": "CARS office, Oldbury custody block",
        "ra4_warning_given": "yes",
        "ra4_notice_given": "yes",
    }
    return _form(person, AssessmentKind.REQUIRED_INITIAL, 2, answers)


def initial_follow_up_not_required(person: Person) -> Assessment:
    """Required initial assessment: attended and stayed, no follow-up needed (RA5)."""
    answers = {
        **_RA1,
        "assessor": "Priya Specimen-Kaur",
        "attended": "yes",
        "arrived_at": _t(5, 9, 58),
        "remained": "yes",
        "dependency_finding": "dependent",
        "dependency_evidence": "Uses heroin most days; withdrawal when stopping.",
        "benefit_from_help": "no",
        "follow_up_decision": "not_required",
        "ra5_given_at": _t(5, 10, 50),
        "ra5_reason": "Weekly keyworker sessions already in place.",
    }
    return _form(person, AssessmentKind.REQUIRED_INITIAL, 3, answers)


def follow_up_left_early(person: Person) -> Assessment:
    """Required follow-up assessment: the person came but left before the end."""
    answers = {
        "ra4_appointment_at": _t(20, 11),
        "ra4_place": "CARS office, Oldbury custody block",
        "assessor": "Priya Specimen-Kaur",
        "attended": "yes",
        "arrived_at": _t(20, 11, 2),
        "remained": "no",
        "left_at": _t(20, 11, 20),
        "reason_given": "Said they felt unwell (Ringing-in-ears-marker).",
        "notes": "Keen to start treatment.",
    }
    return _form(person, AssessmentKind.REQUIRED_FOLLOW_UP, 4, answers)


_DASH_YES = (1, 2, 3, 4, 6, 8, 10, 11, 12, 13, 14, 16, 18, 20, 23)


def vulnerability_screen(person: Person) -> Assessment:
    """A screen with a high-risk DASH (15 yes), a child at risk and an exploitation concern."""
    answers: dict[str, Any] = {
        "feeling_today": "Feels low most days.",
        "current_self_harm_thoughts": "no",
        "self_harm_history": "yes",
        "self_harm_history_details": "Overdose two years ago; saw the crisis team.",
        "mh_diagnosis": "yes",
        "mh_diagnosis_details": "Hears voices when unwell",
        "medication_prescribed": "yes",
        "medication_missed": "no",
        "withdrawal_risk": "no",
        "refer_liaison_diversion": "no",
        "learning_disability": "no",
        "reading_writing_difficulty": "yes",
        "communication_needs": ["easy_read"],
        "da_disclosed": "yes",
        "da_role": "victim",
        "safe_to_talk": "yes",
        "safe_contact": "Text first on 07700 900 123 (specimen)",
        **{f"dash_{n}": ("yes" if n in _DASH_YES else "no") for n in range(1, 25)},
        "dash_5": "not_known",
        "dash_incidents_12m": 4,
        "professional_judgement": "yes",
        "judgement_reason": "Non-fatal strangulation described in the latest incident.",
        "repeat_marac": "no",
        "children_at_risk": "yes",
        "children_at_risk_details": (
            "Two children at home where the abuse happens; the younger one was at the last incident."
        ),
        "child_protection_plan": "no",
        "children_unattended": "yes",
        "sex_work": "no",
        "exploitation_concern": "yes",
        "exploitation_types": ["cuckooing", "criminal"],
        "exploitation_indicators": ["several_phones", "unexplained_money"],
        "nrm_consent": "no",
        "first_responder_told": "police",
        "notes": "Keen to start treatment.",
    }
    return _form(person, AssessmentKind.VULNERABILITY, 5, answers)


def lifestyle_children(person: Person) -> Assessment:
    """The children section of a lifestyle assessment (other sections are not needed here)."""
    answers = {
        "children_under_18": 2,
        "children_live_with": "all",
        "parental_responsibility": "yes",
        "children_unattended": "yes",
        "children_social_care": "no",
        "pregnant": "no",
        "cares_for_adult": "no",
        "audit_c": 9,
        "notes": "Weekly keyworker sessions.",
    }
    return _form(person, AssessmentKind.LIFESTYLE, 6, answers)


def non_consent_basis(person: Person, basis: LegalBasis) -> Consent:
    """A recorded decision to share without consent, justified and approved."""
    return Consent(
        id=uuid.uuid5(person.id, f"specimen-{basis.value}"),
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        recipients=["social_care"],
        data_categories=["contact_details", "risk"],
        legal_basis=basis,
        how_given="not_applicable",
        given_on=date(2026, 3, 10),
        justification="High risk of serious harm to the person and to children at home.",
        approver=APPROVER,
    )


def safeguarding_actions(person: Person) -> list[Action]:
    """The actions the screen raised, as the store would hold them."""

    def action(number: int, kind: ActionType, status: ActionStatus) -> Action:
        return Action(
            id=uuid.UUID(f"5b1c1d1e-0000-4000-8000-00000000c{number:03d}"),
            site_code=SITE,
            author=WORKER,
            person_id=person.id,
            action_type=kind,
            owner=WORKER,
            status=status,
            notes="Hears voices: tell the custody officer.",  # never printed: notes are not read
        )

    return [
        action(1, ActionType.MARAC, ActionStatus.IN_PROGRESS),
        action(2, ActionType.SAFEGUARDING, ActionStatus.IN_PROGRESS),
        action(3, ActionType.NRM, ActionStatus.DONE),
        action(4, ActionType.CUSTODY_OFFICER_ALERT, ActionStatus.DONE),
    ]


@dataclass(frozen=True)
class Specimen:
    """One specimen document: its file stem and how to build it."""

    name: str
    build: Callable[[PrintOptions], BuiltDocument]


def specimens() -> list[Specimen]:
    """Every statutory and safeguarding document, built from the invented casework above."""
    from cars_desktop.documents import safeguarding, statutory
    from cars_desktop.documents.safeguarding_facts import Audience, marac_facts, safeguarding_facts
    from cars_desktop.documents.statutory_facts import required_assessment_facts

    person = specimen_person()
    episode = specimen_episode(person)
    site = load_letterhead(SITE)
    missed = required_assessment_facts(person, initial_did_not_attend(person), episode=episode)
    moved = required_assessment_facts(person, initial_follow_up_required(person), episode=episode)
    ended = required_assessment_facts(person, initial_follow_up_not_required(person), episode=episode)
    left = required_assessment_facts(
        person, follow_up_left_early(person), episode=episode, initial=initial_follow_up_required(person)
    )
    screen, lifestyle, actions = (
        vulnerability_screen(person),
        lifestyle_children(person),
        safeguarding_actions(person),
    )
    marac = marac_facts(
        person,
        screen,
        lifestyle=lifestyle,
        consents=[non_consent_basis(person, LegalBasis.MARAC)],
        shared_on=SHARED_ON,
    )
    safeguarding_basis = [non_consent_basis(person, LegalBasis.SAFEGUARDING)]

    def summary(audience: Audience) -> Callable[[PrintOptions], BuiltDocument]:
        facts = safeguarding_facts(
            person,
            screen,
            audience,
            lifestyle=lifestyle,
            actions=actions,
            consents=safeguarding_basis,
            shared_on=SHARED_ON,
        )
        return lambda options: safeguarding.build_safeguarding_summary(facts, site, options)

    return [
        Specimen("police_notification", lambda o: statutory.build_police_notification(missed, site, o)),
        Specimen(
            "police_notification_left_early", lambda o: statutory.build_police_notification(left, site, o)
        ),
        Specimen("ra2_appointment_change", lambda o: statutory.build_ra2_notice(moved, site, o)),
        Specimen("ra3_attendance", lambda o: statutory.build_ra3_attendance(left, site, o)),
        Specimen("ra4_follow_up_required", lambda o: statutory.build_ra4_notice(moved, site, o)),
        Specimen("ra5_follow_up_not_required", lambda o: statutory.build_ra5_notice(ended, site, o)),
        Specimen("marac_referral", lambda o: safeguarding.build_marac_referral(marac, site, o)),
        Specimen("safeguarding_summary_children", summary(Audience.CHILDREN)),
        Specimen("safeguarding_summary_adults", summary(Audience.ADULTS)),
    ]
