"""The server's KPI report on PostgreSQL (production's database) agrees with the workstations'.

The SQLite version is tests/sync/test_report_agreement.py; this runs the same story against a
server on a real PostgreSQL cluster (tests/postgres_fixture.py), reusing that module's helpers:
two enrolled SQLCipher workstations are seeded with invented casework, amend, delete and merge
each other's records, and sync with the server over HTTP until nothing moves, so the server's
records arrive only by sync. The server's report, read from PostgreSQL through
`cars_server.reports.records` and the `cars-server report kpi` code, must equal each workstation's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest

from cars_desktop.reports.compute import GroupBy, KpiTable, compute_kpis, report_window
from cars_desktop.reports.export import to_csv
from cars_desktop.reports.facts import REPORTED_TYPES, parse_indexed
from cars_desktop.reports.kpis import KPIS, Kpi
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.report_reads import iter_current_bodies, iter_report_bodies, people_bodies
from cars_server.reports.kpi_report import KpiReportRequest, kpi_table
from cars_server.reports.records import iter_records
from tests.server.helpers import OTHER_SITE, SITE, RunningServer, running_server
from tests.sync.stations import sync_until_quiet
from tests.sync.test_report_agreement import (
    END,
    PEOPLE,
    START,
    seed_station,
    server_table,
    sync_casework,
    two_stations,
    workstation_table,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_server(tmp_path: Path, postgresql_db_url: str) -> Iterator[RunningServer]:
    with running_server(tmp_path, database_url=postgresql_db_url) as running:
        assert running.engine.dialect.name == "postgresql"
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture
def pg_stations(
    pg_server: RunningServer, http: httpx.Client, tmp_path: Path
) -> Iterator[list[WorkstationSession]]:
    with two_stations(pg_server, http, tmp_path) as both:
        yield both


def test_server_on_postgresql_and_workstations_give_the_same_kpis_after_sync(
    pg_server: RunningServer, http: httpx.Client, pg_stations: list[WorkstationSession]
) -> None:
    held_by_server = sync_casework(pg_server, http, pg_stations, random_seed=21)
    court = pg_stations[1]
    assert len(held_by_server) > 200
    assert sum(not live for _, live in held_by_server.values()) >= 2, "the deletion and the merge"

    service_wide = server_table(pg_server, PeriodKind.MONTH, GroupBy.NONE)
    assert sum(1 for row in service_wide.rows if row.value) >= 5, (
        "the seeded casework counted for nothing; the comparison would prove nothing"
    )
    for kind in (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR):
        for group_by in (GroupBy.NONE, GroupBy.SITE, GroupBy.LOCAL_AUTHORITY):
            on_server = server_table(pg_server, kind, group_by)
            for session in pg_stations:
                assert workstation_table(session, kind, group_by) == on_server, (kind, group_by)
    by_site = server_table(pg_server, PeriodKind.MONTH, GroupBy.SITE)
    assert {SITE, OTHER_SITE} <= {row.group for row in by_site.rows}
    _windowed_reads_agree(pg_server, court)


def _windowed_reads_agree(server: RunningServer, desk: WorkstationSession) -> None:
    """The reads that skip records holding no date near the report give the full reads' tables.

    Short reports (one week, one month, a fortnight across a month end) over the synced records,
    on PostgreSQL through `iter_records(..., window=)` and on the workstation through the report
    index (`iter_report_bodies` + `parse_indexed`); some must also have skipped records, or the
    comparisons would prove nothing about the skipping.
    """
    middle = END - timedelta(days=35)
    skipped = desk_skipped = 0
    for first, last, kind in (
        (middle, middle + timedelta(days=6), PeriodKind.DAY),
        (middle.replace(day=1), middle.replace(day=28), PeriodKind.WEEK),
        (middle.replace(day=20), middle.replace(day=20) + timedelta(days=14), PeriodKind.MONTH),
    ):
        periods = periods_between(first, last, kind)
        window = report_window(periods)
        assert window is not None, "a KPI is not known to count only its own record's dates"
        full = compute_kpis(iter_records(server.engine), periods, GroupBy.SITE)
        read = list(iter_records(server.engine, REPORTED_TYPES, window=window))
        assert compute_kpis(read, periods, GroupBy.SITE) == full, (first, kind)
        assert compute_kpis(read, periods, GroupBy.LOCAL_AUTHORITY) == compute_kpis(
            iter_records(server.engine), periods, GroupBy.LOCAL_AUTHORITY
        )
        skipped += len(list(iter_records(server.engine, REPORTED_TYPES))) - len(read)
        with desk.unit_of_work() as uow:  # as services.reports.kpi_report reads: through the index
            rows = iter_report_bodies(uow.session, REPORTED_TYPES, window.month_keys)
            records = list(parse_indexed(rows, partial(people_bodies, uow.session)))
            desk_skipped += len(list(iter_current_bodies(uow.session, REPORTED_TYPES))) - len(records)
            on_desk: KpiTable = compute_kpis(records, periods, GroupBy.SITE)
        assert on_desk == full, (first, kind)
    assert skipped > 0, "no report skipped a record; the comparisons prove nothing about skipping"
    assert desk_skipped > 0, "SQLite kept every row; the workstation comparison proves nothing"


def test_a_kpi_not_known_to_count_only_its_own_dates_turns_the_skipping_off() -> None:
    periods = periods_between(START, END, PeriodKind.MONTH)
    assert report_window(periods) is not None
    looks_ahead = Kpi("rearrest_within_6_months", "Re-arrest", "Looks after the assessment.", "count")
    assert report_window(periods, (*KPIS, looks_ahead)) is None
    assert report_window(periods, (looks_ahead,)) is None
    checked = dataclasses.replace(looks_ahead, self_dated=True)
    assert report_window(periods, (*KPIS, checked)) is not None


def test_the_server_command_path_on_postgresql_renders_what_the_workstation_computes(
    pg_server: RunningServer, http: httpx.Client, pg_stations: list[WorkstationSession]
) -> None:
    """`cars-server report kpi`'s own table function over PostgreSQL, compared cell by cell and as CSV."""
    custody, court = pg_stations
    seed_station(custody, PEOPLE // 2, random_seed=23)
    seed_station(court, PEOPLE // 4, random_seed=24)
    sync_until_quiet(pg_stations, http)
    request = KpiReportRequest(START, END, PeriodKind.MONTH, by="site", suppress_below=None)
    on_server = kpi_table(iter_records(pg_server.engine), request)
    on_court = workstation_table(court, PeriodKind.MONTH, GroupBy.SITE)
    assert on_court == on_server
    assert to_csv(on_court) == to_csv(on_server)
    assert any(row.value for row in on_server.rows if row.kpi_id == "referrals_into_treatment")
