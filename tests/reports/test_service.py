"""The workstation's KPI report over a real encrypted store: same numbers as the casebook's, audited."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from cars_desktop.domain.errors import NotPermitted
from cars_desktop.reports.compute import GroupBy
from cars_desktop.reports.periods import PeriodKind
from cars_desktop.services.reports import kpi_report
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.tables import AuditRow
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, WORKER, Workstation
from tests.reports.casebook import RECORDS
from tests.reports.test_kpis import EXPECTED


def save_casebook(session: WorkstationSession) -> None:
    """Every revision in order, as the store keeps them (the newest one is what it holds)."""
    with session.unit_of_work() as uow:
        for record in sorted(RECORDS, key=lambda r: r.revision):
            uow.records.save(record, WORKER)
        uow.commit()


def test_report_over_the_store_matches_the_casebook(session: WorkstationSession) -> None:
    save_casebook(session)
    table = kpi_report(session, date(2026, 3, 1), date(2026, 4, 30), PeriodKind.MONTH)
    march, april = table.periods
    for kpi_id, (in_march, in_april) in EXPECTED.items():
        assert table.row(kpi_id, march).value == pytest.approx(in_march), kpi_id
        assert table.row(kpi_id, april).value == pytest.approx(in_april), kpi_id
    by_site = kpi_report(session, date(2026, 4, 1), date(2026, 4, 30), PeriodKind.MONTH, GroupBy.SITE)
    assert by_site.row("referrals_into_treatment", by_site.periods[0], "OLDBURY").value == 2
    with session.unit_of_work() as uow:
        query = select(AuditRow.details, AuditRow.record_id).where(AuditRow.operation == "consultation")
        entries = [(json.loads(d or "{}"), r) for d, r in uow.session.execute(query)]
    reports = [(details, record_id) for details, record_id in entries if details.get("report") == "kpi"]
    assert len(reports) == 2
    assert reports[1][0]["group_by"] == "site" and reports[1][0]["from"] == "2026-04-01"
    assert all(record_id is None for _details, record_id in reports)


def test_only_supervisors_see_kpis(workstation: Workstation) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            kpi_report(custody, date(2026, 3, 1), date(2026, 3, 31), PeriodKind.MONTH)
    finally:
        custody.lock()
