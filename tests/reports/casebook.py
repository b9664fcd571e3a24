# ruff: noqa: E501 - the casebook is a table of records, one per line
"""A hand-built casebook of invented people and records for the KPI tests, with boundary cases.

British Summer Time in 2026 runs from 01:00 UTC on Sunday 29 March to 01:00 UTC on Sunday
25 October, so 23:30 UTC on 31 March is 00:30 on 1 April in the UK.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cars_protocol.records import (
    Action,
    ActionStatus,
    ActionType,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    NaloxoneProduct,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
    ReferralOutcome,
    Sex,
    Tombstone,
)

OLDBURY, PERRY, COURT = "OLDBURY", "PERRY-BARR", "BHAM-MC"
GONE = Tombstone(at=datetime(2026, 6, 1, tzinfo=UTC), by="sue.sup", reason="entered in error")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def person(
    given: str, la: str | None, tombstone: Tombstone | None = None, sex: Sex = Sex.NOT_STATED
) -> Person:
    """An invented person recorded at Oldbury on 1 January 2026."""
    at = utc("2026-01-01T09:00")
    return Person(
        family_name="Quillfeather", given_names=given, date_of_birth=date(1990, 1, 1), local_authority=la,
        site_code=OLDBURY, author="w.one", created_at=at, updated_at=at, tombstone=tombstone, sex=sex,
    )  # fmt: skip


P1 = person("Ada", "BIRMINGHAM")
P2 = person("Bram", "SANDWELL", sex=Sex.MALE)
P3 = person(
    "Bram Dup",
    "WALSALL",
    Tombstone(at=utc("2026-05-01T09:00"), by="sue.sup", reason="duplicate", merged_into=P2.id),
)
P4 = person("Cleo", "DUDLEY", GONE)
P5 = person("Dax", None)
P6 = person("Eli", "WOLVERHAMPTON")


def form(
    kind: AssessmentKind,
    person: Person,
    site: str,
    author: str,
    completed: str | None,
    answers: dict[str, Any] | None = None,
    **extra: Any,
) -> Assessment:
    """A form; completed when `completed` (UTC) is given, else a draft started a day earlier."""
    done = utc(completed) if completed else None
    created = (
        utc(extra.pop("created"))
        if "created" in extra
        else (done or utc("2026-04-01T12:00")) - timedelta(hours=1)
    )
    return Assessment(
        person_id=person.id, kind=kind, form_id=kind.value, form_version=1, answers=answers or {},
        status=extra.pop("status", AssessmentStatus.COMPLETED if done else AssessmentStatus.DRAFT),
        completed_at=done, site_code=site, author=author, created_at=created,
        updated_at=max(created, done or created), **extra,
    )  # fmt: skip


def referral(person: Person, site: str, author: str, created: str, **extra: Any) -> Referral:
    at = utc(created)
    return Referral(
        person_id=person.id, provider_code="CGL-BHAM", local_authority="BIRMINGHAM", site_code=site,
        author=author, created_at=at, updated_at=at + timedelta(days=40), **extra,
    )  # fmt: skip


K = AssessmentKind
# The NDTMS-style answers the data-quality KPI checks (kpis.ndtms_fields_complete_rate), all given.
NDTMS = {
    "referral_source": "self", "injecting_status": "never_injected", "accommodation": "rented_tenancy",
    "employment": "unemployed_seeking", "local_authority": "SANDWELL", "hep_b_vaccination": "not_vaccinated",
    "hep_c_test": "never_tested", "consent_to_share": "yes",
}  # fmt: skip
YES_YES = {"attended": "yes", "remained": "yes"}

A1_DRAFT = form(K.REQUIRED_INITIAL, P1, OLDBURY, "w.one", None, {"ra1_issued_at": "2026-03-31T22:30:00+00:00"},
                created="2026-03-31T22:30")  # fmt: skip
A1_DONE = A1_DRAFT.model_copy(
    update={"revision": 2, "status": AssessmentStatus.COMPLETED, "completed_at": utc("2026-03-31T23:30"),
            "answers": {**A1_DRAFT.answers, **YES_YES}, "updated_at": utc("2026-03-31T23:30")}
)  # fmt: skip
A1_AMENDED = A1_DONE.model_copy(
    update={"revision": 3, "status": AssessmentStatus.AMENDED, "amendment_reason": "typo",
            "answers": {**A1_DONE.answers, "notes": "corrected"}, "updated_at": utc("2026-04-03T09:00")}
)  # fmt: skip

RECORDS: list[RecordBase] = [
    P1, P2, P3, P4, P5, P6,
    # Required initial assessments: A1 has three revisions (counted once, at the newest).
    A1_DRAFT, A1_DONE, A1_AMENDED,
    form(K.REQUIRED_INITIAL, P2, OLDBURY, "w.two", "2026-04-10T10:00",
         {"ra1_issued_at": "2026-04-10T09:00:00+00:00", "attended": "no"}),
    form(K.REQUIRED_INITIAL, P5, PERRY, "w.one", None, {"ra1_issued_at": "2026-04-20T08:00:00+00:00"}),
    form(K.REQUIRED_INITIAL, P3, PERRY, "w.two", "2026-03-05T12:00",
         {"ra1_issued_at": "2026-03-05T10:00:00+00:00", **YES_YES}),
    form(K.REQUIRED_INITIAL, P4, OLDBURY, "w.one", "2026-03-10T12:00",
         {"ra1_issued_at": "2026-03-10T10:00:00+00:00", **YES_YES}),  # person deleted
    form(K.REQUIRED_INITIAL, P1, OLDBURY, "w.one", "2026-03-12T12:00",
         {"ra1_issued_at": "2026-03-12T10:00:00+00:00", **YES_YES}, tombstone=GONE),  # deleted
    # Lifestyle assessments.
    # Consent and NDTMS fields: L1 consents (no other NDTMS fields); L2 has every field (P2's sex is
    # recorded); L3 (02:00 BST 1 April) declines consent, fields complete but P1's sex not stated;
    # L4 lacks the main substance's route and age first used.
    form(K.LIFESTYLE, P1, OLDBURY, "w.one", "2026-03-31T22:59",
         {"assessment_type": "voluntary_custody", "substances": [{"substance": "heroin"}],
          "consent_to_share": "yes"}),
    form(K.LIFESTYLE, P2, PERRY, "w.two", "2026-04-02T10:00",
         {"assessment_type": "voluntary_community", **NDTMS, "problem_use": "yes",
          "substances": [{"substance": "cocaine_powder", "route": "sniffed", "age_first_used": 19}]}),
    form(K.LIFESTYLE, P1, OLDBURY, "w.one", "2026-04-01T01:00",
         {"assessment_type": "required", **NDTMS, "problem_use": "no", "consent_to_share": "no"}),
    form(K.LIFESTYLE, P5, COURT, "w.three", "2026-04-15T10:00",
         {"assessment_type": "court", **NDTMS, "problem_use": "yes", "substances": [{"substance": "heroin"}]}),
    form(K.LIFESTYLE, P2, PERRY, "w.two", None, {"assessment_type": "voluntary_custody"}),
    # Court suitability assessments.
    form(K.COURT_SUITABILITY, P5, COURT, "w.three", "2026-04-03T11:00",
         {"hearing_date": "2026-03-30", "outcome": "suitable_recommended", "requirement_type": "drr_atr",
          "adjourned": "yes", "sentence_known": "yes", "sentence_result": "combined_made",
          "sentence_date": "2026-04-24"}),
    form(K.COURT_SUITABILITY, P1, COURT, "w.three", "2026-04-07T15:00",
         {"hearing_date": "2026-04-07", "outcome": "suitable_recommended", "requirement_type": "atr",
          "adjourned": "no", "sentence_known": "yes", "sentence_result": "atr_made",
          "sentence_date": "2026-05-05"}),
    form(K.COURT_SUITABILITY, P2, COURT, "w.three", None, {"hearing_date": "2026-04-08"}),
    form(K.COURT_SUITABILITY, P2, COURT, "w.three", "2026-04-09T14:00",
         {"hearing_date": "2026-04-09", "outcome": "not_completed", "adjourned": "yes", "sentence_known": "no"}),
    form(K.COURT_SUITABILITY, P1, COURT, "w.three", "2026-03-20T13:00",
         {"hearing_date": "2026-03-20", "outcome": "suitable_no_consent", "adjourned": "no", "sentence_known": "no"}),
    # Referrals (R1 twice: pending, then entered treatment).
    referral(P1, OLDBURY, "w.one", "2026-03-31T23:30", id=uuid.UUID(int=101)),
    referral(P1, OLDBURY, "w.one", "2026-03-31T23:30", id=uuid.UUID(int=101), revision=2,
             outcome=ReferralOutcome.ENTERED_TREATMENT, entered_treatment_on=date(2026, 4, 6)),
    referral(P2, PERRY, "w.two", "2026-03-15T10:00", outcome=ReferralOutcome.ENTERED_TREATMENT,
             entered_treatment_on=date(2026, 4, 1)),
    referral(P3, PERRY, "w.two", "2026-04-20T10:00", outcome=ReferralOutcome.NOT_CONVERTED,
             not_converted_reason="did_not_attend"),
    referral(P5, COURT, "w.three", "2026-04-22T10:00", outcome=ReferralOutcome.NOT_CONVERTED,
             not_converted_reason="declined"),
    referral(P1, OLDBURY, "w.one", "2026-04-25T10:00"),
    referral(P1, OLDBURY, "w.one", "2026-04-05T10:00", outcome=ReferralOutcome.ENTERED_TREATMENT,
             entered_treatment_on=date(2026, 4, 7), tombstone=GONE),
    referral(P2, OLDBURY, "w.one", "2026-03-02T09:00", outcome=ReferralOutcome.ENTERED_TREATMENT,
             entered_treatment_on=date(2026, 3, 3)),
    # Case closures.
    form(K.CASE_CLOSURE, P2, OLDBURY, "w.one", "2026-05-01T09:00", {"closed_on": "2026-04-30"}),
    form(K.CASE_CLOSURE, P1, OLDBURY, "w.one", "2026-03-31T23:10", {}),
    # Harm reduction and Naloxone.
    NaloxoneSupply(person_id=P1.id, product=NaloxoneProduct.PRENOXAD, batch_number="B1",
                   expiry_date=date(2028, 1, 1), supplied_on=date(2026, 3, 31), quantity=2,
                   site_code=OLDBURY, author="w.one", created_at=utc("2026-03-31T21:00"),
                   updated_at=utc("2026-03-31T21:00")),
    NaloxoneSupply(person_id=P5.id, product=NaloxoneProduct.NYXOID, batch_number="B2",
                   expiry_date=date(2028, 1, 1), supplied_on=date(2026, 4, 15), site_code=COURT,
                   author="w.three", created_at=utc("2026-04-15T11:00"), updated_at=utc("2026-04-15T11:00")),
    form(K.HARM_REDUCTION, P2, PERRY, "w.two", "2026-04-02T11:00",
         {"opioid_use": "yes", "advice_given": ["overdose_risk", "needle_exchange"],
          "naloxone_offered": "yes", "consent_to_supply": "no"}),
    # Vulnerability screens, a custody arrival, and actions.
    form(K.VULNERABILITY, P1, OLDBURY, "w.one", "2026-04-01T00:10", {}),
    form(K.VULNERABILITY, P2, PERRY, "w.two", "2026-03-05T13:00", {}),
    form(K.CUSTODY_ARRIVAL, P6, OLDBURY, "w.one", "2026-04-11T08:00", {}),
]  # fmt: skip


def _action(person: Person, site: str, kind: ActionType, at: str, **extra: Any) -> Action:
    moment = utc(at)
    return Action(person_id=person.id, action_type=kind, owner="w.one", site_code=site, author="w.one",
                  created_at=moment, updated_at=moment, **extra)  # fmt: skip


RECORDS += [
    _action(P1, OLDBURY, ActionType.LIAISON_AND_DIVERSION, "2026-04-01T00:15"),
    _action(P2, PERRY, ActionType.MARAC, "2026-03-05T13:05"),
    _action(P2, PERRY, ActionType.NRM, "2026-04-05T13:05", status=ActionStatus.CANCELLED),
    _action(P2, PERRY, ActionType.POLICE_NOTIFICATION, "2026-04-05T13:05"),
]
