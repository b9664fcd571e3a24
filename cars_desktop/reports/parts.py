"""A long report computed in parts, one process per part, on a machine with cores to spare.

Why: a year's KPI report spends nearly all its time in Python (reading rows through the driver,
validating about 48,600 records, tallying), under one interpreter lock, so a second core sat
idle while the report took 2.5 to 3.5 s. Every KPI counts each period on its own (a rate's
numerator and denominator are both within the period: `compute._rates`), so the periods can be
split into consecutive runs, each counted from the records its own dates reach (the report index
reads those alone), and the tables joined (`compute.join_tables`): the same rows a single pass
gives, by construction.

How: the calling process forks one child per further part and counts the first part itself. A
child reads on connections of its own (the store hands it `open_in_child`), on the very snapshot
the parent reads: a report stays one consistent state of the data, as when it was one pass
(PostgreSQL exports the parent's snapshot to the child; SQLite holds writers off until every
child has its snapshot). A child sends back its rows only (a few hundred; the KPI definitions hold
functions and stay here), and ends with `os._exit`, never touching what it inherited.

When not: only `fork` shares the parent's imports and unlocked store for free (a fresh
interpreter would spend more on imports than it saves), and forking is only safe from a process
running one thread, so callers ask for parts (`workers`) where that holds: the command-line
reports and the benchmarks. A report that must read everything (`compute.report_window` is
None), or has one period, is one pass. A child that fails or does not start in time costs
nothing but time: its part is counted here instead, and the failure is logged (no content).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from cars_desktop.reports.compute import GroupBy, KpiRow, KpiTable, join_tables
from cars_desktop.reports.kpis import KPIS, Kpi
from cars_desktop.reports.periods import Period

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: How long a child may take to open its snapshot before its part is counted here instead. Writers
#: wait on a SQLite store meanwhile, so this is short; a child normally takes a few milliseconds.
READY_TIMEOUT_S = 10.0
PartTable = Callable[[Sequence[Period]], KpiTable]
"""Counts one part's periods, reading what they need on the snapshot open in this process."""


def split_periods(periods: Sequence[Period], parts: int) -> list[tuple[Period, ...]]:
    """`periods` in at most `parts` consecutive runs of about equal numbers of days (the work of a
    part grows with its days); never an empty run."""
    ordered = tuple(periods)
    parts = max(1, min(parts, len(ordered)))
    total = sum((p.end - p.start).days + 1 for p in ordered)
    runs: list[tuple[Period, ...]] = []
    current: list[Period] = []
    done = 0
    for at, period in enumerate(ordered):
        current.append(period)
        done += (period.end - period.start).days + 1
        left_after = len(ordered) - at - 1
        runs_after = parts - len(runs) - 1
        full = done * parts >= total * (len(runs) + 1)
        if runs_after > 0 and (full or left_after == runs_after) and left_after >= runs_after:
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return runs


@dataclass(eq=False)
class _Child:
    """A part being counted in a forked process."""

    periods: tuple[Period, ...]
    process: Any  # multiprocessing's forked Process (its class is not public)
    receiver: Connection

    def wait_ready(self, timeout: float) -> bool:
        """Whether the child has opened its snapshot; False (logged) when it failed or took too long."""
        try:
            if not self.receiver.poll(timeout):
                log.warning("a report part's process did not start in time; counting it here")
                return False
            answer = self.receiver.recv()
        except (EOFError, OSError):
            answer = ("error", "the process ended without an answer")
        if answer == "ready":
            return True
        _log_failure(answer)
        return False

    def rows(self) -> tuple[tuple[KpiRow, ...], tuple[str | None, ...]] | None:
        """The child's rows and groups, or None when it failed (logged, by kind of error only)."""
        try:
            kind, value = self.receiver.recv()
        except (EOFError, OSError):
            kind, value = "error", "the process ended without an answer"
        finally:
            self.receiver.close()
            self.process.join()
        if kind == "rows":
            rows: tuple[tuple[KpiRow, ...], tuple[str | None, ...]] = value
            return rows
        _log_failure((kind, value))
        return None

    def stop(self) -> None:
        self.receiver.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def _log_failure(answer: object) -> None:
    """A child's failure, by the kind of error only (a message may quote what was being read)."""
    kind = answer[1] if isinstance(answer, tuple) and len(answer) == 2 else "no answer"
    log.warning("a report part failed in its own process (%s); counting it here", kind)


def _run_child(
    sender: Connection,
    periods: tuple[Period, ...],
    open_in_child: Callable[[], AbstractContextManager[PartTable]],
) -> None:
    """In the child: open the shared snapshot, say so, count the part, send its rows."""
    try:
        with open_in_child() as part_table:
            sender.send("ready")
            table = part_table(periods)
        sender.send(("rows", (table.rows, table.groups)))
    except BaseException as exc:
        sender.send(("error", type(exc).__name__))
    finally:
        sender.close()


def _fork(
    periods: tuple[Period, ...], open_in_child: Callable[[], AbstractContextManager[PartTable]]
) -> _Child:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run_child, args=(sender, periods, open_in_child), daemon=True)
    process.start()
    sender.close()
    return _Child(periods, process, receiver)


def kpi_table_in_parts(
    periods: Sequence[Period],
    workers: int,
    part_table: PartTable,
    open_in_child: Callable[[], AbstractContextManager[PartTable]],
    children_ready: Callable[[], None] = lambda: None,
    group_by: GroupBy = GroupBy.NONE,
    kpis: Sequence[Kpi] = KPIS,
) -> KpiTable:
    """The KPI table of `periods`, counted in up to `workers` processes.

    Call it with this process's snapshot open: `part_table` counts periods on it. Each child
    enters `open_in_child()` (connections of its own on the same snapshot) and counts its part
    with the function that gives. `children_ready` is called once every child has its snapshot
    (or has been given up on), before this process counts its own part: a SQLite store lets
    writers go on there.
    """
    runs = split_periods(periods, workers)
    if len(runs) > 1 and threading.active_count() > 1:
        log.info("this process runs other threads, so the report is counted in one pass")
        runs = [tuple(periods)]
    if len(runs) < 2:
        children_ready()
        return part_table(tuple(periods))
    children = [_fork(run, open_in_child) for run in runs[1:]]
    try:
        started = [child for child in children if child.wait_ready(READY_TIMEOUT_S)]
        children_ready()
        for child in children:
            if child not in started:
                child.stop()
        tables = [part_table(runs[0])]
        for child in children:
            answer = child.rows() if child in started else None
            if answer is None:
                tables.append(part_table(child.periods))
            else:
                rows, groups = answer
                tables.append(KpiTable(rows, child.periods, groups, group_by, tuple(kpis)))
    except BaseException:
        for child in children:
            child.stop()
        raise
    return join_tables(tables)


#: In a forked child: the parent's connection pools, kept alive until the child exits.
_INHERITED: list[object] = []


def set_aside_inherited(engine: Engine) -> None:
    """In a forked child, before its first connection: the parent's pooled connections are set
    aside (`Engine.dispose(close=False)`), never used or closed here (closing one would end the
    parent's session on PostgreSQL), and kept referenced until the child exits so that freeing
    them does not close them either. The engine then opens connections of the child's own."""
    _INHERITED.append(engine.pool)
    engine.dispose(close=False)
