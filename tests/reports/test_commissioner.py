"""The commissioner's report: which period it is compared with, its tables, funnel and CSVs.

Expected values are the casebook's, reasoned by hand in test_kpis.EXPECTED (not by the same query);
suppression is checked on every cell that holds a figure.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

import pytest

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.reports.commissioner import (
    CommissionerReport,
    build_commissioner_report,
    change_text,
    commissioner_csvs,
    comparison_lines,
    funnel,
    report_periods,
)
from cars_desktop.reports.kpis import KPI_BY_ID
from cars_desktop.reports.periods import PeriodKind
from cars_protocol.records import RecordBase, ReferralOutcome
from tests.reports.casebook import OLDBURY, P1, P2, RECORDS, referral
from tests.reports.test_kpis import EXPECTED

APRIL = (date(2026, 4, 1), date(2026, 4, 30))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _shown(value: float | int | None, kind: str) -> str:
    """How the report words a value, worked out here rather than by the code under test."""
    if value is None:
        return "–"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "median":
        return f"{value:g} day" + ("" if value == 1 else "s")
    return str(value)


@pytest.mark.parametrize(
    ("first", "last", "kind", "before"),
    [
        (date(2026, 3, 1), date(2026, 3, 31), PeriodKind.MONTH, (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2026, 4, 1), date(2026, 6, 30), PeriodKind.QUARTER, (date(2026, 1, 1), date(2026, 3, 31))),
        (
            date(2026, 4, 1),
            date(2027, 3, 31),
            PeriodKind.FINANCIAL_YEAR,
            (date(2025, 4, 1), date(2026, 3, 31)),
        ),
        (date(2026, 3, 23), date(2026, 3, 29), PeriodKind.WEEK, (date(2026, 3, 16), date(2026, 3, 22))),
        (date(2026, 3, 29), date(2026, 3, 29), PeriodKind.DAY, (date(2026, 3, 28), date(2026, 3, 28))),
        (date(2026, 3, 10), date(2026, 4, 9), PeriodKind.DAY, (date(2026, 2, 7), date(2026, 3, 9))),
    ],
)
def test_the_previous_period(first: date, last: date, kind: PeriodKind, before: tuple[date, date]) -> None:
    now, previous = report_periods(first, last)
    assert (now.start, now.end, now.kind) == (first, last, kind)
    assert (previous.start, previous.end) == before


def test_dates_the_wrong_way_round_are_refused() -> None:
    with pytest.raises(InvalidInput, match="before its first"):
        build_commissioner_report(RECORDS, date(2026, 4, 30), date(2026, 4, 1))
    with pytest.raises(InvalidInput, match="2 or more"):
        build_commissioner_report(RECORDS, *APRIL, suppress_below=1)


def test_april_against_march_matches_the_casebook_read_once() -> None:
    def once() -> Iterator[RecordBase]:
        yield from RECORDS  # a one-shot iterator: a second read would see nothing

    report = build_commissioner_report(once(), *APRIL, suppress_below=None)
    assert report.current_period.label == "April 2026"
    assert report.previous_period.label == "March 2026"
    assert [p.label for p in report.monthly.periods] == ["April 2026"]
    lines = {line.kpi.kpi_id: line for line in comparison_lines(report) if line.category is None}
    for kpi_id, (in_march, in_april) in EXPECTED.items():
        kind = KPI_BY_ID[kpi_id].kind
        assert lines[kpi_id].text("current") == _shown(in_april, kind), kpi_id
        assert lines[kpi_id].text("previous") == _shown(in_march, kind), kpi_id
        assert report.monthly.row(kpi_id, report.monthly.periods[0]).value == pytest.approx(in_april)
    assert lines["referrals_into_treatment"].change == "+2"  # 4 against 2
    assert lines["naloxone_kits_supplied"].change == "-1"  # 1 against 2
    assert lines["transfer_into_treatment"].change == "-75.0 pts"  # 25% against 100%
    assert lines["transfer_into_treatment"].basis("current") == "1 of 4"
    assert lines["median_days_to_treatment"].basis("current") == "over 2"
    categories = [(line.kpi.kpi_id, line.label, line.text("current")) for line in comparison_lines(report)]
    assert ("referrals_not_converted", "Did not attend the appointment", "1") in categories
    assert ("onward_referrals", "MARAC", "0") in categories  # seen in March only


def test_funnel_stages_and_conversions() -> None:
    report = build_commissioner_report(RECORDS, *APRIL, suppress_below=None)
    stages = funnel(report, report.current)
    # Engaged P1, P2, P5, P6; assessed P1, P2, P5; referrals R1, R3, R4, R5; R1 entered.
    assert [(s.label, s.count, s.conversion) for s in stages] == [
        ("People engaged", 4, ""),
        ("People assessed", 3, "75.0%"),
        ("Referrals into treatment", 4, "133.3%"),
        ("Referrals that entered treatment", 1, "25.0%"),
    ]
    suppressed = build_commissioner_report(RECORDS, *APRIL)
    assert [(s.count, s.conversion) for s in funnel(suppressed, suppressed.current)] == [
        ("<5", ""),
        ("<5", "suppressed"),
        ("<5", "suppressed"),
        ("<5", "suppressed"),
    ]


def _busy_april() -> list[RecordBase]:
    """The casebook plus seven referrals in April (four entered treatment): some figures reach 5."""
    extra: list[RecordBase] = [
        referral(P1 if n % 2 else P2, OLDBURY, "w.one", f"2026-04-{10 + n:02d}T10:00",
                 outcome=ReferralOutcome.ENTERED_TREATMENT if n < 4 else ReferralOutcome.PENDING,
                 entered_treatment_on=date(2026, 4, 20 + n) if n < 4 else None)
        for n in range(7)
    ]  # fmt: skip
    return [*RECORDS, *extra]


SMALL = re.compile(r"^[1-4]$|(^|\D)[1-4] of |of [1-4]$|^over [1-4]$")


def test_csvs_one_per_table_and_no_small_number_escapes() -> None:
    report = build_commissioner_report(_busy_april(), *APRIL)
    files = commissioner_csvs(report)
    assert set(files) == {
        "kpis.csv", "monthly_trend.csv", "funnel.csv", "definitions.csv",
        # the crime-impact tables (crime.py) ride along with the commissioner's report
        "offences_by_main_substance.csv", "offences_by_audit_band.csv",
        "rearrest.csv", "crime_definitions.csv",
    }  # fmt: skip
    kpis = {(r["kpi_id"], r["category"]): r for r in _rows(files["kpis.csv"])}
    assert kpis[("referrals_into_treatment", "")]["value"] == "11"
    assert kpis[("entries_into_treatment", "")]["value"] == "6"  # R1, R2 and four more
    assert kpis[("referrals_into_treatment", "")]["previous_value"] == "<5"
    assert kpis[("referrals_into_treatment", "")]["change"] == ""  # never worked out from "<5"
    assert kpis[("transfer_into_treatment", "")]["value"] == "45.5%"  # 5 of 11
    assert kpis[("transfer_into_treatment", "")]["built_on"] == "5 of 11"
    assert kpis[("statutory_share", "")]["value"] == "suppressed"
    figures = [
        *(r[c] for r in kpis.values() for c in ("value", "built_on", "previous_value", "previous_built_on")),
        *(r["count"] for r in _rows(files["funnel.csv"])),
        *(v for r in _rows(files["monthly_trend.csv"]) for k, v in r.items() if k.endswith("2026")),
    ]
    assert "<5" in figures
    assert [f for f in figures if SMALL.search(f)] == []
    unsuppressed = commissioner_csvs(build_commissioner_report(_busy_april(), *APRIL, suppress_below=None))
    assert _rows(unsuppressed["kpis.csv"])[0]["previous_value"] == "1"  # the rule, not the data, hid it
    definitions = {r["kpi_id"]: r for r in _rows(files["definitions.csv"])}
    assert set(definitions) == {k.kpi_id for k in report.current.kpis}
    assert definitions["transfer_into_treatment"]["denominator"] == "Referrals into treatment"


def test_an_empty_period_has_zeros_and_nothing_to_divide() -> None:
    report: CommissionerReport = build_commissioner_report([], *APRIL)
    lines = {line.kpi.kpi_id: line for line in comparison_lines(report)}
    assert lines["referrals_into_treatment"].text("current") == "0"
    assert lines["referrals_into_treatment"].change == "0"
    assert lines["transfer_into_treatment"].text("current") == "–"
    assert [s.conversion for s in funnel(report, report.current)] == ["", "–", "–", "–"]
    assert all(text for text in commissioner_csvs(report).values())


def test_changes_read_plainly() -> None:
    rate, median, count = (
        KPI_BY_ID[k] for k in ("transfer_into_treatment", "median_days_to_treatment", "cases_closed")
    )
    assert change_text(rate, 0.5, 0.5) == "0.0 pts" and change_text(rate, 0.5001, 0.5) == "0.0 pts"
    assert change_text(rate, 0.75, 0.5) == "+25.0 pts" and change_text(rate, "suppressed", 0.5) == ""
    assert change_text(median, 10.0, 7.5) == "+2.5 days" and change_text(median, 7.0, 9.0) == "-2 days"
    assert (
        change_text(count, 5, 12) == "-7"
        and change_text(count, "<5", 12) == ""
        and change_text(count, None, 3) == ""
    )


def test_a_two_month_report_counts_its_months_from_records_read_once() -> None:
    report = build_commissioner_report(
        iter(RECORDS), date(2026, 3, 1), date(2026, 4, 30), suppress_below=None
    )
    march, april = report.monthly.periods
    assert report.previous_period.start == date(2025, 12, 30)  # the 61 days before
    for kpi_id, (in_march, in_april) in EXPECTED.items():
        assert report.monthly.row(kpi_id, march).value == pytest.approx(in_march), kpi_id
        assert report.monthly.row(kpi_id, april).value == pytest.approx(in_april), kpi_id
    assert report.current.row("referrals_into_treatment", report.current_period).value == 6  # 2 + 4
