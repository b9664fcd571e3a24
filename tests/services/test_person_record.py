"""The person page's content: details by need-to-know, the timeline newest first, forms a role may start."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.errors import RecordNotFound
from cars_desktop.domain.users import Actor
from cars_desktop.forms.catalogue import shipped_catalogue
from cars_desktop.services.documents import preview_document, record_print
from cars_desktop.services.person_record import EntryKind, load_person_record, startable_forms, touches_person
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.tables import AuditRow
from cars_protocol.records import (
    Action,
    ActionType,
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    CustodyEpisode,
    NaloxoneProduct,
    NaloxoneSupply,
    Person,
    Role,
)
from tests.conftest import ADMIN, ADMIN_PASSWORD, SITE, WORKER, Workstation

NOW = datetime.now(UTC)


def casework(person: Person) -> list:
    """A person with an episode, a completed form, a draft, an action, a supply and an appointment."""
    episode = CustodyEpisode(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        custody_record_number="20/111111/26",
        arrived_at=NOW - timedelta(hours=5),
    )
    done = Assessment(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        kind=AssessmentKind.LIFESTYLE,
        form_id="lifestyle",
        form_version=1,
        status=AssessmentStatus.COMPLETED,
        completed_at=NOW - timedelta(hours=3),
        created_at=NOW - timedelta(hours=4),
        updated_at=NOW - timedelta(hours=3),
    )
    draft = Assessment(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        kind=AssessmentKind.VULNERABILITY,
        form_id="vulnerability",
        form_version=1,
    )
    action = Action(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        source_record_id=done.id,
        action_type=ActionType.SAFEGUARDING,
        owner=WORKER,
        due_at=NOW + timedelta(hours=2),
        created_at=NOW - timedelta(hours=2, minutes=59),
        updated_at=NOW - timedelta(hours=2, minutes=59),
    )
    supply = NaloxoneSupply(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        episode_id=episode.id,
        product=NaloxoneProduct.NYXOID,
        batch_number="NX123",
        expiry_date=date.today() + timedelta(days=400),
        supplied_on=date.today(),
        handed_to_property=True,
    )
    appointment = Appointment(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        starts_at=NOW + timedelta(days=2),
        location_site_code=SITE,
        booked_by=WORKER,
        booked_by_role=Role.WORKER,
    )
    return [episode, done, draft, action, supply, appointment]


@pytest.fixture
def person(session: WorkstationSession) -> Person:
    someone = Person(
        site_code=SITE,
        author=WORKER,
        family_name="Testperson",
        given_names="Alex",
        date_of_birth=date(1990, 1, 2),
        aliases=["Al Test"],
        address="1 Invented Road",
        postcode="B1 1AA",
        local_authority="SANDWELL",
        pnc_id="90/123456X",
    )
    save_records(session, [someone, *casework(someone)])
    return someone


def consultations(session: WorkstationSession, page: str) -> int:
    with session.unit_of_work() as uow:
        rows = list(uow.session.execute(select(AuditRow.operation, AuditRow.details)))
    return sum(1 for op, details in rows if op == "consultation" and f'"page": "{page}"' in (details or ""))


def test_the_record_holds_details_episodes_and_every_kind_of_entry_newest_first(
    session: WorkstationSession, person: Person
) -> None:
    record = load_person_record(session, person.id)
    assert record.details.full_name == "Alex Testperson"
    assert record.details.address == "1 Invented Road" and record.details.aliases == ("Al Test",)
    assert [e.custody_record_number for e in record.episodes] == ["20/111111/26"]
    kinds = {e.kind for e in record.timeline}
    assert kinds == {EntryKind.FORM, EntryKind.ACTION, EntryKind.NALOXONE, EntryKind.APPOINTMENT}
    times = [e.at for e in record.timeline]
    assert times == sorted(times, reverse=True)
    assert record.timeline[0].kind is EntryKind.APPOINTMENT  # the appointment still to come
    forms = {e.form_id: e for e in record.timeline if e.kind is EntryKind.FORM}
    assert forms["lifestyle"].may_amend and not forms["lifestyle"].may_continue
    assert forms["vulnerability"].may_continue and forms["vulnerability"].status == "Draft"
    action = next(e for e in record.timeline if e.kind is EntryKind.ACTION)
    assert action.form_record_id == forms["lifestyle"].record_id  # opens the form that raised it
    supply = next(e for e in record.timeline if e.kind is EntryKind.NALOXONE)
    assert supply.status == "In custody property"
    assert person.id in record.record_ids and len(record.record_ids) == 7


def test_opening_is_one_consultation_and_a_refresh_is_none(
    session: WorkstationSession, person: Person
) -> None:
    load_person_record(session, person.id)
    load_person_record(session, person.id, log_consultation=False)
    assert consultations(session, "person") == 1


def test_documents_printed_are_on_the_timeline_with_how_to_print_again(
    session: WorkstationSession, person: Person
) -> None:
    pack = preview_document(session, person.id, DocumentKind.RELEASE_PACK)
    record_print(session, pack, None, "Custody printer 1")
    record = load_person_record(session, person.id)
    printed = next(e for e in record.timeline if e.kind is EntryKind.DOCUMENT)
    assert printed.title == "Release pack" and printed.status == "Printed" and printed.author == WORKER
    assert printed.document_kind == "release_pack" and printed.document_source_id is not None
    assert "release_pack" in {d.kind for d in record.documents}


def test_forms_to_start_follow_the_role(session: WorkstationSession) -> None:
    catalogue = shipped_catalogue()
    worker = startable_forms(session.actor, catalogue)
    assert {"lifestyle", "referral", "harm_reduction", "out_of_hours_booking"} <= {f.form_id for f in worker}
    custody = Actor(username="pc.booker", roles=frozenset({Role.CUSTODY_STAFF}), workstation_id="ws")
    assert [f.form_id for f in startable_forms(custody, catalogue)] == ["out_of_hours_booking"]
    admin = Actor(username=ADMIN, roles=frozenset({Role.ADMIN}), workstation_id="ws")
    assert startable_forms(admin, catalogue) == ()


def test_contact_details_only_for_casework_roles_and_no_record_for_an_administrator(
    workstation: Workstation, session: WorkstationSession, person: Person
) -> None:
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        with pytest.raises(RecordNotFound):
            load_person_record(admin, person.id)
    finally:
        admin.lock()
    with pytest.raises(RecordNotFound):
        load_person_record(session, uuid.uuid4())


def test_touches_person_tells_this_persons_records_from_others(
    session: WorkstationSession, person: Person
) -> None:
    other = Person(
        site_code=SITE, author=WORKER, family_name="Other", given_names="Sam", date_of_birth=date(1980, 5, 5)
    )
    draft = Assessment(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        kind=AssessmentKind.CONSENT,
        form_id="consent",
        form_version=1,
    )
    save_records(session, [other, draft])
    assert touches_person(session, person.id, [draft.id])
    assert not touches_person(session, person.id, [other.id, uuid.uuid4()])
