"""Saving, opening, finding, deleting and merging records through the services."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cars_desktop.domain.errors import InvalidInput, NotPermitted, RecordNotFound
from cars_desktop.services.records import (
    delete_record,
    find_people,
    merge_people,
    open_record,
    record_history,
    save_record,
)
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.tables import AuditRow, OutboxRow
from cars_protocol.records import Appointment, Role
from tests import factories
from tests.conftest import ADMIN, ADMIN_PASSWORD, CUSTODY, CUSTODY_PASSWORD, Workstation


def _audit_ops(session: WorkstationSession) -> list[tuple[str, str | None]]:
    with session.store.read_session() as read:
        return [
            (r.operation, r.record_id)
            for r in read.execute(select(AuditRow).order_by(AuditRow.seq)).scalars()
        ]


def test_save_writes_record_outbox_and_audit_together(session: WorkstationSession) -> None:
    person = factories.person()
    saved = save_record(session, person).records[0]
    assert saved.revision == 1
    with session.store.read_session() as read:
        outbox = read.execute(select(OutboxRow)).scalars().all()
    assert [(o.record_id, o.revision) for o in outbox] == [(str(person.id), 1)]
    assert ("collection", str(person.id)) in _audit_ops(session)


def test_amendment_is_a_new_revision_and_history_keeps_the_old(session: WorkstationSession) -> None:
    first = save_record(session, factories.person()).records[0]
    second = save_record(session, first.model_copy(update={"given_names": "Marnie Jo"})).records[0]
    assert second.revision == 2
    history = record_history(session, first.id)
    assert [h.given_names for h in history] == ["Marnie", "Marnie Jo"]  # type: ignore[attr-defined]
    assert ("alteration", str(first.id)) in _audit_ops(session)


def test_stale_revision_is_refused_without_losing_the_newer(session: WorkstationSession) -> None:
    first = save_record(session, factories.person()).records[0]
    save_record(session, first.model_copy(update={"given_names": "First Edit"}))
    with pytest.raises(InvalidInput, match="changed by someone else"):
        save_record(session, first.model_copy(update={"given_names": "Stale Edit"}))
    assert open_record(session, first.id).given_names == "First Edit"  # type: ignore[attr-defined]


def test_opening_a_record_is_logged_as_consultation(session: WorkstationSession) -> None:
    person = save_record(session, factories.person()).records[0]
    open_record(session, person.id, justification="checking before court")
    assert ("consultation", str(person.id)) in _audit_ops(session)


def test_find_people_by_name_dob_and_pnc_tolerates_how_names_are_typed(session: WorkstationSession) -> None:
    save_record(session, factories.person(family_name="O'Neil-Smyth"))
    assert len(find_people(session, "oneil smyth", date(1990, 4, 17))) == 1
    assert find_people(session, "ONEIL-SMYTH", date(1991, 1, 1)) == []
    assert len(find_people(session, "", pnc_id="91/123456q")) == 1
    with pytest.raises(InvalidInput):
        find_people(session, "  ")


def test_admin_without_supervisor_role_cannot_read_casework(workstation: Workstation) -> None:
    worker = workstation.unlock()
    person = save_record(worker, factories.person()).records[0]
    worker.lock()
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        with pytest.raises(RecordNotFound):
            open_record(admin, person.id)
        with pytest.raises(NotPermitted):
            find_people(admin, "Quillfeather")
        with pytest.raises(NotPermitted):
            save_record(admin, factories.person(author=ADMIN))
    finally:
        admin.lock()


def test_custody_staff_see_only_the_appointments_they_booked(workstation: Workstation) -> None:
    from datetime import UTC, datetime

    worker = workstation.unlock()
    person = save_record(worker, factories.person()).records[0]
    theirs = Appointment(
        site_code="OLDBURY",
        author="sam.worker",
        person_id=person.id,
        starts_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        location_site_code="OLDBURY",
        booked_by="sam.worker",
        booked_by_role=Role.WORKER,
    )
    save_record(worker, theirs)
    worker.lock()
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        mine = Appointment(
            site_code="OLDBURY",
            author=CUSTODY,
            person_id=person.id,
            starts_at=datetime(2026, 12, 2, 10, tzinfo=UTC),
            location_site_code="OLDBURY",
            booked_by=CUSTODY,
            booked_by_role=Role.CUSTODY_STAFF,
            out_of_hours=True,
            ra1_issued=True,
        )
        save_record(custody, mine)
        assert open_record(custody, mine.id).id == mine.id
        with pytest.raises(RecordNotFound):
            open_record(custody, theirs.id)
        with pytest.raises(RecordNotFound):
            open_record(custody, person.id)
        with pytest.raises(NotPermitted):
            save_record(custody, mine.model_copy(update={"booked_by": "sam.worker"}))
    finally:
        custody.lock()


def test_delete_leaves_a_tombstone_and_history(session: WorkstationSession) -> None:
    person = save_record(session, factories.person()).records[0]
    dead = delete_record(session, person.id, "entered twice by mistake").records[0]
    assert dead.tombstone is not None
    assert dead.revision == 2
    assert find_people(session, "Quillfeather") == []
    assert len(record_history(session, person.id)) == 2
    assert ("erasure", str(person.id)) in _audit_ops(session)
    with pytest.raises(InvalidInput):
        delete_record(session, person.id, "")


def test_merge_moves_records_and_keeps_both_histories(session: WorkstationSession) -> None:
    keep = save_record(session, factories.person()).records[0]
    dup = save_record(session, factories.person(given_names="Marney", pnc_id=None)).records[0]
    assessment = save_record(session, factories.assessment(dup.id)).records[0]
    merge_people(session, keep.id, dup.id, "same date of birth and address; supervisor checked")
    moved = open_record(session, assessment.id)
    assert moved.person_id == keep.id
    assert moved.revision == 2
    merged_dup = open_record(session, dup.id)
    assert merged_dup.tombstone is not None
    assert merged_dup.tombstone.merged_into == keep.id
    assert "Marney Quillfeather" in open_record(session, keep.id).aliases  # type: ignore[attr-defined]
    assert [h.revision for h in record_history(session, dup.id)] == [1, 2]
    assert ("combination", str(keep.id)) in _audit_ops(session)
