"""The commissioner's report: the period against the one before, monthly trends and the funnel.

One place decides what the report shows and how each number reads ("75.0%", "<5", "+3"), so the
PDF (pdf.py) and the CSV of each table say exactly the same thing. Every number shown goes through
the small-number rule of export.shown_row when `suppress_below` is set: a suppressed count never
appears, and neither does a rate, median, change or conversion worked out from one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.reports.compute import KpiTable, kpi_table, paused_gc
from cars_desktop.reports.crime import CrimeTables, crime_tables
from cars_desktop.reports.export import SUPPRESSED, shown_row
from cars_desktop.reports.facts import Facts
from cars_desktop.reports.kpis import KPI_BY_ID, Kpi
from cars_desktop.reports.periods import Period, PeriodKind, natural_bounds, periods_between
from cars_desktop.resources import reference_list
from cars_protocol.records import RecordBase

#: The kinds a report's dates are tried against, largest first, to find "the previous period".
_NATURAL_KINDS = (
    PeriodKind.FINANCIAL_YEAR,
    PeriodKind.QUARTER,
    PeriodKind.MONTH,
    PeriodKind.WEEK,
    PeriodKind.DAY,
)
#: Shown where there is nothing to show (a rate with nothing to divide by, a median of nothing).
NOTHING = "–"
#: Labels of the onward referral types (ActionType values) counted by "onward_referrals".
_ONWARD_LABELS = {
    "liaison_and_diversion": "Liaison and Diversion",
    "marac": "MARAC",
    "safeguarding": "Safeguarding",
    "nrm": "NRM (first responder)",
}
_CATEGORY_LISTS = {"referrals_not_converted": "referral_not_converted_reasons"}

Shown = dict[str, Any]


@dataclass(frozen=True)
class CommissionerReport:
    """Everything the commissioner's report shows, before any number is suppressed."""

    first: date
    last: date
    sites: frozenset[str] | None
    current: KpiTable  # one period, first..last
    previous: KpiTable  # the period of the same length immediately before
    monthly: KpiTable  # calendar months covering first..last (cut to them), for trends
    suppress_below: int | None
    crime: CrimeTables | None = None  # offences by substance and AUDIT band, re-arrest by treatment

    @property
    def current_period(self) -> Period:
        return self.current.periods[0]

    @property
    def previous_period(self) -> Period:
        return self.previous.periods[0]


def report_periods(first: date, last: date) -> tuple[Period, Period]:
    """The report's period and the one before it.

    A whole financial year, quarter, month, week or day is compared with the previous one of the
    same kind (so February follows January even though it is shorter); any other run of dates
    with the same number of days immediately before it.
    """
    if last < first:
        raise InvalidInput("the report's last date is before its first")
    for kind in _NATURAL_KINDS:
        if natural_bounds(first, kind) == (first, last):
            before = natural_bounds(first - timedelta(days=1), kind)
            return Period(kind, first, last), Period(kind, *before)
    days = (last - first).days + 1
    before_last = first - timedelta(days=1)
    return Period(PeriodKind.DAY, first, last), Period(
        PeriodKind.DAY, first - timedelta(days=days), before_last
    )


def _only(table: KpiTable, period: Period) -> KpiTable:
    rows = tuple(r for r in table.rows if r.period == period)
    return KpiTable(rows, (period,), table.groups, table.group_by, table.kpis)


def build_commissioner_report(
    records: Iterable[RecordBase],
    first: date,
    last: date,
    sites: frozenset[str] | None = None,
    suppress_below: int | None = 5,
    as_of: date | None = None,
) -> CommissionerReport:
    """Compute the report's tables from plain records (read once, counted once for a calendar
    month, whose trend is the month itself, else twice: the months overlap the period).

    `as_of` (default today) decides whose re-arrest follow-up window has fully passed.
    """
    if suppress_below is not None and suppress_below < 2:
        raise InvalidInput("the small-number threshold must be 2 or more (or none)")
    current, previous = report_periods(first, last)
    months = periods_between(first, last, PeriodKind.MONTH)
    with paused_gc():  # every record is read and held: see compute.paused_gc
        held = list(records)  # every table must see the same records
        facts = Facts.from_records(held, sites)  # sorted once for both KPI tables
        both = kpi_table(facts, [previous, current])
        # a month's report: its one month is the period itself, already counted
        monthly = _only(both, current) if months == [current] else kpi_table(facts, months)
        del facts
        crime = crime_tables(held, first, last, sites, as_of)
    return CommissionerReport(
        first, last, sites, _only(both, current), _only(both, previous), monthly, suppress_below, crime
    )


# --- how numbers read --------------------------------------------------------------------------


def _number(value: object) -> float | None:
    """The value as a number if it is one that is shown (not suppressed, not missing)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _plain(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def value_text(kpi: Kpi, shown: Shown, empty: str = NOTHING) -> str:
    """A KPI's value as the report prints it: "12", "<5", "75.0%", "11 days", "suppressed"."""
    value = shown["value"]
    if value is None:
        return empty
    if isinstance(value, str):
        return value
    if kpi.kind == "rate":
        return f"{value * 100:.1f}%"
    if kpi.kind == "median":
        return f"{_plain(value)} day" + ("" if value == 1 else "s")
    return str(value)


def basis_text(kpi: Kpi, shown: Shown) -> str:
    """What a rate or median is built on: "3 of 4", "over 2 entries"; empty for counts."""
    if kpi.kind == "rate":
        return f"{shown['numerator']} of {shown['denominator']}"
    if kpi.kind == "median":
        return f"over {shown['numerator']}"
    return ""


def change_text(kpi: Kpi, now: object, before: object) -> str:
    """The change from the previous period, when both values are shown; empty otherwise."""
    a, b = _number(now), _number(before)
    if a is None or b is None:
        return ""
    if kpi.kind == "rate":
        points = f"{(a - b) * 100:+.1f}"
        return ("0.0" if points in ("+0.0", "-0.0") else points) + " pts"
    if kpi.kind == "median":
        return (f"{a - b:+.1f}".removesuffix(".0") if a != b else "0") + " days"
    return f"{int(a - b):+d}" if a != b else "0"


def category_label(kpi_id: str, code: str) -> str:
    """A breakdown line's name in words (the reference list's name where there is one)."""
    if code in _ONWARD_LABELS and kpi_id == "onward_referrals":
        return _ONWARD_LABELS[code]
    list_name = _CATEGORY_LISTS.get(kpi_id)
    if list_name is not None:
        names = {item.code: item.name for item in reference_list(list_name).items}
        if code in names:
            return names[code]
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Line:
    """One line of the KPI table: a KPI, or one category of a breakdown KPI."""

    kpi: Kpi
    category: str | None
    label: str
    current: Shown
    previous: Shown

    def _value(self, shown: Shown) -> object:
        if self.category is None:
            return shown["value"]
        return (shown["breakdown"] or {}).get(self.category, 0)

    def text(self, which: str, empty: str = NOTHING) -> str:
        """The value in "current" or "previous", as printed."""
        shown = self.current if which == "current" else self.previous
        if self.category is not None:
            return str(self._value(shown))
        return value_text(self.kpi, shown, empty)

    def basis(self, which: str) -> str:
        if self.category is not None:
            return ""
        return basis_text(self.kpi, self.current if which == "current" else self.previous)

    @property
    def change(self) -> str:
        return change_text(self.kpi, self._value(self.current), self._value(self.previous))


def _shown(report: CommissionerReport, table: KpiTable, kpi: Kpi) -> Shown:
    return shown_row(kpi, table.row(kpi.kpi_id, table.periods[0]), report.suppress_below)


def comparison_lines(report: CommissionerReport) -> list[Line]:
    """Every KPI (and every category of a breakdown seen in either period), in catalogue order."""
    lines: list[Line] = []
    for kpi in report.current.kpis:
        now, before = _shown(report, report.current, kpi), _shown(report, report.previous, kpi)
        lines.append(Line(kpi, None, kpi.name, now, before))
        if kpi.kind == "breakdown":
            codes = set(now["breakdown"] or {}) | set(before["breakdown"] or {})
            named = sorted((category_label(kpi.kpi_id, c), c) for c in codes)
            lines.extend(Line(kpi, code, label, now, before) for label, code in named)
    return lines


def monthly_shown(report: CommissionerReport, kpi_id: str) -> list[Shown]:
    """One KPI's shown values, month by month (suppressed as the report says)."""
    kpi = KPI_BY_ID[kpi_id]
    table = report.monthly
    return [shown_row(kpi, table.row(kpi_id, p), report.suppress_below) for p in table.periods]


# --- the funnel -----------------------------------------------------------------------------

#: (stage, KPI, "numerator" or "denominator"): each stage is a figure the KPI table already has.
FUNNEL: tuple[tuple[str, str, str], ...] = (
    ("People engaged", "assessment_conversion", "denominator"),
    ("People assessed", "assessment_conversion", "numerator"),
    ("Referrals into treatment", "transfer_into_treatment", "denominator"),
    ("Referrals that entered treatment", "transfer_into_treatment", "numerator"),
)
FUNNEL_NOTE = (
    "People engaged and assessed are distinct people; referrals are referrals made in the period "
    "(a person can have more than one, and a referral can follow an assessment made earlier), and "
    "the last stage counts those of them that entered treatment by the time of the report."
)


@dataclass(frozen=True)
class Stage:
    """One stage of the referral-to-treatment funnel, as shown."""

    label: str
    count: int | str  # a number, or "<5" when suppressed
    conversion: str  # share of the stage before, "" for the first stage


def funnel(report: CommissionerReport, table: KpiTable) -> list[Stage]:
    """The funnel for a one-period table; a conversion is withheld if either count is suppressed."""
    stages: list[Stage] = []
    before: int | str | None = None
    for label, kpi_id, part in FUNNEL:
        shown = _shown(report, table, KPI_BY_ID[kpi_id])
        count = shown[part]
        conversion = ""
        if before is not None:
            if isinstance(count, int) and isinstance(before, int):
                conversion = f"{count / before * 100:.1f}%" if before else NOTHING
            else:
                conversion = SUPPRESSED
        stages.append(Stage(label, count, conversion))
        before = count
    return stages


# --- the CSV of each table ----------------------------------------------------------------------


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _kpis_csv(report: CommissionerReport) -> str:
    now, before = report.current_period.label, report.previous_period.label
    rows = [
        [
            line.kpi.kpi_id,
            line.kpi.name,
            line.category or "",
            line.label if line.category else "",
            now,
            line.text("current", ""),
            line.basis("current"),
            before,
            line.text("previous", ""),
            line.basis("previous"),
            line.change,
        ]
        for line in comparison_lines(report)
    ]
    header = (
        "kpi_id", "kpi_name", "category", "category_name", "period", "value", "built_on",
        "previous_period", "previous_value", "previous_built_on", "change",
    )  # fmt: skip
    return _csv(header, rows)


def _monthly_csv(report: CommissionerReport) -> str:
    months = report.monthly.periods
    rows: list[list[object]] = []
    for kpi in report.monthly.kpis:
        shown = monthly_shown(report, kpi.kpi_id)
        rows.append([kpi.kpi_id, kpi.name, "", *(value_text(kpi, s, "") for s in shown)])
        if kpi.kind == "breakdown":
            codes = sorted({c for s in shown for c in (s["breakdown"] or {})})
            for code in codes:
                values = [(s["breakdown"] or {}).get(code, 0) for s in shown]
                rows.append([kpi.kpi_id, kpi.name, category_label(kpi.kpi_id, code), *values])
    return _csv(["kpi_id", "kpi_name", "category", *(m.label for m in months)], rows)


def _funnel_csv(report: CommissionerReport) -> str:
    rows = [
        [table.periods[0].label, stage.label, stage.count, stage.conversion]
        for table in (report.current, report.previous)
        for stage in funnel(report, table)
    ]
    return _csv(["period", "stage", "count", "share_of_stage_before"], rows)


def _definitions_csv(report: CommissionerReport) -> str:
    rows = [
        [k.kpi_id, k.name, k.kind, k.unit, k.numerator or "", k.denominator or "", k.definition]
        for k in report.current.kpis
    ]
    return _csv(["kpi_id", "kpi_name", "kind", "unit", "numerator", "denominator", "definition"], rows)


def commissioner_csvs(report: CommissionerReport) -> dict[str, str]:
    """File name -> CSV text, one per table of the report, suppressed exactly as the PDF is."""
    files = {
        "kpis.csv": _kpis_csv(report),
        "monthly_trend.csv": _monthly_csv(report),
        "funnel.csv": _funnel_csv(report),
        "definitions.csv": _definitions_csv(report),
    }
    if report.crime is not None:
        files.update(report.crime.to_csvs(report.suppress_below))
    return files
