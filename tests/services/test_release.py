"""The release checklist: Naloxone handed back, appointment booked, referral made, pack printed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cars_desktop.documents.model import DocumentKind
from cars_desktop.services.document_facts import PersonRecords
from cars_desktop.services.documents import preview_document, record_print
from cars_desktop.services.form_projections import derived_id
from cars_desktop.services.records import save_records
from cars_desktop.services.release import (
    ItemId,
    StepKind,
    compute_checklist,
    in_custody_today,
    people_in_custody,
    release_checklist,
)
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.print_history_repository import DocumentPrint
from cars_protocol.records import (
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    CustodyEpisode,
    NaloxoneProduct,
    NaloxoneSupply,
    Person,
    Referral,
    Role,
)
from tests.conftest import SITE, WORKER

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
PERSON = Person(
    site_code=SITE, author=WORKER, family_name="Leaving", given_names="Jo", date_of_birth=date(1985, 4, 4)
)
EPISODE = CustodyEpisode(
    site_code=SITE,
    author=WORKER,
    person_id=PERSON.id,
    custody_record_number="20/222222/26",
    arrived_at=NOW - timedelta(hours=6),
    created_at=NOW - timedelta(hours=6),
    updated_at=NOW - timedelta(hours=6),
)
HARM_FORM = Assessment(
    site_code=SITE,
    author=WORKER,
    person_id=PERSON.id,
    kind=AssessmentKind.HARM_REDUCTION,
    form_id="harm_reduction",
    form_version=2,
    status=AssessmentStatus.COMPLETED,
)


def supply(**changes: object) -> NaloxoneSupply:
    kit = NaloxoneSupply(
        id=derived_id(HARM_FORM.id, "naloxone_supply"),
        site_code=SITE,
        author=WORKER,
        person_id=PERSON.id,
        episode_id=EPISODE.id,
        product=NaloxoneProduct.PRENOXAD,
        batch_number="PX1",
        expiry_date=date(2028, 1, 1),
        supplied_on=NOW.date(),
        handed_to_property=True,
    )
    return kit.model_copy(update=changes)


def records(**groups: tuple) -> PersonRecords:
    base: dict[str, tuple] = {
        "appointments": (),
        "referrals": (),
        "supplies": (),
        "consents": (),
        "assessments": (),
        "actions": (),
        "episodes": (EPISODE,),
    }
    return PersonRecords(person=PERSON, **{**base, **groups})  # type: ignore[arg-type]


def pack_print(at: datetime) -> DocumentPrint:
    return DocumentPrint(
        str(PERSON.id), "release_pack", str(PERSON.id), "the person", "Printer", "0" * 64, 4, None, at, WORKER
    )


def item(checklist, which: ItemId):  # type: ignore[no-untyped-def]
    return next(i for i in checklist.items if i.item is which)


def test_nothing_done_yet_lists_each_step_to_take() -> None:
    checklist = compute_checklist(records(), [], NOW)
    assert [i.state_text for i in checklist.items] == ["Not needed", "Not done", "Not done", "Not done"]
    assert item(checklist, ItemId.APPOINTMENT).step.form_id == "out_of_hours_booking"
    assert item(checklist, ItemId.REFERRAL).step.form_id == "referral"
    pack = item(checklist, ItemId.PACK).step
    assert pack.kind is StepKind.PREVIEW and pack.document_kind == DocumentKind.RELEASE_PACK.value
    assert checklist.custody_record_number == "20/222222/26" and len(checklist.outstanding) == 3


def test_a_kit_in_property_must_be_handed_back_by_amending_its_form() -> None:
    waiting = compute_checklist(records(supplies=(supply(),), assessments=(HARM_FORM,)), [], NOW)
    naloxone = item(waiting, ItemId.NALOXONE)
    assert naloxone.done is False
    assert naloxone.step.kind is StepKind.AMEND_FORM and naloxone.step.record_id == HARM_FORM.id
    handed = compute_checklist(records(supplies=(supply(returned_on_release=True),)), [], NOW)
    assert item(handed, ItemId.NALOXONE).done is True
    given = compute_checklist(records(supplies=(supply(handed_to_property=False),)), [], NOW)
    assert item(given, ItemId.NALOXONE).done is None


def test_a_kit_from_an_earlier_detention_is_not_this_release() -> None:
    old = supply(episode_id=None, supplied_on=NOW.date() - timedelta(days=30), expiry_date=date(2028, 1, 1))
    assert item(compute_checklist(records(supplies=(old,)), [], NOW), ItemId.NALOXONE).done is None


def test_appointment_referral_and_pack_count_only_when_they_fit() -> None:
    past = Appointment(
        site_code=SITE,
        author=WORKER,
        person_id=PERSON.id,
        starts_at=NOW - timedelta(days=1),
        location_site_code=SITE,
        booked_by=WORKER,
        booked_by_role=Role.WORKER,
    )
    coming = past.model_copy(update={"starts_at": NOW + timedelta(days=1)})
    old_referral = Referral(
        site_code=SITE,
        author=WORKER,
        person_id=PERSON.id,
        provider_code="CGL_SANDWELL",
        local_authority="SANDWELL",
        created_at=NOW - timedelta(days=20),
        updated_at=NOW - timedelta(days=20),
    )
    new_referral = old_referral.model_copy(
        update={
            "created_at": NOW - timedelta(hours=1),
            "updated_at": NOW - timedelta(hours=1),
            "appointment_at": NOW + timedelta(days=3),
        }
    )
    before = compute_checklist(
        records(appointments=(past,), referrals=(old_referral,)), [pack_print(NOW - timedelta(days=9))], NOW
    )
    assert [i.done for i in before.items[1:]] == [False, False, False]
    after = compute_checklist(
        records(appointments=(coming,), referrals=(new_referral,)),
        [pack_print(NOW - timedelta(hours=1))],
        NOW,
    )
    assert [i.done for i in after.items[1:]] == [True, True, True]
    assert "11/03/2026 at 15:00" in item(after, ItemId.APPOINTMENT).detail  # UK time (GMT in March)
    referral_only = compute_checklist(records(referrals=(new_referral,)), [], NOW)
    assert item(referral_only, ItemId.APPOINTMENT).done is True


def test_todays_list_is_this_site_still_held_or_arrived_or_released_today() -> None:
    held = EPISODE
    assert in_custody_today(held, SITE, NOW)
    assert not in_custody_today(held, "ELSEWHERE", NOW)
    released_today = held.model_copy(update={"released_at": NOW - timedelta(hours=1)})
    assert in_custody_today(released_today, SITE, NOW)
    last_week = held.model_copy(
        update={"arrived_at": NOW - timedelta(days=7), "released_at": NOW - timedelta(days=6)}
    )
    assert not in_custody_today(last_week, SITE, NOW)
    forgotten = held.model_copy(update={"arrived_at": NOW - timedelta(days=7)})
    assert not in_custody_today(forgotten, SITE, NOW)


@pytest.fixture
def leaving(session: WorkstationSession) -> Person:
    now = datetime.now(UTC)
    episode = EPISODE.model_copy(
        update={
            "arrived_at": now - timedelta(hours=2),
            "created_at": now - timedelta(hours=2),
            "updated_at": now - timedelta(hours=2),
        }
    )
    save_records(session, [PERSON, episode, HARM_FORM, supply(supplied_on=now.date(), episode_id=episode.id)])
    return PERSON


def test_from_the_store_and_the_print_history(session: WorkstationSession, leaving: Person) -> None:
    assert [p.person_id for p in people_in_custody(session)] == [leaving.id]
    checklist = release_checklist(session, leaving.id)
    assert item(checklist, ItemId.NALOXONE).done is False
    assert item(checklist, ItemId.PACK).done is False
    pack = preview_document(session, leaving.id, DocumentKind.RELEASE_PACK)
    record_print(session, pack, None, "Custody printer 1")
    assert item(release_checklist(session, leaving.id), ItemId.PACK).done is True
