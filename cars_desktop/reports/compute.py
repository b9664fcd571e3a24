"""Tally the KPIs' events into periods and groups: the one computation behind every report.

`compute_kpis` takes plain records, so the workstation (from its store) and the server (from its
database) get the same numbers from the same records by construction.
"""

from __future__ import annotations

import gc
import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from cars_desktop.reports.events import Event
from cars_desktop.reports.facts import Facts
from cars_desktop.reports.kpis import KPIS, Kpi
from cars_desktop.reports.periods import DateWindow, Period, PeriodIndex
from cars_protocol.records import RecordBase


class GroupBy(StrEnum):
    NONE = "none"
    SITE = "site"
    LOCAL_AUTHORITY = "la"
    WORKER = "worker"


@dataclass(frozen=True)
class KpiRow:
    """One KPI for one period and group (None when not grouped)."""

    kpi_id: str
    period: Period
    group: str | None
    value: int | float | None
    numerator: int | None
    denominator: int | None
    breakdown: dict[str, int] | None


@dataclass(frozen=True)
class KpiTable:
    """Every KPI for every period and group, with the definitions that produced it."""

    rows: tuple[KpiRow, ...]
    periods: tuple[Period, ...] = ()
    groups: tuple[str | None, ...] = (None,)
    group_by: GroupBy = GroupBy.NONE
    kpis: tuple[Kpi, ...] = KPIS
    _index: dict[tuple[str, Period, str | None], KpiRow] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._index.update({(r.kpi_id, r.period, r.group): r for r in self.rows})

    def row(self, kpi_id: str, period: Period, group: str | None = None) -> KpiRow:
        """The row for one KPI, period and group (KeyError if the table has none)."""
        return self._index[(kpi_id, period, group)]


Cell = tuple[Period, str | None]


def report_window(periods: Sequence[Period], kpis: Sequence[Kpi] = KPIS) -> DateWindow | None:
    """The dates outside which a stored record cannot change this report, or None when any KPI
    may look beyond its own record's dates (then every record must be read).

    Sources pass it to `facts.may_count_in` / `facts.parse_reported` to skip, before parsing,
    records that hold no date in it: five years of records, one year reported, is most of the cost.
    Each KPI says whether it allows this (`Kpi.self_dated`, off unless set where it is defined).
    """
    if not all(kpi.self_dated for kpi in kpis):
        return None
    return DateWindow.around(periods)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a report reads and tallies its records.

    A report keeps tens of thousands of parsed records (each a tree of small objects) alive until
    it is done, and the collector, run every few hundred allocations, walks all of them again and
    again: over five years of regional casework that was about 2 s of a 5 s report. Nothing a
    report makes needs the collector (reference counting frees what it drops; any cycles are
    collected once it is resumed). The pause is process-wide, so it lasts only for the report; a
    collector already paused by someone else is left paused.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _group_of(event: Event, group_by: GroupBy, facts: Facts) -> str | None:
    if group_by is GroupBy.SITE:
        return event.record.site_code
    if group_by is GroupBy.WORKER:
        return event.record.author
    if group_by is GroupBy.LOCAL_AUTHORITY:
        return facts.local_authority_of(event.person_id)
    return None


def _placed(
    events: Iterable[Event], index: PeriodIndex, group_by: GroupBy, facts: Facts
) -> Iterable[tuple[Cell, Event]]:
    for event in events:
        period = index.find(event.day)
        if period is not None:
            yield (period, _group_of(event, group_by, facts)), event


def _tally(kpi: Kpi, facts: Facts, index: PeriodIndex, group_by: GroupBy) -> dict[Cell, KpiRow]:
    """Rows for the cells that have any event; cells without become zero rows later."""
    cells: dict[Cell, list[Event]] = defaultdict(list)
    for cell, event in _placed(kpi.events(facts), index, group_by, facts):
        cells[cell].append(event)
    if kpi.kind == "rate":
        assert kpi.over is not None
        return _rates(kpi, cells, facts, index, group_by)
    rows: dict[Cell, KpiRow] = {}
    for (period, group), events in cells.items():
        rows[(period, group)] = _row(kpi, period, group, events)
    return rows


def _row(kpi: Kpi, period: Period, group: str | None, events: list[Event]) -> KpiRow:
    if kpi.kind == "median":
        amounts = [e.amount for e in events if e.amount is not None]
        value = statistics.median(amounts) if amounts else None
        return KpiRow(kpi.kpi_id, period, group, value, len(amounts), None, None)
    total = sum(e.weight for e in events)
    breakdown: dict[str, int] | None = None
    if kpi.kind == "breakdown":
        breakdown = defaultdict(int)
        for e in events:
            breakdown[e.category or "not_recorded"] += e.weight
        breakdown = dict(sorted(breakdown.items()))
    return KpiRow(kpi.kpi_id, period, group, total, None, None, breakdown)


def _rates(
    kpi: Kpi, cells: dict[Cell, list[Event]], facts: Facts, index: PeriodIndex, group_by: GroupBy
) -> dict[Cell, KpiRow]:
    """Distinct denominator things per cell; the numerator is those of them with a numerator event
    anywhere in the same period (so a kit supplied at another site still counts for the person)."""
    assert kpi.over is not None
    hits: dict[Period, set[Hashable]] = defaultdict(set)
    for (period, _group), events in cells.items():
        hits[period].update(e.key for e in events)
    over: dict[Cell, set[Hashable]] = defaultdict(set)
    for cell, event in _placed(kpi.over(facts), index, group_by, facts):
        over[cell].add(event.key)
    rows: dict[Cell, KpiRow] = {}
    for (period, group), keys in over.items():
        numerator = len(keys & hits[period])
        rows[(period, group)] = KpiRow(
            kpi.kpi_id, period, group, numerator / len(keys), numerator, len(keys), None
        )
    return rows


def _empty(kpi: Kpi, period: Period, group: str | None) -> KpiRow:
    if kpi.kind == "rate":
        return KpiRow(kpi.kpi_id, period, group, None, 0, 0, None)
    if kpi.kind == "median":
        return KpiRow(kpi.kpi_id, period, group, None, 0, None, None)
    breakdown: dict[str, int] | None = {} if kpi.kind == "breakdown" else None
    return KpiRow(kpi.kpi_id, period, group, 0, None, None, breakdown)


def compute_kpis(
    records: Iterable[RecordBase],
    periods: Sequence[Period],
    group_by: GroupBy = GroupBy.NONE,
    sites: frozenset[str] | None = None,
    kpis: Sequence[Kpi] = KPIS,
) -> KpiTable:
    """Every KPI for every period (and group), from plain records.

    Only live records count, each at its newest revision; casework outside `sites` (when given) is
    left out. With a grouping, every group seen in any KPI gets a row for every KPI and period
    (zero, or None for a rate with nothing to divide by), so tables line up. The records are read
    (and a lazy source's rows fetched and parsed) with the collector paused (`paused_gc`).
    """
    with paused_gc():
        facts = Facts.from_records(records, sites)
        index = PeriodIndex(periods)
        tallies = {kpi.kpi_id: _tally(kpi, facts, index, group_by) for kpi in kpis}
    if group_by is GroupBy.NONE:
        groups: tuple[str | None, ...] = (None,)
    else:
        seen = {group for rows in tallies.values() for (_p, group) in rows if group is not None}
        groups = tuple(sorted(seen))
    rows = tuple(
        tallies[kpi.kpi_id].get((period, group)) or _empty(kpi, period, group)
        for kpi in kpis
        for period in index.periods
        for group in groups
    )
    return KpiTable(rows, index.periods, groups, group_by, tuple(kpis))
