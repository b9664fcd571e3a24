"""A person active again after a workstation's cursor passed their old records is backfilled.

Two workstations and a real server over HTTP on loopback, with a short pull window. The old
records are made old by moving their `received_at` back on the server, the only direct write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from cars_desktop.config import Settings
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.sync.backfill import waiting
from cars_protocol.records import Assessment, Person, RecordBase
from cars_server.clock import utc_now
from tests.factories import assessment, person
from tests.server.helpers import PASSWORDS, SITE, WORKER, RunningServer, running_server

WINDOW_DAYS = 30


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, feed_window_days=WINDOW_DAYS) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _workstation(
    server: RunningServer, settings: Settings, http: httpx.Client, folder: Path
) -> WorkstationSession:
    result = enrol(settings, folder, server.base_url, server.enrolment_code(SITE), folder.name, http)
    assert result.created_store
    return unlock(settings, folder, WORKER, PASSWORDS[WORKER], http=http)


def _age_on_server(server: RunningServer, records: list[RecordBase], days: int) -> None:
    """Pretend the server received these records `days` ago (test setup only)."""
    long_ago = utc_now() - timedelta(days=days)
    with server.engine.begin() as conn:
        for record in records:
            conn.exec_driver_sql(
                "UPDATE records SET received_at = ? WHERE id = ?", (long_ago, str(record.id))
            )


def _local(session: WorkstationSession, record_id: uuid.UUID) -> RecordBase | None:
    with session.unit_of_work() as uow:
        return uow.records.get(record_id)


@pytest.fixture
def stations(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> Iterator[tuple[WorkstationSession, WorkstationSession]]:
    a = _workstation(server, settings, http, tmp_path / "custody-a")
    b = _workstation(server, settings, http, tmp_path / "court-b")
    try:
        yield a, b
    finally:
        a.lock()
        b.lock()


def _old_person_behind_bs_cursor(
    server: RunningServer, http: httpx.Client, a: WorkstationSession, b: WorkstationSession
) -> tuple[Person, Assessment]:
    """A's person and assessment from long ago, which B's first pull passed by (outside its window)."""
    someone = save_record(a, person(author=WORKER, family_name="Wetherall")).records[0]
    old = save_record(a, assessment(someone.id, author=WORKER, note="Last year")).records[0]
    assert isinstance(someone, Person) and isinstance(old, Assessment)
    assert sync_now(a, http).pushed == 2
    _age_on_server(server, [someone, old], WINDOW_DAYS + 100)
    # Somebody new, received today, moves B's cursor past the old records.
    recent = save_record(a, person(author=WORKER, family_name="Fairbrother")).records[0]
    save_record(a, assessment(recent.id, author=WORKER))
    assert sync_now(a, http).pushed == 2

    first = sync_now(b, http)

    assert first.pulled == 2 and isinstance(_local(b, recent.id), Person)
    assert _local(b, someone.id) is None and _local(b, old.id) is None  # outside the window
    # A person new to the service (revision 1) came with everything about them: no backfill.
    assert (first.backfilled, first.backfill_waiting) == (0, 0)
    return someone, old


def test_a_new_assessment_brings_the_persons_old_records_with_it(
    server: RunningServer, http: httpx.Client, stations: tuple[WorkstationSession, WorkstationSession]
) -> None:
    a, b = stations
    someone, old = _old_person_behind_bs_cursor(server, http, a, b)
    today = save_record(a, assessment(someone.id, author=WORKER, note="Arrested again")).records[0]
    assert sync_now(a, http).pushed == 1

    report = sync_now(b, http)

    assert report.pulled == 1  # today's assessment, in the feed
    assert (report.backfilled, report.backfill_waiting) == (2, 0)  # the Person and last year's assessment
    held_person, held_old, held_today = (_local(b, r.id) for r in (someone, old, today))
    assert isinstance(held_person, Person) and held_person.family_name == "Wetherall"
    assert isinstance(held_old, Assessment) and held_old.answers == old.answers
    assert isinstance(held_today, Assessment) and held_today.person_id == someone.id
    with b.unit_of_work() as uow:
        assert waiting(uow) == []
    again = sync_now(b, http)
    assert (again.pulled, again.backfilled) == (0, 0)


def test_an_edit_of_the_old_person_alone_brings_their_history(
    server: RunningServer, http: httpx.Client, stations: tuple[WorkstationSession, WorkstationSession]
) -> None:
    a, b = stations
    someone, old = _old_person_behind_bs_cursor(server, http, a, b)
    save_record(a, someone.model_copy(update={"phone": "01210000777"}))
    assert sync_now(a, http).pushed == 1

    report = sync_now(b, http)

    assert report.pulled == 1 and report.backfilled == 1  # the new Person revision, then the assessment
    held_person, held_old = _local(b, someone.id), _local(b, old.id)
    assert isinstance(held_person, Person) and held_person.phone == "01210000777"
    assert isinstance(held_old, Assessment)
