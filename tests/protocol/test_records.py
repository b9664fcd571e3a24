"""Rules the wire schema itself enforces, with messages a worker can act on."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import ValidationError

from cars_protocol.records import (
    Consent,
    LegalBasis,
    NaloxoneProduct,
    NaloxoneSupply,
    Referral,
    ReferralOutcome,
    ReviewDecision,
    record_from_json,
)
from tests import factories


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        factories.person(created_at=datetime(2026, 1, 1, 9, 0))


def test_naloxone_expiry_must_follow_supply() -> None:
    person = factories.person()
    with pytest.raises(ValidationError, match="expiry date must be after"):
        NaloxoneSupply(
            site_code="OLDBURY",
            author="sam.worker",
            person_id=person.id,
            product=NaloxoneProduct.NYXOID,
            batch_number="NX1",
            supplied_on=date(2026, 5, 1),
            expiry_date=date(2026, 5, 1),
        )


def test_referral_outcomes_need_their_detail() -> None:
    person = factories.person()
    common = {
        "site_code": "OLDBURY",
        "author": "sam.worker",
        "person_id": person.id,
        "provider_code": "CGL-BHAM",
        "local_authority": "BIRMINGHAM",
    }
    with pytest.raises(ValidationError, match="date treatment started"):
        Referral(**common, outcome=ReferralOutcome.ENTERED_TREATMENT)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="needs the reason"):
        Referral(**common, outcome=ReferralOutcome.NOT_CONVERTED)  # type: ignore[arg-type]


def test_sharing_without_consent_needs_justification_and_approver() -> None:
    person = factories.person()
    with pytest.raises(ValidationError, match="justification and an approver"):
        Consent(
            site_code="OLDBURY",
            author="sam.worker",
            person_id=person.id,
            legal_basis=LegalBasis.SAFEGUARDING,
            given_on=date(2026, 1, 1),
        )


def test_returning_an_assessment_needs_a_comment() -> None:
    with pytest.raises(ValidationError, match="comment"):
        ReviewDecision(
            site_code="OLDBURY",
            author="sup.one",
            assessment_id=factories.person().id,
            assessment_revision=1,
            decision="returned",
            comment="  ",
        )


def test_unknown_fields_and_types_are_refused() -> None:
    with pytest.raises(ValidationError):
        factories.person(favourite_colour="blue")
    with pytest.raises(ValueError, match="unknown record type"):
        record_from_json("spaceship", "{}")


def test_json_round_trip_by_type() -> None:
    person = factories.person()
    assert record_from_json("person", person.model_dump_json()) == person
