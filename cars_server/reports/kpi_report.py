"""`cars-server report kpi`: the commissioner's KPI table over every record the server holds.

The table is computed by `cars_desktop.reports` (the one set of definitions) over the server's
records (`cars_server.reports.records`) and rendered as CSV or JSON. A report leaves the service,
so small counts are suppressed by default (`DEFAULT_SUPPRESS_BELOW`) and every run is written to
the server's s.62 log with its parameters only (never a count or a name). A report file is created
new, never overwriting one; if its log entry cannot be committed the file is removed again, so no
report is disclosed without its record.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cars_desktop.reports.compute import GroupBy, KpiTable, compute_kpis
from cars_desktop.reports.export import to_csv, to_json
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_protocol.records import RecordBase
from cars_server.audit_log import DetailValue, write_audit
from cars_server.errors import CarsServerError
from cars_server.reports.records import iter_records

REPORT_OPERATION = "report"
#: Counts under this are suppressed unless the operator says otherwise (DOMAIN.md: small numbers).
DEFAULT_SUPPRESS_BELOW = 5
#: Command-line names of the groupings; "la" is the local authority of residence.
GROUPINGS: dict[str, GroupBy] = {"site": GroupBy.SITE, "la": GroupBy.LOCAL_AUTHORITY}
EXPORTERS: dict[str, Callable[[KpiTable, int | None], str]] = {
    "csv": lambda table, below: to_csv(table, suppress_below=below),
    "json": lambda table, below: to_json(table, suppress_below=below),
}


class ReportError(CarsServerError):
    """The report cannot be made as asked; the message says why and what to change."""


@dataclass(frozen=True, slots=True)
class KpiReportRequest:
    """What the operator asked for: dates inclusive, UK calendar days."""

    start: date
    end: date
    period: PeriodKind
    by: str | None = None  # a key of GROUPINGS, or None for the whole service
    format: str = "csv"
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW
    out: Path | None = None

    def check(self) -> None:
        """Refuse a request that cannot be right, before any record is read."""
        if self.start > self.end:
            raise ReportError(f"--from {self.start} is after --to {self.end}")
        if self.by is not None and self.by not in GROUPINGS:
            raise ReportError(f"cannot group by {self.by!r}; choose one of {', '.join(GROUPINGS)}")
        if self.format not in EXPORTERS:
            raise ReportError(f"unknown format {self.format!r}; choose one of {', '.join(EXPORTERS)}")
        if self.suppress_below is not None and self.suppress_below < 1:
            raise ReportError("--suppress-below must be 1 or more (use --no-suppress for none)")
        if self.out is not None and os.path.lexists(self.out):
            raise _already_exists(self.out)

    def audit_detail(self) -> dict[str, DetailValue]:
        """The parameters, for the s.62 log: nothing about the people counted."""
        return {
            "report": "kpi",
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "period": self.period.value,
            "by": self.by,
            "format": self.format,
            "suppress_below": self.suppress_below,
            "to_file": self.out is not None,
        }


def kpi_table(records: Iterable[RecordBase], request: KpiReportRequest) -> KpiTable:
    """The KPI table of `records` for the request's periods and grouping (no suppression yet)."""
    periods = periods_between(request.start, request.end, request.period)
    group_by = GROUPINGS[request.by] if request.by else GroupBy.NONE
    return compute_kpis(records, periods, group_by=group_by)


def render(table: KpiTable, request: KpiReportRequest) -> str:
    """The table in the requested format, with small counts suppressed as requested."""
    return EXPORTERS[request.format](table, request.suppress_below)


def run_kpi_report(engine: Engine, request: KpiReportRequest, actor: str, now: datetime) -> str:
    """Compute and render the report, log it, and write it to `request.out` if given; returns the text."""
    request.check()
    text = render(kpi_table(iter_records(engine), request), request)
    with Session(engine) as session:
        if request.out is not None:
            _write_new(request.out, text)
        try:
            write_audit(
                session, actor=actor, operation=REPORT_OPERATION, detail=request.audit_detail(), at=now
            )
            session.commit()
        except Exception:
            if request.out is not None:
                request.out.unlink(missing_ok=True)
            raise
    return text


def _write_new(out: Path, text: str) -> None:
    """Create `out` and write `text`; an existing file is never overwritten."""
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise _already_exists(out) from None
    except OSError as exc:
        raise ReportError(f"cannot create {out}: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        out.unlink(missing_ok=True)
        raise ReportError(f"cannot write {out}: {exc.strerror}") from None


def _already_exists(out: Path) -> ReportError:
    return ReportError(f"{out} already exists; choose a new file (a report is never overwritten)")
