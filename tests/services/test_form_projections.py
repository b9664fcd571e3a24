"""Completed forms produce typed records (episode, drug test, referral, booking, consent, supply) that
follow amendments: completed through the services with the example answers in tests/forms/examples."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from cars_desktop.forms.catalogue import shipped_catalogue
from cars_desktop.services.form_projections import (
    MemoryRecords,
    ProjectionContext,
    action_id,
    author_role,
    completed_form_records,
    derived_id,
    kept_answers,
)
from cars_desktop.services.forms import amend_form, complete_form, open_form, start_form
from cars_desktop.services.records import open_record, save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import (
    ActionType,
    Appointment,
    AppointmentStatus,
    Assessment,
    AssessmentKind,
    Consent,
    CustodyEpisode,
    DrugResult,
    DrugTest,
    LegalBasis,
    NaloxoneSupply,
    RecordBase,
    Referral,
    ReferralOutcome,
    ReleaseType,
    Role,
)
from tests import factories
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation

EXAMPLES = Path(__file__).parent.parent / "forms" / "examples"


def example(form_id: str) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))[
        "answers"
    ]
    return answers


def new_person(session: WorkstationSession) -> uuid.UUID:
    return save_record(session, factories.person()).records[0].id


def reopen(session: WorkstationSession, record_id: uuid.UUID) -> RecordBase:
    return open_record(session, record_id)


def test_custody_arrival_makes_the_episode_and_the_drug_test(session: WorkstationSession) -> None:
    person = new_person(session)
    done = complete_form(session, start_form(session, "custody_arrival", person), example("custody_arrival"))
    episode, test = done.derived
    assert isinstance(episode, CustodyEpisode) and isinstance(test, DrugTest)
    assert episode.id == derived_id(done.record.id, "custody_episode")
    assert test.id == derived_id(done.record.id, "drug_test") and test.episode_id == episode.id
    assert (episode.person_id, episode.custody_record_number) == (person, "20/118734/26")
    assert episode.arrived_at == datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
    assert episode.offences[-1] == "Failing to surrender to bail" and len(episode.offences) == 3
    assert episode.trigger_offence and not episode.inspector_authorised
    assert test.sample_type == "oral_fluid" and test.sample_taken_at == datetime(
        2026, 11, 2, 15, 20, tzinfo=UTC
    )
    assert test.results == {"opiates": DrugResult.POSITIVE, "cocaine": DrugResult.NEGATIVE}
    assert test.disputed and test.confirmatory_results == {"opiates": DrugResult.POSITIVE}


def test_arrival_amendments_update_the_episode_keep_its_release_and_take_back_the_test(
    session: WorkstationSession,
) -> None:
    person = new_person(session)
    done = complete_form(session, start_form(session, "custody_arrival", person), example("custody_arrival"))
    episode, test = done.derived
    assert isinstance(episode, CustodyEpisode)
    released = episode.model_copy(
        update={"released_at": datetime(2026, 11, 3, 9, 0, tzinfo=UTC), "release_type": ReleaseType.BAIL}
    )
    save_record(session, released)

    corrected = {**example("custody_arrival"), "custody_record_number": "20/118735/26"}
    amend_form(session, open_form(session, done.record.id), corrected, "record number mistyped")
    again = reopen(session, episode.id)
    assert isinstance(again, CustodyEpisode) and again.revision == 3
    assert again.custody_record_number == "20/118735/26" and again.release_type is ReleaseType.BAIL

    refused = {
        k: v for k, v in corrected.items() if k not in ("sample_type", "sample_taken_at", "results")
    } | {"sample_outcome": "refused", "refusal_details": "Refused the swab after the warning."}
    amend_form(session, open_form(session, done.record.id), refused, "the sample was in fact refused")
    assert reopen(session, test.id).tombstone is not None
    assert reopen(session, episode.id).tombstone is None


def test_referral_makes_a_pending_referral_that_follows_amendments(session: WorkstationSession) -> None:
    person = new_person(session)
    done = complete_form(session, start_form(session, "referral", person), example("referral"))
    (made,) = done.derived
    assert isinstance(made, Referral) and made.id == derived_id(done.record.id, "referral")
    assert (made.person_id, made.assessment_id) == (person, done.record.id)
    assert (made.provider_code, made.local_authority) == ("CRANSTOUN-SANDWELL", "SANDWELL")
    assert made.appointment_at == datetime(2026, 11, 5, 10, 30, tzinfo=UTC)
    assert made.appointment_place == "Cranstoun Sandwell hub, West Bromwich"
    assert made.consent_scope == ["treatment_provider", "gp"] and made.outcome is ReferralOutcome.PENDING

    later = {**example("referral"), "appointment_at": "2026-11-06T11:00:00+00:00"}
    amend_form(session, open_form(session, done.record.id), later, "appointment moved by the provider")
    again = reopen(session, made.id)
    assert isinstance(again, Referral) and again.revision == 2
    assert again.appointment_at == datetime(2026, 11, 6, 11, 0, tzinfo=UTC)


def _outcome_for_referral(**changes: Any) -> dict[str, Any]:
    referral = example("referral")
    return {
        **example("referral_outcome"),
        "provider_code": referral["provider_code"],
        "referred_on": referral["referred_on"],
        "confirmed_on": "2026-11-09",
        **changes,
    }


def test_referral_outcome_is_the_next_revision_of_the_referral_it_reports_on(
    session: WorkstationSession,
) -> None:
    person = new_person(session)
    referred = complete_form(session, start_form(session, "referral", person), example("referral"))
    (made,) = referred.derived
    assert isinstance(made, Referral)
    outcome = complete_form(session, start_form(session, "referral_outcome", person), _outcome_for_referral())
    (updated,) = outcome.derived
    assert isinstance(updated, Referral) and updated.id == made.id and updated.revision == 2
    assert updated.outcome is ReferralOutcome.NOT_CONVERTED and updated.not_converted_reason == "other"
    assert (
        updated.provider_code == "CRANSTOUN-SANDWELL" and updated.appointment_place == made.appointment_place
    )

    entered = _outcome_for_referral(
        outcome="entered_treatment", entered_treatment_on="2026-11-05", confirmed_on="2026-11-06"
    )
    amend_form(session, open_form(session, outcome.record.id), entered, "provider confirmed attendance")
    again = reopen(session, made.id)
    assert isinstance(again, Referral) and again.revision == 3
    assert again.outcome is ReferralOutcome.ENTERED_TREATMENT and again.entered_treatment_on == date(
        2026, 11, 5
    )
    assert again.not_converted_reason is None

    # amending the referral afterwards keeps the outcome the outcome form recorded
    amend_form(session, open_form(session, referred.record.id), example("referral"), "notes tidied up")
    kept = reopen(session, made.id)
    assert isinstance(kept, Referral) and kept.outcome is ReferralOutcome.ENTERED_TREATMENT


def test_an_outcome_matching_no_referral_derives_nothing(session: WorkstationSession) -> None:
    person = new_person(session)
    complete_form(session, start_form(session, "referral", person), example("referral"))
    unmatched = complete_form(
        session, start_form(session, "referral_outcome", person), example("referral_outcome")
    )
    assert unmatched.derived == ()


def test_out_of_hours_booking_by_custody_staff_makes_their_appointment(workstation: Workstation) -> None:
    worker = workstation.unlock()
    try:
        person = new_person(worker)
    finally:
        worker.lock()
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        done = complete_form(
            custody, start_form(custody, "out_of_hours_booking", person), example("out_of_hours_booking")
        )
        (booking,) = done.derived
        assert isinstance(booking, Appointment) and booking.id == derived_id(done.record.id, "appointment")
        assert (booking.booked_by, booking.booked_by_role) == (CUSTODY, Role.CUSTODY_STAFF)
        assert booking.out_of_hours and booking.ra1_issued and booking.reason == "required_assessment"
        assert booking.starts_at == datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
        assert booking.location_site_code == "PERRY-BARR" and booking.status is AppointmentStatus.BOOKED

        moved = {**example("out_of_hours_booking"), "starts_at": "2026-11-09T11:00:00+00:00"}
        amend_form(custody, open_form(custody, done.record.id), moved, "slot changed at the desk")
        again = reopen(custody, booking.id)
        assert isinstance(again, Appointment) and again.revision == 2
        assert again.starts_at == datetime(2026, 11, 9, 11, 0, tzinfo=UTC) and again.booked_by == CUSTODY
    finally:
        custody.lock()


def test_consent_without_consent_names_basis_justification_and_approver(session: WorkstationSession) -> None:
    person = new_person(session)
    done = complete_form(session, start_form(session, "consent", person), example("consent"))
    (record,) = done.derived
    assert isinstance(record, Consent) and record.id == derived_id(done.record.id, "consent")
    assert record.legal_basis is LegalBasis.SAFEGUARDING and record.approver == "t.bramall"
    assert record.recipients == ["social_care"] and record.data_categories == ["contact_details", "risk"]
    assert record.how_given == "not_applicable" and record.given_on == date(2026, 11, 3)
    assert (record.justification or "").startswith("Two young children")


def test_consent_given_then_withdrawn_by_amendment(session: WorkstationSession) -> None:
    person = new_person(session)
    given = {
        "legal_basis": "consent",
        "data_categories": ["contact_details", "assessment_summary"],
        "recipients": ["treatment_provider", "gp"],
        "given_on": "2026-11-03",
        "how_given": "verbal",
        "review_on": "2027-05-03",
        "withdrawn": "no",
    }
    done = complete_form(session, start_form(session, "consent", person), given)
    (record,) = done.derived
    assert isinstance(record, Consent) and record.legal_basis is LegalBasis.CONSENT
    assert (record.how_given, record.review_on, record.withdrawn_on) == ("verbal", date(2027, 5, 3), None)
    withdrawn = {**given, "withdrawn": "yes", "withdrawn_on": "2026-11-10"}
    amend_form(session, open_form(session, done.record.id), withdrawn, "consent withdrawn by phone")
    again = reopen(session, record.id)
    assert isinstance(again, Consent) and again.withdrawn_on == date(2026, 11, 10) and again.revision == 2


def test_harm_reduction_example_makes_the_supply(session: WorkstationSession) -> None:
    person = new_person(session)
    done = complete_form(session, start_form(session, "harm_reduction", person), example("harm_reduction"))
    (supply,) = done.derived
    assert isinstance(supply, NaloxoneSupply) and supply.id == derived_id(done.record.id, "naloxone_supply")
    assert (supply.product.value, supply.batch_number, supply.expiry_date) == (
        "nyxoid",
        "NX24-0917",
        date(2028, 5, 31),
    )
    assert supply.reason == "first_supply" and not supply.handed_to_property and supply.leaflet_given


def _form(form_id: str, person: uuid.UUID) -> tuple[Assessment, Any]:
    spec = shipped_catalogue().latest(form_id)
    record = Assessment(
        id=uuid.UUID(int=7, version=4),
        site_code="OLDBURY",
        author="sam.worker",
        person_id=person,
        kind=AssessmentKind(spec.record_kind),
        form_id=spec.id,
        form_version=spec.version,
    )
    return record, spec


def test_completed_form_records_is_pure_and_deterministic() -> None:
    person = uuid.UUID(int=3, version=4)
    record, spec = _form("required_initial", person)
    failed = {
        k: v
        for k, v in example("required_initial").items()
        if k in ("ra1_issued_at", "imposing_officer", "dtoa_positive_for", "test_disputed", "appointment_at")
        or k in ("appointment_place", "warning_given", "follow_up_explained", "assessor")
    } | {
        "attended": "no",
        "police_notified_at": "2026-11-04T11:00:00+00:00",
        "police_officer_notified": "PS 1",
    }
    failed["notification_method"] = "phone"
    at = datetime(2026, 11, 4, 11, 30, tzinfo=UTC)
    first = completed_form_records(spec, record, failed, "sam.worker", completed_at=at)
    second = completed_form_records(spec, record, failed, "sam.worker", completed_at=at)
    assert first == second
    (action,) = first.actions
    assert action.id == action_id(record.id, 0) and action.action_type is ActionType.POLICE_NOTIFICATION
    assert action.due_at == datetime(2026, 11, 4, 12, 30, tzinfo=UTC) and action.created_at == at
    assert first.record.completed_at == at and first.derived == ()
    assert [r.id for r in first.all()] == [record.id, action.id]


def test_kept_answers_drop_what_skip_logic_hides() -> None:
    spec = shipped_catalogue().latest("harm_reduction")
    answers = {**example("harm_reduction"), "naloxone_offered": "no", "naloxone_declined_reason": "has a kit"}
    kept = kept_answers(spec, answers)
    assert "batch_number" not in kept and kept["naloxone_declined_reason"] == "has a kit"


def test_projections_read_records_held_in_memory() -> None:
    """The seeder's path: an outcome finds a referral that is not saved yet."""
    person = uuid.UUID(int=5, version=4)
    memory = MemoryRecords()
    context = ProjectionContext(memory, author_role({Role.SUPERVISOR, Role.WORKER}))
    referral, spec = _form("referral", person)
    made = completed_form_records(spec, referral, example("referral"), "sam.worker", context=context)
    memory.add(made.all())
    outcome, outcome_spec = _form("referral_outcome", person)
    outcome = outcome.model_copy(update={"id": uuid.UUID(int=8, version=4)})
    reported = completed_form_records(
        outcome_spec, outcome, _outcome_for_referral(), "sam.worker", context=context
    )
    (updated,) = reported.derived
    assert isinstance(updated, Referral) and updated.id == derived_id(referral.id, "referral")
    assert updated.revision == 1 and updated.outcome is ReferralOutcome.NOT_CONVERTED
    memory.add(reported.all())
    held = memory.get(updated.id)
    assert held is not None and held.revision == 2


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({Role.CUSTODY_STAFF}, Role.CUSTODY_STAFF),
        ({Role.SUPERVISOR, Role.WORKER}, Role.WORKER),
        ({Role.ADMIN, Role.SUPERVISOR}, Role.SUPERVISOR),
    ],
)
def test_author_role_picks_the_role_a_booking_names(roles: set[Role], expected: Role) -> None:
    assert author_role(roles) is expected


def test_complete_in_store_saves_what_complete_form_saves(session: WorkstationSession) -> None:
    """The shared path `complete_form` can call: the same record, actions and typed records."""
    from cars_desktop.services.form_projections import complete_in_store
    from cars_desktop.services.records import save_records

    person = new_person(session)
    answers = example("vulnerability")
    by_service = complete_form(session, start_form(session, "vulnerability", person), answers)
    form = start_form(session, "vulnerability", person)
    made = complete_in_store(session, form.spec, form.record, answers)
    saved = save_records(session, made.all()).records
    assert isinstance(saved[0], Assessment) and saved[0].answers == by_service.record.answers
    assert sorted(a.action_type for a in made.actions) == sorted(a.action_type for a in by_service.actions)
    assert [a.id for a in made.actions] == [r.id for r in saved[1 : 1 + len(made.actions)]]
    assert {a.action_type for a in made.actions} >= {ActionType.MARAC, ActionType.SAFEGUARDING}
