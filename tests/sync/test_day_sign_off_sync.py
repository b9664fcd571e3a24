"""Day sign-offs travel: two supervisors' workstations and a real server on loopback.

Supervisor Ria signs off the day at Oldbury on workstation A; after a sync, workstation B (where
supervisor Noor works) shows who signed off and when, and the server holds the record. Noor's own
sign-off of the same day and site is a second record, not a rival revision: nothing conflicts,
both workstations show both, and signing again makes nothing new.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from cars_desktop.services.booking_slots import UK
from cars_desktop.services.day_review import day_assessments, sign_off_day
from cars_desktop.services.records import save_records
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_protocol.records import Assessment, AssessmentKind, AssessmentStatus, DaySignOff, utc_now
from cars_server.admin.users import create_user
from cars_server.storage.tables import RecordRow
from tests import factories
from tests.server.helpers import SITE, SUPERVISOR, RunningServer
from tests.sync.stations import enrol_station, open_station, station_settings, sync_until_quiet

NOOR = "noor.supervisor"
NOOR_PASSWORD = "noor pass 5172"


def _add_second_supervisor(server: RunningServer) -> None:
    create_user(
        server.engine,
        server.settings,
        username=NOOR,
        display_name="Noor Supervisor",
        roles=["supervisor", "worker"],
        sites=[SITE],
        password=NOOR_PASSWORD,
        actor="test-setup",
        now=utc_now(),
    )


def _server_sign_offs(server: RunningServer) -> list[DaySignOff]:
    with server.engine.connect() as connection:
        bodies = connection.scalars(select(RecordRow.body).where(RecordRow.record_type == "day_sign_off"))
        return [DaySignOff.model_validate_json(body) for body in bodies]


def _worker_day(session: WorkstationSession) -> None:
    """A worker's finished assessment today, approved by a supervisor, so the day can be signed off."""
    person = factories.person(author=session.user.username)
    done = Assessment(
        site_code=SITE,
        author=session.user.username,
        person_id=person.id,
        kind=AssessmentKind.LIFESTYLE,
        form_id="lifestyle",
        form_version=1,
        answers={"notes": "invented"},
        status=AssessmentStatus.APPROVED,
        completed_at=utc_now(),
    )
    save_records(session, [person, done])


def test_a_sign_off_reaches_the_other_supervisor_and_a_second_one_does_not_conflict(
    server: RunningServer, http: httpx.Client, tmp_path: Path
) -> None:
    _add_second_supervisor(server)
    folder_a = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "custody-a", http)
    folder_b = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "custody-b", http)
    worker = open_station(folder_a, http)
    try:
        _worker_day(worker)
        sync_now(worker, http)
    finally:
        worker.lock()
    ria = open_station(folder_a, http, user=SUPERVISOR)
    noor = unlock(station_settings(), folder_b, NOOR, NOOR_PASSWORD, http=http)
    try:
        today = utc_now().astimezone(UK).date()
        [mine] = sign_off_day(ria, today, [SITE])
        assert (mine.by, mine.by_name, mine.site_code) == (SUPERVISOR, "Ria Supervisor", SITE)
        assert sign_off_day(ria, today, [SITE]) == (mine,)  # signing again makes nothing new

        sync_until_quiet([ria, noor], http)
        seen = day_assessments(noor, today, [SITE])
        assert [(s.by, s.site_code) for s in seen.sign_offs] == [(SUPERVISOR, SITE)]
        assert seen.signed_off and not seen.signed_off_by(NOOR)
        assert seen.sign_offs[0].label.startswith("Signed off by Ria Supervisor at ")
        assert seen.sign_offs[0].at == mine.at
        [held] = _server_sign_offs(server)
        assert (held.author, held.day, held.signed_off_site, held.assessments) == (SUPERVISOR, today, SITE, 1)

        [noors] = sign_off_day(noor, today, [SITE])
        reports = sync_until_quiet([ria, noor], http)
        assert sum(r.conflicts for r in reports) == 0
        for session in (ria, noor):
            both = day_assessments(session, today, [SITE]).sign_offs
            assert sorted((s.by, s.by_name) for s in both) == [
                (NOOR, "Noor Supervisor"),
                (SUPERVISOR, "Ria Supervisor"),
            ]
        assert noors.by == NOOR
        assert sorted(r.author for r in _server_sign_offs(server)) == [NOOR, SUPERVISOR]
    finally:
        ria.lock()
        noor.lock()
