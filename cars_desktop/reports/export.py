"""CSV and JSON exports of a KPI table, with small-number suppression for readers outside the service.

With `suppress_below=N`, a count from 1 to N-1 is shown as "<N" (zero is not disclosive and is
shown); a rate or median built on a suppressed count is withheld ("suppressed"); and when exactly
one line of a breakdown is suppressed, the next smallest is suppressed too, so it cannot be worked
out from the total.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from cars_desktop.reports.compute import KpiRow, KpiTable
from cars_desktop.reports.kpis import Kpi

SUPPRESSED = "suppressed"
CSV_COLUMNS = (
    "kpi_id",
    "kpi_name",
    "period",
    "period_start",
    "period_end",
    "group",
    "category",
    "value",
    "numerator",
    "denominator",
    "unit",
)

Shown = int | float | str | None


def _small(count: int | None, threshold: int | None) -> bool:
    return threshold is not None and count is not None and 0 < count < threshold


def suppressed_count(count: int | None, threshold: int | None) -> int | str | None:
    return f"<{threshold}" if _small(count, threshold) else count


def suppressed_breakdown(breakdown: dict[str, int], threshold: int | None) -> dict[str, int | str | None]:
    hidden = {k for k, n in breakdown.items() if _small(n, threshold)}
    if len(hidden) == 1:
        rest = sorted((n, k) for k, n in breakdown.items() if k not in hidden and n > 0)
        if rest:
            hidden.add(rest[0][1])
    return {
        k: (SUPPRESSED if k in hidden and not _small(n, threshold) else suppressed_count(n, threshold))
        for k, n in breakdown.items()
    }


def shown_row(kpi: Kpi, row: KpiRow, threshold: int | None) -> dict[str, Any]:
    """A row's values as they may be shown to the export's readers."""
    value: Shown = row.value
    if kpi.kind in ("count", "breakdown"):
        value = suppressed_count(row.value if isinstance(row.value, int) else None, threshold)
    elif _small(row.numerator, threshold) or _small(row.denominator, threshold):
        value = SUPPRESSED
    return {
        "value": value,
        "numerator": suppressed_count(row.numerator, threshold),
        "denominator": suppressed_count(row.denominator, threshold),
        "breakdown": suppressed_breakdown(row.breakdown, threshold) if row.breakdown is not None else None,
    }


def _rows(table: KpiTable, threshold: int | None) -> list[tuple[Kpi, KpiRow, dict[str, Any]]]:
    by_id = {k.kpi_id: k for k in table.kpis}
    return [(by_id[r.kpi_id], r, shown_row(by_id[r.kpi_id], r, threshold)) for r in table.rows]


def csv_cell(value: Shown) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))
    return str(value)


def to_csv(table: KpiTable, suppress_below: int | None = None) -> str:
    """One line per KPI, period and group, then one per breakdown category (category column)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for kpi, row, shown in _rows(table, suppress_below):
        common = [
            kpi.kpi_id,
            kpi.name,
            row.period.label,
            row.period.start.isoformat(),
            row.period.end.isoformat(),
            row.group or "",
        ]
        writer.writerow(
            [
                *common,
                "",
                csv_cell(shown["value"]),
                csv_cell(shown["numerator"]),
                csv_cell(shown["denominator"]),
                kpi.unit,
            ]
        )
        for category, count in (shown["breakdown"] or {}).items():
            writer.writerow([*common, category, csv_cell(count), "", "", kpi.unit])
    return out.getvalue()


def to_json(table: KpiTable, suppress_below: int | None = None) -> str:
    """The definitions and the rows, so a reader has what each number means beside it."""
    document = {
        "suppress_below": suppress_below,
        "group_by": table.group_by.value,
        "periods": [
            {"label": p.label, "kind": p.kind.value, "start": p.start.isoformat(), "end": p.end.isoformat()}
            for p in table.periods
        ],
        "kpis": [
            {
                "kpi_id": k.kpi_id,
                "name": k.name,
                "definition": k.definition,
                "kind": k.kind,
                "numerator": k.numerator,
                "denominator": k.denominator,
                "unit": k.unit,
            }
            for k in table.kpis
        ],
        "rows": [
            {
                "kpi_id": row.kpi_id,
                "period": row.period.label,
                "period_start": row.period.start.isoformat(),
                "period_end": row.period.end.isoformat(),
                "group": row.group,
                **shown,
            }
            for _kpi, row, shown in _rows(table, suppress_below)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
