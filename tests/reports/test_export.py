"""CSV and JSON shapes, and small-number suppression for exports read outside the service."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from cars_desktop.reports.compute import KpiRow, KpiTable
from cars_desktop.reports.export import CSV_COLUMNS, to_csv, to_json
from cars_desktop.reports.kpis import KPI_BY_ID
from cars_desktop.reports.periods import PeriodKind, periods_between

APRIL = periods_between(date(2026, 4, 1), date(2026, 4, 30), PeriodKind.MONTH)[0]
KPIS = tuple(
    KPI_BY_ID[k] for k in ("referrals_into_treatment", "transfer_into_treatment", "referrals_not_converted")
)
TABLE = KpiTable(
    rows=(
        KpiRow("referrals_into_treatment", APRIL, "OLDBURY", 3, None, None, None),
        KpiRow("referrals_into_treatment", APRIL, "PERRY-BARR", 0, None, None, None),
        KpiRow("transfer_into_treatment", APRIL, "OLDBURY", 2 / 3, 2, 3, None),
        KpiRow("transfer_into_treatment", APRIL, "PERRY-BARR", 0.5, 10, 20, None),
        KpiRow("referrals_not_converted", APRIL, "OLDBURY", 18, None, None, {"a": 2, "b": 7, "c": 9}),
    ),
    periods=(APRIL,),
    kpis=KPIS,
)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_without_suppression() -> None:
    rows = _csv(to_csv(TABLE))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["period"] == "April 2026" and rows[0]["value"] == "3"
    assert rows[2]["value"] == "0.6667" and (rows[2]["numerator"], rows[2]["denominator"]) == ("2", "3")
    lines = [(r["category"], r["value"]) for r in rows if r["kpi_id"] == "referrals_not_converted"]
    assert lines == [("", "18"), ("a", "2"), ("b", "7"), ("c", "9")]


def test_csv_suppresses_small_counts_and_the_rates_built_on_them() -> None:
    rows = _csv(to_csv(TABLE, suppress_below=5))
    assert rows[0]["value"] == "<5"
    assert rows[1]["value"] == "0"  # zero identifies nobody
    assert (rows[2]["value"], rows[2]["numerator"], rows[2]["denominator"]) == ("suppressed", "<5", "<5")
    assert (rows[3]["value"], rows[3]["numerator"]) == ("0.5", "10")
    lines = [(r["category"], r["value"]) for r in rows if r["kpi_id"] == "referrals_not_converted"]
    # "a" alone would be 18 - 7 - 9: the next smallest line is withheld too.
    assert lines == [("", "18"), ("a", "<5"), ("b", "suppressed"), ("c", "9")]


def test_json_carries_definitions_and_suppressed_rows() -> None:
    document = json.loads(to_json(TABLE, suppress_below=5))
    assert document["suppress_below"] == 5
    assert document["periods"] == [
        {"label": "April 2026", "kind": "month", "start": "2026-04-01", "end": "2026-04-30"}
    ]
    assert [k["kpi_id"] for k in document["kpis"]] == [k.kpi_id for k in KPIS]
    assert all(k["definition"] for k in document["kpis"])
    first = document["rows"][0]
    assert (
        first["kpi_id"] == "referrals_into_treatment"
        and first["group"] == "OLDBURY"
        and first["value"] == "<5"
    )
    assert document["rows"][4]["breakdown"] == {"a": "<5", "b": "suppressed", "c": 9}
    plain = json.loads(to_json(TABLE))
    assert plain["rows"][2]["value"] == 2 / 3
