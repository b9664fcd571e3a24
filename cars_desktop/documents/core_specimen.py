"""Invented casework for the core documents (referral, appointment, pack, Naloxone): specimens and tests.

One invented person at the Oldbury block with a lifestyle assessment and a vulnerability screen,
a referral to their local provider, an appointment, a consent and a Naloxone supply. Nothing here
is a real person, phone or address. The answers include alcohol and mental-health findings with
recognisable words (`ALCOHOL_MARKERS`, `MENTAL_HEALTH_MARKERS`) so tests can prove a consent that
leaves those categories out keeps them off paper.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cars_desktop.documents.facts import (
    AppointmentFacts,
    NaloxoneFacts,
    ReferralFacts,
    appointment_facts,
    naloxone_facts,
    referral_facts,
    worker_contact,
)
from cars_desktop.documents.letterhead import Letterhead, load_letterhead
from cars_desktop.forms.catalogue import shipped_catalogue
from cars_protocol.records import (
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Consent,
    NaloxoneProduct,
    NaloxoneSupply,
    Person,
    Referral,
    Role,
)

SITE = "OLDBURY"
WORKER = "specimen.worker"
WORKER_NAME = "Sam Specimen-Worker"
ON = date(2026, 3, 4)
#: Words that only the alcohol answers print (the AUDIT results).
ALCOHOL_MARKERS = ("AUDIT-C",)
#: Words that only the mental-health answers print.
MENTAL_HEALTH_MARKERS = ("Mental-health-marker-diagnosis", "Crisis team", "mental health diagnosis")
#: Every data category a referral can carry (data_categories.json).
ALL_CATEGORIES = ("contact_details", "assessment_summary", "substance_use", "health", "risk")


def _id(number: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{number:012d}")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def specimen_person() -> Person:
    """An invented person; the address and phone are made up (Ofcom drama range)."""
    return Person(
        id=_id(901),
        site_code=SITE,
        author=WORKER,
        created_at=_at(3, 22),
        updated_at=_at(3, 22),
        family_name="Specimen",
        given_names="Jordan",
        date_of_birth=date(1991, 5, 17),
        address="12 Invented Road, Oldbury",
        postcode="B69 9ZZ",
        local_authority="SANDWELL",
        phone="07700 900123",
    )


def _form(person: Person, kind: AssessmentKind, number: int, answers: dict[str, Any]) -> Assessment:
    return Assessment(
        id=_id(number),
        site_code=SITE,
        author=WORKER,
        created_at=_at(4, 9),
        updated_at=_at(4, 10),
        person_id=person.id,
        kind=kind,
        form_id=kind.value,
        form_version=1,
        answers=answers,
        status=AssessmentStatus.COMPLETED,
        completed_at=_at(4, 10),
    )


def specimen_lifestyle(person: Person, required: bool = True) -> Assessment:
    """A lifestyle assessment with drug, alcohol, health and risk answers.

    Its type matches the referral's appointment: a required assessment (after a positive test) or
    a voluntary one in custody, so no specimen letter says both.
    """
    return _form(
        person,
        AssessmentKind.LIFESTYLE,
        911,
        {
            "assessment_type": "required" if required else "voluntary_custody",
            "problem_use": "yes",
            "substances": [
                {"substance": "heroin", "route": "smoked", "frequency": "daily", "age_first_used": 19},
                {"substance": "crack_cocaine", "route": "smoked", "frequency": "daily", "age_first_used": 22},
            ],
            "injecting_status": "previously_injected",
            "overdose_ever": "yes",
            "overdose_count": 2,
            "audit_1": 3,
            "audit_2": 2,
            "audit_3": 2,
            "sds_drug": "heroin",
            "sds_1": 2,
            "sds_2": 2,
            "sds_3": 3,
            "sds_4": 3,
            "sds_5": 2,
            "in_treatment_now": "no",
            "prescribed_now": "no",
            "gp_registered": "yes",
            "gp_practice": "Invented Lane Surgery",
            "hep_b_vaccination": "not_vaccinated",
            "hep_c_test": "never_tested",
            "hiv_test": "never_tested",
            "accommodation": "hostel_temporary",
            "employment": "unemployed_seeking",
            "local_authority": "SANDWELL",
            "next_steps": ["referral", "harm_reduction"],
        },
    )


def specimen_vulnerability(person: Person) -> Assessment:
    """A vulnerability screen with a mental-health finding (health category)."""
    return _form(
        person,
        AssessmentKind.VULNERABILITY,
        912,
        {
            "current_self_harm_thoughts": "no",
            "self_harm_history": "no",
            "mh_diagnosis": "yes",
            "mh_diagnosis_details": "Mental-health-marker-diagnosis",
            "mh_services": ["crisis_team"],
            "medication_prescribed": "no",
            "withdrawal_risk": "yes",
        },
    )


def specimen_consent(person: Person, categories: Sequence[str] = ALL_CATEGORIES) -> Consent:
    """The person's consent to share these categories with their treatment provider."""
    return Consent(
        id=_id(921),
        site_code=SITE,
        author=WORKER,
        created_at=_at(4, 10),
        updated_at=_at(4, 10),
        person_id=person.id,
        recipients=["treatment_provider"],
        data_categories=list(categories),
        how_given="signed",
        given_on=ON,
    )


def specimen_appointment(person: Person, required: bool) -> Appointment:
    """An appointment at the Oldbury block, required (after a positive test) or voluntary."""
    return Appointment(
        id=_id(931 if required else 932),
        site_code=SITE,
        author=WORKER,
        created_at=_at(4, 10),
        updated_at=_at(4, 10),
        person_id=person.id,
        starts_at=_at(10, 10, 30),
        location_site_code=SITE,
        reason="required_assessment" if required else "voluntary",
        booked_by=WORKER,
        booked_by_role=Role.WORKER,
        ra1_issued=required,
    )


def specimen_referral(person: Person) -> Referral:
    """A referral to Sandwell's provider."""
    return Referral(
        id=_id(941),
        site_code=SITE,
        author=WORKER,
        created_at=_at(4, 10),
        updated_at=_at(4, 10),
        person_id=person.id,
        provider_code="CRANSTOUN-SANDWELL",
        local_authority="SANDWELL",
        appointment_at=_at(10, 10, 30),
    )


def specimen_supply(person: Person) -> NaloxoneSupply:
    """A Prenoxad kit put in custody property, with most topics covered."""
    return NaloxoneSupply(
        id=_id(951),
        site_code=SITE,
        author=WORKER,
        created_at=_at(4, 10),
        updated_at=_at(4, 10),
        person_id=person.id,
        product=NaloxoneProduct.PRENOXAD,
        batch_number="SPEC-2026-0042",
        expiry_date=date(2028, 9, 30),
        supplied_on=ON,
        training_topics=[
            "risk_factors",
            "recognising_overdose",
            "call_999",
            "recovery_position",
            "basic_life_support",
            "giving_naloxone",
            "repeat_dosing",
            "wears_off",
            "storage_expiry",
        ],
        consent_given=True,
        leaflet_given=True,
        handed_to_property=True,
    )


@dataclass(frozen=True)
class CoreCasework:
    """The facts of every core document for the invented person."""

    site: Letterhead
    referral: ReferralFacts
    required_appointment: AppointmentFacts
    voluntary_appointment: AppointmentFacts
    naloxone: NaloxoneFacts


def core_casework(categories: Sequence[str] = ALL_CATEGORIES, required: bool = True) -> CoreCasework:
    """Facts built from the invented records through the same functions the services call."""
    person = specimen_person()
    catalogue = shipped_catalogue()
    forms = [
        (catalogue.get("lifestyle", 1), specimen_lifestyle(person, required)),
        (catalogue.get("vulnerability", 1), specimen_vulnerability(person)),
    ]
    site = load_letterhead(SITE, ON)
    ask_for = "the CARS duty worker"
    required_facts = appointment_facts(specimen_appointment(person, True), ask_for)
    voluntary_facts = appointment_facts(specimen_appointment(person, False), ask_for)
    referral = referral_facts(
        person,
        specimen_referral(person),
        specimen_consent(person, categories),
        forms,
        worker_contact(WORKER_NAME, site),
        appointment=required_facts if required else voluntary_facts,
        on=ON,
    )
    return CoreCasework(
        site, referral, required_facts, voluntary_facts, naloxone_facts(specimen_supply(person))
    )
