"""A KPI table counted in parts, in forked processes (`reports.parts`), equals one counted in one pass.

The casebook's boundary cases (BST changes, month ends, merges, amendments) are counted by day, by
week and by month, split at every possible place, and joined; a real child process counts its part
and sends the rows back. A child that fails or never starts costs time only: its part is counted
in the parent, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from cars_desktop.reports import parts
from cars_desktop.reports.compute import GroupBy, KpiTable, compute_kpis, join_tables
from cars_desktop.reports.parts import PartTable, kpi_table_in_parts, split_periods
from cars_desktop.reports.periods import Period, PeriodKind, periods_between
from cars_desktop.reports.workers import MOST_WORKERS, workers_argument
from tests.reports.casebook import RECORDS

FIRST, LAST = date(2026, 2, 20), date(2026, 4, 30)


def test_split_periods_gives_consecutive_runs_of_about_equal_days() -> None:
    days = periods_between(FIRST, LAST, PeriodKind.DAY)
    for wanted in (1, 2, 3, 7, len(days), len(days) + 5):
        runs = split_periods(days, wanted)
        assert len(runs) == min(wanted, len(days))
        assert [p for run in runs for p in run] == days
        assert all(runs)
        sizes = [len(run) for run in runs]
        assert max(sizes) - min(sizes) <= 1, sizes
    months = periods_between(date(2025, 4, 1), date(2026, 3, 31), PeriodKind.MONTH)
    first, second = split_periods(months, 2)
    assert (first[0].start, first[-1].end) == (date(2025, 4, 1), date(2025, 9, 30))
    assert (second[0].start, second[-1].end) == (date(2025, 10, 1), date(2026, 3, 31))
    assert split_periods(months[:1], 2) == [tuple(months[:1])]


@pytest.mark.parametrize("kind", [PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH])
@pytest.mark.parametrize("group_by", list(GroupBy))
def test_tables_of_consecutive_parts_join_into_the_whole_table(kind: PeriodKind, group_by: GroupBy) -> None:
    periods = periods_between(FIRST, LAST, kind)
    whole = compute_kpis(RECORDS, periods, group_by)
    assert any(row.value for row in whole.rows), "the casebook counted for nothing"
    # Every cut of weeks and months; days cut about every week, and either side of the clocks
    # going forward and of the month end.
    edges = {i for i, p in enumerate(periods) if p.start in (date(2026, 3, 29), date(2026, 4, 1))}
    cuts = set(range(1, len(periods), 7 if kind is PeriodKind.DAY else 1)) | edges | {e + 1 for e in edges}
    for cut in sorted(cuts):
        halves = [compute_kpis(RECORDS, run, group_by) for run in (periods[:cut], periods[cut:])]
        assert join_tables(halves) == whole, (kind, group_by, cut)


def test_join_refuses_tables_that_do_not_fit_together() -> None:
    periods = periods_between(FIRST, LAST, PeriodKind.MONTH)
    table = compute_kpis(RECORDS, periods)
    with pytest.raises(ValueError, match="overlap"):
        join_tables([table, table])
    with pytest.raises(ValueError, match="same KPIs and grouping"):
        join_tables([table, compute_kpis(RECORDS, periods, GroupBy.SITE)])
    with pytest.raises(ValueError, match="no tables"):
        join_tables([])


class CountingStore:
    """Counts parts over the casebook and notes which process counted each (in a file, as a forked
    child shares no memory with the test)."""

    def __init__(self, folder: Path, group_by: GroupBy, fail_in_child: bool = False, hang: bool = False):
        self.log = folder / "counted-by"
        self.group_by = group_by
        self.fail_in_child = fail_in_child
        self.hang = hang

    def part_table(self, periods: Sequence[Period]) -> KpiTable:
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {periods[0].start}\n")
        return compute_kpis(RECORDS, periods, self.group_by)

    @contextmanager
    def open_in_child(self) -> Iterator[PartTable]:
        if self.fail_in_child:
            raise RuntimeError("the store could not be opened")
        if self.hang:
            threading.Event().wait(30)
        yield self.part_table

    def counted_by(self) -> dict[str, int]:
        """The first day of each part counted, by the process that counted it."""
        lines = self.log.read_text(encoding="utf-8").split()
        return {start: int(pid) for pid, start in zip(lines[::2], lines[1::2], strict=True)}


@pytest.fixture(autouse=True)
def one_thread(only_thread: None) -> None:
    """Parts are only counted in other processes from a process running one thread (forking
    otherwise may copy a lock another thread holds); these tests must see that case."""


@pytest.mark.parametrize("group_by", [GroupBy.NONE, GroupBy.SITE])
def test_a_child_process_counts_the_second_part(tmp_path: Path, group_by: GroupBy) -> None:
    periods = periods_between(FIRST, LAST, PeriodKind.WEEK)
    store = CountingStore(tmp_path, group_by)
    released: list[bool] = []
    table = kpi_table_in_parts(
        periods, 2, store.part_table, store.open_in_child, lambda: released.append(True), group_by
    )
    assert table == compute_kpis(RECORDS, periods, group_by)
    assert released == [True]
    counted = store.counted_by()
    first, second = split_periods(periods, 2)
    assert counted[str(first[0].start)] == os.getpid()
    assert counted[str(second[0].start)] != os.getpid(), "the second part was not counted in a child"


def test_a_part_whose_process_fails_is_counted_here(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    periods = periods_between(FIRST, LAST, PeriodKind.MONTH)
    store = CountingStore(tmp_path, GroupBy.NONE, fail_in_child=True)
    table = kpi_table_in_parts(periods, 2, store.part_table, store.open_in_child)
    assert table == compute_kpis(RECORDS, periods)
    assert set(store.counted_by().values()) == {os.getpid()}
    assert "counting it here" in caplog.text and "RuntimeError" in caplog.text
    assert "could not be opened" not in caplog.text  # kinds of error only: messages may hold data


def test_a_part_whose_process_does_not_start_in_time_is_counted_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parts, "READY_TIMEOUT_S", 0.5)
    periods = periods_between(FIRST, LAST, PeriodKind.MONTH)
    store = CountingStore(tmp_path, GroupBy.NONE, hang=True)
    released: list[bool] = []
    table = kpi_table_in_parts(
        periods, 2, store.part_table, store.open_in_child, lambda: released.append(True)
    )
    assert table == compute_kpis(RECORDS, periods)
    assert released == [True]
    assert set(store.counted_by().values()) == {os.getpid()}


def test_a_process_running_other_threads_counts_in_one_pass(tmp_path: Path) -> None:
    periods = periods_between(FIRST, LAST, PeriodKind.MONTH)
    store = CountingStore(tmp_path, GroupBy.NONE)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        table = kpi_table_in_parts(periods, 2, store.part_table, store.open_in_child)
    finally:
        stop.set()
        other.join()
    assert table == compute_kpis(RECORDS, periods)
    assert store.counted_by() == {str(FIRST): os.getpid()}


def test_one_worker_or_one_period_is_one_pass(tmp_path: Path) -> None:
    store = CountingStore(tmp_path, GroupBy.NONE)
    months = periods_between(FIRST, LAST, PeriodKind.MONTH)
    assert kpi_table_in_parts(months, 1, store.part_table, store.open_in_child) == compute_kpis(
        RECORDS, months
    )
    year = periods_between(date(2025, 4, 1), date(2026, 3, 31), PeriodKind.FINANCIAL_YEAR)
    assert kpi_table_in_parts(year, 2, store.part_table, store.open_in_child) == compute_kpis(RECORDS, year)
    assert set(store.counted_by().values()) == {os.getpid()}


def test_the_workers_option_takes_a_small_whole_number() -> None:
    assert workers_argument("1") == 1
    assert workers_argument(str(MOST_WORKERS)) == MOST_WORKERS
    for bad, message in (("0", "from 1 to"), ("99", "from 1 to"), ("two", "not a whole number")):
        with pytest.raises(Exception, match=message):
            workers_argument(bad)


def test_a_failure_here_stops_the_child_and_is_raised(tmp_path: Path) -> None:
    periods = periods_between(FIRST, LAST, PeriodKind.MONTH)
    store = CountingStore(tmp_path, GroupBy.NONE)
    parent = os.getpid()

    def failing_here(part: Sequence[Period]) -> KpiTable:
        if os.getpid() == parent:
            raise LookupError("a stored record cannot be read")
        return store.part_table(part)

    def slow(part: Sequence[Period]) -> KpiTable:
        threading.Event().wait(30)  # still counting when the parent fails
        return store.part_table(part)

    @contextmanager
    def in_child() -> Iterator[PartTable]:
        yield slow

    with pytest.raises(LookupError, match="cannot be read"):
        kpi_table_in_parts(periods, 2, failing_here, in_child)
    assert multiprocessing.active_children() == []
