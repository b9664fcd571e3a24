"""How long parsing stored records takes (`cars_protocol.records.record_from_json`), for issue 7.

Run by hand from the repository root; it prints figures and never asserts on a timing:

    PYTHONPATH=. .venv/bin/python bench/parse_records.py
    PYTHONPATH=. .venv/bin/python bench/parse_records.py --db /tmp/copy.sqlite --profile 25

A year's KPI report parses about 48,600 stored records (the reported types holding a date in
2025 or January to September 2026), and the profile of `bench/reports.py` put 1.6 s of a report
there. This reads those rows once from the reports benchmark's server database (opened read-only,
never changed), then times `record_from_json` over all of them, best of `--runs`, with the cyclic
garbage collector paused as a report pauses it (`reports.compute.paused_gc`), and prints the time
per record by type. `--profile N` adds one cProfile pass and prints its top N functions (the timed
figures are taken without it). To compare with another version of `cars_protocol`, run the
script with that version first on `PYTHONPATH`.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import platform
import pstats
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import pydantic
import pydantic_core

from cars_protocol.records import record_from_json

DEFAULT_DB = Path("bench/.cache/reports-a25000-s1-f2/server.sqlite")
#: The record types a KPI report reads (`cars_desktop.reports.facts.REPORTED_TYPES`).
REPORTED_TYPES = ("person", "assessment", "referral", "naloxone_supply", "action")
#: A body holding one of these holds a date in the report's year (or the next months).
MONTH_MARKS = ('"2025-', '"2026-0')

Row = tuple[str, str]


def read_rows(db: Path, limit: int | None) -> list[Row]:
    """The (record type, body) rows a year's report parses, read once through a read-only handle."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        marks = " OR ".join("instr(body, ?) > 0" for _ in MONTH_MARKS)
        types = ", ".join("?" for _ in REPORTED_TYPES)
        query = f"SELECT record_type, body FROM records WHERE record_type IN ({types}) AND ({marks})"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return list(connection.execute(query, (*REPORTED_TYPES, *MONTH_MARKS)))
    finally:
        connection.close()


def parse_all(rows: Sequence[Row]) -> int:
    """Parse every row as the report's sources do; returns how many were parsed."""
    parsed = 0
    for record_type, body in rows:
        record_from_json(record_type, body)
        parsed += 1
    return parsed


def time_parse(rows: Sequence[Row], runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each of `runs` passes over all rows, collector paused as in a report.

    CPU time of this process is printed beside the wall time because the machine is shared: while
    other work runs, a pass waits for a core and its wall time can double; its CPU time barely moves.
    """
    times: list[tuple[float, float]] = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            parse_all(rows)
            times.append((time.perf_counter() - wall, time.process_time() - cpu))
            gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    return times


def time_by_type(rows: Sequence[Row], runs: int) -> dict[str, tuple[int, float]]:
    """Per record type: (rows, best CPU seconds of `runs` passes over that type's rows)."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    best: dict[str, tuple[int, float]] = {}
    for kind, group in sorted(grouped.items()):
        best[kind] = (len(group), min(cpu for _wall, cpu in time_parse(group, runs)))
    return best


def profile(rows: Sequence[Row], top: int) -> None:
    """One profiled pass; prints the top functions by own time."""
    profiler = cProfile.Profile()
    gc.disable()
    try:
        profiler.runcall(parse_all, rows)
    finally:
        gc.enable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", type=Path, default=DEFAULT_DB, help=f"server SQLite database (default {DEFAULT_DB})"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed passes; the best is printed (default 3)")
    parser.add_argument("--limit", type=int, default=None, help="parse only the first N rows")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="add a cProfile pass, print top N"
    )
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"--db: no database at {args.db} (run bench/reports.py once to build it)")

    rows = read_rows(args.db, args.limit)
    if not rows:
        parser.error(f"--db: {args.db} holds no records of the reported types in 2025/26")
    body_bytes = sum(len(body) for _kind, body in rows)
    counts = Counter(kind for kind, _body in rows).most_common()
    print(
        f"Python {platform.python_version()}, pydantic {pydantic.VERSION}, "
        f"pydantic-core {pydantic_core.__version__}"
    )
    print(f"rows: {len(rows):,} ({body_bytes / 1e6:.1f} MB of JSON) from {args.db}")
    print("by type: " + ", ".join(f"{kind} {count:,}" for kind, count in counts))

    parse_all(rows[:1000])  # warm-up: first use builds nothing, but caches and branch predictors settle
    times = time_parse(rows, args.runs)
    best = min(wall for wall, _cpu in times)
    best_cpu = min(cpu for _wall, cpu in times)
    print(
        f"record_from_json over all rows: best {best:.3f} s of {args.runs} "
        f"({', '.join(f'{wall:.3f}' for wall, _cpu in times)}), {best / len(rows) * 1e6:.1f} us a record; "
        f"CPU best {best_cpu:.3f} s, {best_cpu / len(rows) * 1e6:.1f} us a record"
    )
    print("by type (best CPU time of each):")
    for kind, (count, seconds) in time_by_type(rows, args.runs).items():
        print(f"  {kind:<16} {count:>7,} rows  {seconds:7.3f} s  {seconds / count * 1e6:6.1f} us a record")
    if args.profile:
        profile(rows, args.profile)


if __name__ == "__main__":
    main()
