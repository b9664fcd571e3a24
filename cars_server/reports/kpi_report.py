"""`cars-server report kpi`: the commissioner's KPI table over every record the server holds.

The table is computed by `cars_desktop.reports` (the one set of definitions) over the server's
records (`cars_server.reports.records`) and rendered as CSV or JSON; `--format pdf` and
`--tables-dir` make the commissioner's report instead (the whole date range against the period
before, monthly trends, the funnel), as a PDF and/or a CSV per table. A report leaves the service,
so small counts are suppressed by default (`DEFAULT_SUPPRESS_BELOW`) and every run is written to
the server's s.62 log with its parameters only (never a count or a name). Report files are created
new, never overwriting one; if the log entry cannot be committed they are removed again, so no
report is disclosed without its record.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from cars_desktop.reports.commissioner import build_commissioner_report, commissioner_csvs
from cars_desktop.reports.compute import GroupBy, KpiTable, compute_kpis, report_window
from cars_desktop.reports.export import to_csv, to_json
from cars_desktop.reports.facts import REPORTED_TYPES
from cars_desktop.reports.parts import PartTable, kpi_table_in_parts
from cars_desktop.reports.periods import Period, PeriodKind, periods_between
from cars_desktop.reports.report_files import (
    ReportFileError,
    already_exists,
    commissioner_option_problem,
    make_folder,
    tables_folder_problem,
    write_new_file,
)
from cars_protocol.records import RecordBase
from cars_server.audit_log import DetailValue, write_audit
from cars_server.errors import CarsServerError
from cars_server.reports.records import SharedSnapshot, iter_records, records_on, shared_snapshot

REPORT_OPERATION = "report"
#: Counts under this are suppressed unless the operator says otherwise (DOMAIN.md: small numbers).
DEFAULT_SUPPRESS_BELOW = 5
#: Command-line names of the groupings; "la" is the local authority of residence.
GROUPINGS: dict[str, GroupBy] = {"site": GroupBy.SITE, "la": GroupBy.LOCAL_AUTHORITY}
EXPORTERS: dict[str, Callable[[KpiTable, int | None], str]] = {
    "csv": lambda table, below: to_csv(table, suppress_below=below),
    "json": lambda table, below: to_json(table, suppress_below=below),
}
#: Every --format: the two above render the KPI table; "pdf" is the commissioner's report.
FORMATS = (*EXPORTERS, "pdf")


class ReportError(CarsServerError):
    """The report cannot be made as asked; the message says why and what to change."""


@dataclass(frozen=True, slots=True)
class KpiReportRequest:
    """What the operator asked for: dates inclusive, UK calendar days."""

    start: date
    end: date
    period: PeriodKind | None = None  # None: a month (the commissioner's report has no periods)
    by: str | None = None  # a key of GROUPINGS, or None for the whole service
    format: str | None = None  # None: csv, or the commissioner's report alone with tables_dir
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW
    out: Path | None = None
    tables_dir: Path | None = None  # a new or empty folder for the commissioner report's CSVs

    @property
    def commissioner(self) -> bool:
        """Whether this is the commissioner's report (PDF and/or tables) rather than the KPI table."""
        return self.format == "pdf" or self.tables_dir is not None

    def check(self) -> None:
        """Refuse a request that cannot be right, before any record is read."""
        if self.start > self.end:
            raise ReportError(f"--from {self.start} is after --to {self.end}")
        if self.by is not None and self.by not in GROUPINGS:
            raise ReportError(f"cannot group by {self.by!r}; choose one of {', '.join(GROUPINGS)}")
        if self.format is not None and self.format not in FORMATS:
            raise ReportError(f"unknown format {self.format!r}; choose one of {', '.join(FORMATS)}")
        if self.suppress_below is not None and self.suppress_below < 1:
            raise ReportError("--suppress-below must be 1 or more (use --no-suppress for none)")
        if self.commissioner:
            self._check_commissioner()
        if self.out is not None and os.path.lexists(self.out):
            raise ReportError(already_exists(self.out))

    def _check_commissioner(self) -> None:
        problem = commissioner_option_problem(self.format, self.out, self.period, self.by)
        if problem is None and self.suppress_below == 1:
            problem = "--suppress-below must be 2 or more for the commissioner's report"
        if problem is None and self.tables_dir is not None:
            problem = tables_folder_problem(self.tables_dir)
        if problem is not None:
            raise ReportError(problem)

    def audit_detail(self) -> dict[str, DetailValue]:
        """The parameters, for the s.62 log: nothing about the people counted."""
        return {
            "report": "commissioner" if self.commissioner else "kpi",
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "period": None if self.commissioner else (self.period or PeriodKind.MONTH).value,
            "by": self.by,
            "format": self.format or ("csv" if self.tables_dir is None else None),
            "suppress_below": self.suppress_below,
            "to_file": self.out is not None,
            "tables": self.tables_dir is not None,
        }


def report_periods(request: KpiReportRequest) -> list[Period]:
    """The KPI table's periods: the request's dates cut by its period kind (a month by default)."""
    return periods_between(request.start, request.end, request.period or PeriodKind.MONTH)


def kpi_table(records: Iterable[RecordBase], request: KpiReportRequest) -> KpiTable:
    """The KPI table of `records` for the request's periods and grouping (no suppression yet)."""
    group_by = GROUPINGS[request.by] if request.by else GroupBy.NONE
    return compute_kpis(records, report_periods(request), group_by=group_by)


def kpi_table_of(engine: Engine, request: KpiReportRequest, workers: int = 1) -> KpiTable:
    """The KPI table over the server's records, counted in up to `workers` processes
    (`cars_desktop.reports.parts`: only from a process running one thread, such as the command)."""
    periods = report_periods(request)
    if workers < 2 or report_window(periods) is None or len(periods) < 2:
        return kpi_table(kpi_records(engine, request), request)
    group_by = GROUPINGS[request.by] if request.by else GroupBy.NONE

    def counter(connection: Connection) -> PartTable:
        def count(part: Sequence[Period]) -> KpiTable:
            window = report_window(part)
            return compute_kpis(records_on(connection, REPORTED_TYPES, window=window), part, group_by)

        return count

    @contextmanager
    def in_child(share: SharedSnapshot) -> Iterator[PartTable]:
        with share.open_in_child() as connection:
            yield counter(connection)

    with shared_snapshot(engine) as share:
        return kpi_table_in_parts(
            periods, workers, counter(share.connection), partial(in_child, share), share.release, group_by
        )


def kpi_records(engine: Engine, request: KpiReportRequest) -> Iterable[RecordBase]:
    """The records the KPI table can count: the reported types only, and (when every KPI dates its
    events by its own record, `compute.report_window`) only those holding a date near its periods.
    The commissioner's report reads everything: its crime tables look past the period."""
    return iter_records(engine, REPORTED_TYPES, window=report_window(report_periods(request)))


def render(table: KpiTable, request: KpiReportRequest) -> str:
    """The table in the requested format, with small counts suppressed as requested."""
    return EXPORTERS[request.format or "csv"](table, request.suppress_below)


def commissioner_files(
    records: Iterable[RecordBase], request: KpiReportRequest, now: datetime
) -> dict[Path, bytes]:
    """The commissioner's report as the files asked for: the PDF at `out`, the CSVs in `tables_dir`."""
    # The PDF stack (reportlab, fonts) only for the commissioner's report: a KPI table's command
    # starts about 0.25 s sooner without it.
    from cars_desktop.documents.fonts import register_fonts
    from cars_desktop.reports.pdf import DEFAULT_TITLE, render_commissioner_pdf

    report = build_commissioner_report(records, request.start, request.end, None, request.suppress_below)
    files: dict[Path, bytes] = {}
    if request.format == "pdf" and request.out is not None:
        pdf = render_commissioner_pdf(report, title=DEFAULT_TITLE, generated_at=now, fonts=register_fonts())
        files[request.out] = pdf
    if request.tables_dir is not None:
        for name, text in commissioner_csvs(report).items():
            files[request.tables_dir / name] = text.encode("utf-8")
    return files


def run_kpi_report(
    engine: Engine, request: KpiReportRequest, actor: str, now: datetime, workers: int = 1
) -> str:
    """Compute and render the report, log it, and write its files if asked; returns the KPI table's
    text (empty for the commissioner's report, which is only ever written to files). The KPI table
    is counted in up to `workers` processes (`kpi_table_of`)."""
    request.check()
    if request.commissioner:
        text, files = "", commissioner_files(iter_records(engine), request, now)
    else:
        text = render(kpi_table_of(engine, request, workers), request)
        files = {request.out: text.encode("utf-8")} if request.out is not None else {}
    written: list[Path] = []
    with Session(engine) as session:
        try:
            if request.tables_dir is not None:
                make_folder(request.tables_dir)
            for path, data in files.items():
                write_new_file(path, data)
                written.append(path)
            write_audit(
                session, actor=actor, operation=REPORT_OPERATION, detail=request.audit_detail(), at=now
            )
            session.commit()
        except Exception as exc:
            for path in written:
                path.unlink(missing_ok=True)
            if isinstance(exc, ReportFileError):
                raise ReportError(exc.message) from None
            raise
    return text
