"""The report index (`report_months`) follows every stored body: saves, pulled revisions, purges,
and the migration that filled it for stores made before it existed."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cars_desktop.domain.report_months import ALWAYS, month_key, report_months
from cars_desktop.services.records import save_record
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.storage.report_reads import iter_report_bodies, people_bodies
from cars_desktop.storage.retention_repository import RetentionRepository
from cars_protocol.records import Assessment, AssessmentStatus, Tombstone
from tests.conftest import Workstation
from tests.factories import assessment, person
from tests.storage.make_fixture_store import FIXTURE_DIR, FIXTURE_PASSWORD, FIXTURE_USER

APRIL = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
JUNE = datetime(2026, 6, 12, 14, 0, tzinfo=UTC)


def _index(session: WorkstationSession) -> set[tuple[int, str, str]]:
    with session.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT month, record_type, record_id FROM report_months").all()
    return {(r[0], r[1], r[2]) for r in rows}


def _completed(form: Assessment, at: datetime) -> Assessment:
    return form.model_copy(update={"status": AssessmentStatus.COMPLETED, "completed_at": at})


def test_report_months_reads_every_month_mark_and_leaves_live_people_out() -> None:
    body = '{"a":"2026-04-01T09:30:00Z","b":["2025-12-31"],"c":"not 2024-01-02","d":"2026-13-01"}'
    assert report_months("assessment", body) == {month_key(APRIL.date()), 2025 * 12 + 11}
    assert report_months("person", '{"dob":"1990-04-17","tombstone":null}') == frozenset()
    assert report_months("person", '{"tombstone":{"at":"2026-04-01T09:30:00Z"}}') == {ALWAYS}


def test_a_save_indexes_the_body_and_an_amendment_replaces_its_months(session: WorkstationSession) -> None:
    someone = person(author=session.actor.username)
    save_record(session, someone)
    form = _completed(assessment(someone.id, author=session.actor.username), APRIL)
    save_record(session, form)
    key = str(form.id)
    months = {m for m, t, r in _index(session) if r == key}
    assert month_key(APRIL.date()) in months
    assert all(r != str(someone.id) for _m, _t, r in _index(session))  # a live person: read by id

    moved = _completed(form, JUNE)
    save_record(session, moved, justification="The completion date was entered wrongly")
    months = {m for m, t, r in _index(session) if r == key}
    assert month_key(JUNE.date()) in months and month_key(APRIL.date()) not in months
    with session.unit_of_work() as uow:
        stored = uow.records.get(form.id)
    assert stored is not None and stored.revision == 2
    assert months == report_months("assessment", stored.model_dump_json())


def test_a_deleted_person_is_always_read_and_a_report_reads_its_months_and_people(
    session: WorkstationSession,
) -> None:
    kept, gone = (
        person(author=session.actor.username),
        person(author=session.actor.username, family_name="Brackenridge"),
    )
    save_record(session, kept)
    save_record(session, gone)
    in_april = _completed(assessment(kept.id, author=session.actor.username), APRIL)
    in_june = _completed(assessment(kept.id, author=session.actor.username), JUNE)
    save_record(session, in_april)
    save_record(session, in_june)
    tombstone = Tombstone(at=JUNE, by=session.actor.username, reason="Entered in error")
    save_record(
        session,
        gone.model_copy(update={"tombstone": tombstone}),
        justification="Entered in error",
    )
    assert (ALWAYS, "person", str(gone.id)) in _index(session)

    april = month_key(APRIL.date())
    with session.unit_of_work() as uow:
        read = {r[0] for r in iter_report_bodies(uow.session, ["person", "assessment"], (april, april))}
        people = {
            r[0] for r in people_bodies(uow.session, [str(kept.id), str(in_june.id), str(uuid.uuid4())])
        }
    assert str(in_april.id) in read and str(gone.id) in read
    assert str(in_june.id) not in read and str(kept.id) not in read
    assert people == {str(kept.id)}  # an assessment's id names no person; unknown ids are left out


def test_a_pulled_revision_is_indexed_and_a_purge_removes_its_rows(session: WorkstationSession) -> None:
    someone = person(author="pat.colleague")
    form = _completed(assessment(someone.id, author="pat.colleague"), APRIL)
    with session.unit_of_work() as uow:
        for record in (someone, form):
            uow.sync.apply_remote(record, uuid.uuid4(), conflicted=False)
        uow.commit()
    assert {m for m, _t, r in _index(session) if r == str(form.id)} == report_months(
        "assessment", form.model_dump_json()
    )
    with session.unit_of_work() as uow:
        RetentionRepository(uow.session).purge([str(form.id), str(someone.id)])
        uow.commit()
    assert all(r != str(form.id) for _m, _t, r in _index(session))


def test_the_migration_indexes_every_record_of_a_store_made_before_the_index(
    tmp_path: Path, workstation: Workstation
) -> None:
    data_dir = tmp_path / "old"
    shutil.copytree(FIXTURE_DIR, data_dir)
    old = unlock(workstation.settings, data_dir, FIXTURE_USER, FIXTURE_PASSWORD)
    try:
        with old.store.engine.connect() as conn:
            records = conn.exec_driver_sql("SELECT id, record_type, body FROM records").all()
        expected = {
            (month, record_type, record_id)
            for record_id, record_type, body in records
            for month in report_months(record_type, body)
        }
        assert records and expected
        assert _index(old) == expected
    finally:
        old.lock("test_done")
