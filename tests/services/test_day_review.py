"""The supervisor's day review over a real store, and the server's workstation and slot views on loopback.

sam.worker (worker and supervisor) reviews work written by an invented colleague, dana.worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from cars_desktop.config import Settings
from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.services.booking_slots import UK
from cars_desktop.services.day_review import (
    approve,
    day_assessments,
    overbooked_slots,
    return_for_changes,
    sign_off_day,
    workstation_statuses,
)
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record, save_records
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_protocol.records import (
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Person,
    ReviewDecision,
    Role,
    utc_now,
)
from tests import factories
from tests.conftest import SITE
from tests.server.helpers import PASSWORDS, SUPERVISOR, RunningServer, running_server

COLLEAGUE = "dana.worker"


def _assessment(
    person: Person,
    author: str = COLLEAGUE,
    kind: AssessmentKind = AssessmentKind.LIFESTYLE,
    status: AssessmentStatus = AssessmentStatus.COMPLETED,
    site: str = SITE,
) -> Assessment:
    return Assessment(
        site_code=site,
        author=author,
        person_id=person.id,
        kind=kind,
        form_id=kind.value,
        form_version=1,
        answers={"notes": "invented"},
        status=status,
        completed_at=None if status is AssessmentStatus.DRAFT else utc_now(),
    )


def _today() -> datetime:
    return utc_now().astimezone(UK)


def test_the_day_lists_assessments_then_approve_return_and_sign_off(session: WorkstationSession) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    first, second = _assessment(person), _assessment(person, kind=AssessmentKind.REQUIRED_INITIAL)
    own_draft = _assessment(person, author=session.user.username, status=AssessmentStatus.DRAFT)
    elsewhere = _assessment(person, site="COVENTRY")
    not_assessment = _assessment(person, kind=AssessmentKind.REFERRAL)
    save_records(session, [first, second, own_draft, elsewhere, not_assessment])
    day = _today().date()
    review = day_assessments(session, day, [SITE])
    assert {r.assessment_id for r in review.rows} == {first.id, second.id, own_draft.id}
    assert review.waiting == 2 and not review.signed_off
    assert {r.person_name for r in review.rows} == {"QUILLFEATHER, Marnie"}
    assert {r.assessment_id for r in day_assessments(session, day, [SITE, "COVENTRY"]).rows} >= {elsewhere.id}
    assert day_assessments(session, day - timedelta(days=1), [SITE]).rows == ()

    own_completed = _assessment(person, author=session.user.username)
    save_record(session, own_completed)
    with pytest.raises(NotPermitted, match="own work"):
        approve(session, [(own_completed.id, 1)])
    with pytest.raises(InvalidInput, match="waiting for review"):
        approve(session, [(own_draft.id, 1)])
    with pytest.raises(InvalidInput, match="changed since"):
        approve(session, [(first.id, 7)])
    with pytest.raises(InvalidInput, match="3 assessments still wait for review"):
        sign_off_day(session, day, [SITE])

    done = approve(session, [(first.id, 1)])
    [decision] = done.decisions
    assert (decision.assessment_id, decision.assessment_revision, decision.decision) == (
        first.id,
        1,
        "approved",
    )
    assert {"assessment", "review_decision"} <= done.changes.record_types
    with pytest.raises(InvalidInput, match="what the worker must change"):
        return_for_changes(session, second.id, 1, "no")
    returned = return_for_changes(session, second.id, 1, "Add the time the RA1 was given.")
    assert returned.decisions[0].comment == "Add the time the RA1 was given."
    with session.unit_of_work() as uow:
        statuses = {
            r.id: r.status
            for r in (uow.records.get(first.id), uow.records.get(second.id))
            if isinstance(r, Assessment)
        }
        decisions = [r for r in uow.records.iter_all(["review_decision"]) if isinstance(r, ReviewDecision)]
    assert statuses == {first.id: AssessmentStatus.APPROVED, second.id: AssessmentStatus.RETURNED}
    assert len(decisions) == 2


def test_sign_off_is_refused_while_work_waits_and_recorded_when_done(session: WorkstationSession) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    waiting = _assessment(person)
    save_record(session, waiting)
    day = _today().date()
    with pytest.raises(InvalidInput, match="1 assessment still waits"):
        sign_off_day(session, day, [SITE])
    approve(session, [(waiting.id, 1)])
    [made] = sign_off_day(session, day, [SITE])
    assert made.by == session.user.username and made.site_code == SITE
    review = day_assessments(session, day, [SITE])
    assert review.signed_off and review.sign_offs[0].by == session.user.username


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def test_workstations_and_overbooked_slots_come_from_the_server(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder = tmp_path / "ws-a"
    enrol(settings, folder, server.base_url, server.enrolment_code(), "Custody PC 1", http)
    supervisor = unlock(settings, folder, SUPERVISOR, PASSWORDS[SUPERVISOR], http=http)
    try:
        person = save_record(supervisor, factories.person(author=SUPERVISOR)).records[0]
        slot = (utc_now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        both = [
            Appointment(
                site_code=SITE,
                author=SUPERVISOR,
                person_id=person.id,
                starts_at=slot,
                location_site_code=SITE,
                booked_by=SUPERVISOR,
                booked_by_role=Role.SUPERVISOR,
            )
            for _ in range(2)
        ]
        save_records(supervisor, both)
        stations = workstation_statuses(supervisor, http)
        assert [s.label for s in stations] == ["Custody PC 1"]
        sync_now(supervisor, http)
        [flagged] = overbooked_slots(supervisor, http)
        assert (flagged.site_code, flagged.starts_at, flagged.capacity) == (SITE, slot, 1)
        assert set(flagged.appointment_ids) == {a.id for a in both}
    finally:
        supervisor.lock()
