"""Tally the KPIs' events into periods and groups: the one computation behind every report.

`compute_kpis` takes plain records, so the workstation (from its store) and the server (from its
database) get the same numbers from the same records by construction.
"""

from __future__ import annotations

import gc
import statistics
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from cars_desktop.reports.events import Event, EventSource
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


Cell = tuple[int, str | None]
"""Where an event is tallied: the position of its period among the report's periods, and its group."""


def _grouper(group_by: GroupBy, facts: Facts) -> Callable[[Event], str | None] | None:
    """The group an event counts in under `group_by` (None when not grouped)."""
    if group_by is GroupBy.SITE:
        return lambda event: event.record.site_code
    if group_by is GroupBy.WORKER:
        return lambda event: event.record.author
    if group_by is GroupBy.LOCAL_AUTHORITY:
        return lambda event: facts.local_authority_of_record(event.record)
    return None


class _Placement:
    """A report's events sorted into cells, once per event source.

    Several KPIs count the same events (the people assessed are the numerator of one rate and the
    denominator of two more; referrals are a count and a denominator), so each source's events are
    made and sorted once per report, however many KPIs name it.
    """

    def __init__(self, facts: Facts, index: PeriodIndex, group_by: GroupBy) -> None:
        self._facts = facts
        self._index = index
        self._group_of = _grouper(group_by, facts)
        self._cells: dict[EventSource, dict[Cell, list[Event]]] = {}

    def cells(self, source: EventSource) -> dict[Cell, list[Event]]:
        """The source's events in each cell that has any (events outside every period dropped)."""
        cells = self._cells.get(source)
        if cells is None:
            cells = self._cells[source] = self._place(source(self._facts))
        return cells

    def _place(self, events: Iterable[Event]) -> dict[Cell, list[Event]]:
        position, group_of = self._index.position, self._group_of
        cells: dict[Cell, list[Event]] = defaultdict(list)
        for event in events:
            at = position(event.day)
            if at is not None:
                cells[(at, None if group_of is None else group_of(event))].append(event)
        return cells


def _tally(kpi: Kpi, placement: _Placement, periods: Sequence[Period]) -> dict[Cell, KpiRow]:
    """Rows for the cells that have any event; cells without become zero rows later."""
    if kpi.kind == "rate":
        return _rates(kpi, placement, periods)
    return {
        (at, group): _row(kpi, periods[at], group, events)
        for (at, group), events in placement.cells(kpi.events).items()
    }


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


def _rates(kpi: Kpi, placement: _Placement, periods: Sequence[Period]) -> dict[Cell, KpiRow]:
    """Distinct denominator things per cell; the numerator is those of them with a numerator event
    anywhere in the same period (so a kit supplied at another site still counts for the person)."""
    assert kpi.over is not None
    hits: dict[int, set[Hashable]] = defaultdict(set)
    for (at, _group), events in placement.cells(kpi.events).items():
        hits[at].update(e.key for e in events)
    rows: dict[Cell, KpiRow] = {}
    for (at, group), events in placement.cells(kpi.over).items():
        keys = {e.key for e in events}
        numerator = len(keys & hits[at])
        rows[(at, group)] = KpiRow(
            kpi.kpi_id, periods[at], group, numerator / len(keys), numerator, len(keys), None
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
    (and a lazy source's rows fetched and parsed) with the collector paused (`paused_gc`), and
    their facts dropped before it resumes, so that it does not then walk every record once more.
    """
    with paused_gc():
        return kpi_table(Facts.from_records(records, sites), periods, group_by, kpis)


def kpi_table(
    facts: Facts, periods: Sequence[Period], group_by: GroupBy = GroupBy.NONE, kpis: Sequence[Kpi] = KPIS
) -> KpiTable:
    """`compute_kpis` over facts already built: a report that counts the same records for several
    sets of periods (the commissioner's: the period beside the previous one, then by month) can sort
    them once. What `Facts` remembers does not depend on the periods, so it serves every table."""
    index = PeriodIndex(periods)
    placement = _Placement(facts, index, group_by)
    tallies = {kpi.kpi_id: _tally(kpi, placement, index.periods) for kpi in kpis}
    del placement  # the events: dropped while a caller's collector pause lasts (see compute_kpis)
    if group_by is GroupBy.NONE:
        groups: tuple[str | None, ...] = (None,)
    else:
        seen = {group for rows in tallies.values() for (_at, group) in rows if group is not None}
        groups = tuple(sorted(seen))
    return _filled({kpi.kpi_id: tallies[kpi.kpi_id] for kpi in kpis}, index.periods, groups, group_by, kpis)


def _filled(
    cells: dict[str, dict[Cell, KpiRow]],
    periods: Sequence[Period],
    groups: tuple[str | None, ...],
    group_by: GroupBy,
    kpis: Sequence[Kpi],
) -> KpiTable:
    """The table with a row for every KPI, period and group: the cells' rows, and zero (or no
    value) rows for the cells without one."""
    rows = tuple(
        cells[kpi.kpi_id].get((at, group)) or _empty(kpi, period, group)
        for kpi in kpis
        for at, period in enumerate(periods)
        for group in groups
    )
    return KpiTable(rows, tuple(periods), groups, group_by, tuple(kpis))


def join_tables(parts: Sequence[KpiTable]) -> KpiTable:
    """One table from tables over consecutive runs of periods (a report computed in parts,
    `reports.parts`), as `kpi_table` would have made it over all their periods at once.

    Every cell (KPI, period, group) is counted within its period alone, rates' numerators
    included, so a part's rows are the whole report's rows for its periods; only the groups are
    joined: a group seen in any part gets its zero rows in the others.
    """
    if not parts:
        raise ValueError("no tables to join")
    first = parts[0]
    if any(p.group_by is not first.group_by or p.kpis != first.kpis for p in parts):
        raise ValueError("only tables of the same KPIs and grouping can be joined")
    periods = tuple(period for part in parts for period in part.periods)
    if len(set(periods)) != len(periods):
        raise ValueError("the tables' periods overlap")
    position = {period: at for at, period in enumerate(periods)}
    cells: dict[str, dict[Cell, KpiRow]] = {kpi.kpi_id: {} for kpi in first.kpis}
    for part in parts:
        for row in part.rows:
            cells[row.kpi_id][(position[row.period], row.group)] = row
    if first.group_by is GroupBy.NONE:
        groups: tuple[str | None, ...] = (None,)
    else:
        groups = tuple(sorted({g for part in parts for g in part.groups if g is not None}))
    return _filled(cells, periods, groups, first.group_by, first.kpis)
