"""The KPI report over what this workstation holds, with the same definitions the server uses."""

from __future__ import annotations

from datetime import date

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.reports.compute import GroupBy, KpiTable, compute_kpis
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_desktop.services.workstation import WorkstationSession

#: The record types any KPI reads; people are needed for merges and local authorities.
REPORTED_TYPES = ("person", "assessment", "referral", "naloxone_supply", "action")


def kpi_report(
    session: WorkstationSession,
    first: date,
    last: date,
    kind: PeriodKind,
    group_by: GroupBy = GroupBy.NONE,
    sites: frozenset[str] | None = None,
) -> KpiTable:
    """Every KPI from `first` to `last` by period, over the records held here.

    Supervisors only (VIEW_KPIS). Reading casework to count it is a consultation, logged once
    with the report's parameters (no personal data: the report holds only counts).
    """
    require(session.actor, Permission.VIEW_KPIS, "see the KPI report")
    if last < first:
        raise InvalidInput("the report's last date is before its first")
    periods = periods_between(first, last, kind)
    with session.unit_of_work() as uow:
        table = compute_kpis(uow.records.iter_all(REPORTED_TYPES), periods, group_by, sites)
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                details={
                    "report": "kpi",
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "period": kind.value,
                    "group_by": group_by.value,
                    "sites": sorted(sites) if sites is not None else None,
                },
            )
        )
        uow.commit()
    return table
