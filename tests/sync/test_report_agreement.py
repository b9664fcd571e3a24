"""The server's KPI report and a workstation's agree when they hold the same records.

Two workstations (a custody block and a court, each its own enrolled SQLCipher store) are seeded
with invented casework by the demo generator, amend, delete and merge each other's records, and
sync with a real server over HTTP until nothing moves. The server's records then arrive only by
sync, never by writing its database. The same `compute_kpis` over the server's `records` table
(`cars_server.reports.records`) and over each workstation's store must give equal tables, for
several kinds of period, for the whole service and by site, and equal CSV without suppression.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from cars_desktop.reports.compute import GroupBy, KpiTable, compute_kpis
from cars_desktop.reports.export import to_csv
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_desktop.services.form_projections import author_role
from cars_desktop.services.records import delete_record, merge_people, save_records
from cars_desktop.services.seed import CaseworkGenerator
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import Assessment, AssessmentStatus, Person, RecordBase, Referral
from cars_server.reports.records import iter_records
from tests.server.helpers import OTHER_SITE, SITE, SUPERVISOR, RunningServer
from tests.sync.stations import enrol_station, open_station, sync_until_quiet

END = date.today() - timedelta(days=1)
DAYS = 75
PEOPLE = 40
START = END - timedelta(days=DAYS + 10)


def seed_station(session: WorkstationSession, people: int, random_seed: int) -> list[RecordBase]:
    """Invented casework from the demo generator, all of it recorded at this workstation's site.

    The generator spreads people over every custody block in the reference list; the server only
    accepts new records of the workstation's own site, so each record is moved to it.
    """
    generator = CaseworkGenerator(
        random.Random(random_seed),
        session.site_code,
        session.user.username,
        END,
        DAYS,
        author_role=author_role(session.user.roles),
        worker_name=session.user.display_name,
    )
    made: list[RecordBase] = []
    for _ in range(people):
        made.extend(r.model_copy(update={"site_code": session.site_code}) for r in generator.person())
    save_records(session, made)
    return made


def held(session: WorkstationSession) -> list[RecordBase]:
    with session.unit_of_work() as uow:
        return list(uow.records.iter_all())


def revisions(records: Iterable[RecordBase]) -> dict[object, tuple[int, bool]]:
    """Record id → (revision, live): what two holders must share for their reports to agree."""
    return {r.id: (r.revision, r.is_live) for r in records}


def workstation_table(session: WorkstationSession, kind: PeriodKind, group_by: GroupBy) -> KpiTable:
    return compute_kpis(held(session), periods_between(START, END, kind), group_by=group_by)


def server_table(server: RunningServer, kind: PeriodKind, group_by: GroupBy) -> KpiTable:
    return compute_kpis(iter_records(server.engine), periods_between(START, END, kind), group_by=group_by)


def amend_delete_and_merge(session: WorkstationSession, rng: random.Random) -> None:
    """A supervisor's day on the court workstation, on records pulled from the custody block."""
    records = [r for r in held(session) if r.is_live and r.site_code == SITE]
    completed = [r for r in records if isinstance(r, Assessment) and r.status is AssessmentStatus.COMPLETED]
    amended = rng.choice(completed)
    save_records(
        session,
        [
            amended.model_copy(
                update={"status": AssessmentStatus.AMENDED, "amendment_reason": "date corrected"}
            )
        ],
    )
    referrals = [r for r in records if isinstance(r, Referral)]
    delete_record(session, rng.choice(referrals).id, "entered on the wrong person")
    people = [r for r in records if isinstance(r, Person)]
    keep, duplicate = rng.sample(people, 2)
    merge_people(session, keep.id, duplicate.id, "same person registered twice")


@contextmanager
def two_stations(
    server: RunningServer, http: httpx.Client, folder: Path
) -> Iterator[list[WorkstationSession]]:
    """A custody block's workstation (a worker) and a court's (a supervisor), enrolled and unlocked."""
    custody_folder = enrol_station(server.base_url, server.enrolment_code(SITE), folder / "custody", http)
    court_folder = enrol_station(server.base_url, server.enrolment_code(OTHER_SITE), folder / "court", http)
    custody = open_station(custody_folder, http)
    court = open_station(court_folder, http, user=SUPERVISOR)
    try:
        yield [custody, court]
    finally:
        for session in (custody, court):
            session.lock()


def sync_casework(
    server: RunningServer, http: httpx.Client, stations: list[WorkstationSession], random_seed: int
) -> dict[object, tuple[int, bool]]:
    """Seed both stations, sync, amend, delete and merge at the court, sync again; what the server
    holds, checked to be exactly what each workstation holds."""
    custody, court = stations
    seed_station(custody, PEOPLE, random_seed=random_seed)
    seed_station(court, PEOPLE // 2, random_seed=random_seed + 1)
    sync_until_quiet(stations, http)
    amend_delete_and_merge(court, random.Random(random_seed))
    sync_until_quiet(stations, http)
    held_by_server = revisions(iter_records(server.engine))
    for session in stations:
        assert revisions(held(session)) == held_by_server, "a workstation does not hold what the server holds"
    return held_by_server


@pytest.fixture
def stations(server: RunningServer, http: httpx.Client, tmp_path: Path) -> Iterator[list[WorkstationSession]]:
    with two_stations(server, http, tmp_path) as both:
        yield both


def test_server_and_workstations_give_the_same_kpis_after_sync(
    server: RunningServer, http: httpx.Client, stations: list[WorkstationSession]
) -> None:
    held_by_server = sync_casework(server, http, stations, random_seed=11)
    court = stations[1]

    service_wide = server_table(server, PeriodKind.MONTH, GroupBy.NONE)
    assert sum(1 for row in service_wide.rows if row.value) >= 5, (
        "the seeded casework counted for nothing; the comparison would prove nothing"
    )
    for kind in (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR):
        for group_by in (GroupBy.NONE, GroupBy.SITE):
            on_server = server_table(server, kind, group_by)
            for session in stations:
                assert workstation_table(session, kind, group_by) == on_server, (kind, group_by)
    by_site = server_table(server, PeriodKind.MONTH, GroupBy.SITE)
    assert {SITE, OTHER_SITE} <= {row.group for row in by_site.rows}
    assert to_csv(workstation_table(court, PeriodKind.MONTH, GroupBy.SITE)) == to_csv(by_site)
    assert len(held_by_server) > 200
    assert sum(not live for _, live in held_by_server.values()) >= 2, "the deletion and the merge"
