"""How long parsing stored records takes (`cars_protocol.records.record_from_json`), for issue 7.

Run by hand from the repository root; it prints figures and never asserts on a timing:

    PYTHONPATH=. .venv/bin/python bench/parse_records.py
    git show 94e1f1a:cars_protocol/records.py > /tmp/records_before.py
    PYTHONPATH=. .venv/bin/python bench/parse_records.py --baseline /tmp/records_before.py --profile 12

A year's KPI report parses about 48,600 stored records (the reported types holding a date in
2025 or January to September 2026), and the profile of `bench/reports.py` put 1.6 s of a report
there. This reads those rows once from the reports benchmark's server database (`--db`, opened
read-only, never changed), then times `record_from_json` over all of them, best of `--runs`, with
the cyclic garbage collector paused as a report pauses it (`reports.compute.paused_gc`): wall and
CPU time of the whole pass, CPU time by record type, and how many records the fast validator
refused (`fast_parse`: those were validated twice).

On the shared 2-core machine a pass's wall time can double while other work runs, so two versions
timed one after the other cannot be compared. `--baseline FILE` loads another version of
`cars_protocol/records.py` as a module of its own and times both in turns, chunk by chunk (2,000
rows), keeping each chunk's fastest time over `--rounds` rounds: other work can only slow a chunk,
so the sum of the fastest is the figure least disturbed by it. `--profile N` adds one cProfile
pass and prints its top N functions (the timed figures are taken without it).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.util
import platform
import pstats
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import pydantic
import pydantic_core

from cars_desktop.reports.compute import paused_gc  # as a report pauses it
from cars_protocol import records

DEFAULT_DB = Path("bench/.cache/reports-a25000-s1-f2/server.sqlite")
#: The record types a KPI report reads (`cars_desktop.reports.facts.REPORTED_TYPES`).
REPORTED_TYPES = ("person", "assessment", "referral", "naloxone_supply", "action")
#: A body holding one of these holds a date in the report's year (or the next months).
MONTH_MARKS = ('"2025-', '"2026-0')
CHUNK = 2_000

Row = tuple[str, str]
Parse = Callable[[str, str], object]


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


def load_baseline(path: Path) -> Parse:
    """`record_from_json` of another version of records.py, loaded as a module of its own."""
    spec = importlib.util.spec_from_file_location("baseline_records", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"--baseline: cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' annotations through it
    spec.loader.exec_module(module)
    parse: Parse = module.record_from_json
    return parse


def parse_all(parse: Parse, rows: Sequence[Row]) -> int:
    """Parse every row as the report's sources do; returns how many were parsed."""
    parsed = 0
    for record_type, body in rows:
        parse(record_type, body)
        parsed += 1
    return parsed


def time_parse(parse: Parse, rows: Sequence[Row], runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each of `runs` passes over all rows."""
    times: list[tuple[float, float]] = []
    with paused_gc():
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            parse_all(parse, rows)
            times.append((time.perf_counter() - wall, time.process_time() - cpu))
            gc.collect()
    return times


def time_by_type(parse: Parse, rows: Sequence[Row], runs: int) -> dict[str, tuple[int, float]]:
    """Per record type: (rows, best CPU seconds of `runs` passes over that type's rows)."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    best: dict[str, tuple[int, float]] = {}
    for kind, group in sorted(grouped.items()):
        best[kind] = (len(group), min(cpu for _wall, cpu in time_parse(parse, group, runs)))
    return best


def time_in_turns(parsers: dict[str, Parse], rows: Sequence[Row], rounds: int) -> dict[str, float]:
    """Per parser: the sum over chunks of rows of the chunk's fastest pass, parsers taking turns."""
    chunks = [rows[start : start + CHUNK] for start in range(0, len(rows), CHUNK)]
    fastest = {name: [float("inf")] * len(chunks) for name in parsers}
    with paused_gc():
        for _ in range(rounds):
            for name, parse in parsers.items():
                for index, chunk in enumerate(chunks):
                    start = time.perf_counter()
                    parse_all(parse, chunk)
                    fastest[name][index] = min(fastest[name][index], time.perf_counter() - start)
                gc.collect()
    return {name: sum(times) for name, times in fastest.items()}


def profile(parse: Parse, rows: Sequence[Row], top: int) -> None:
    """One profiled pass; prints the top functions by own time."""
    profiler = cProfile.Profile()
    with paused_gc():
        profiler.runcall(parse_all, parse, rows)
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(top)


def fallbacks() -> int:
    """Records the fast validator refused so far (0 when this tree's records.py has no fast path)."""
    record_parser = getattr(records, "record_parser", None)
    if record_parser is None:
        return 0
    return sum(record_parser(kind).fallbacks for kind in REPORTED_TYPES)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", type=Path, default=DEFAULT_DB, help=f"server SQLite database (default {DEFAULT_DB})"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed passes; the best is printed (default 3)")
    parser.add_argument("--limit", type=int, default=None, help="parse only the first N rows")
    parser.add_argument("--baseline", type=Path, help="another records.py to time in turns with this one")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of the turns (default 9)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="add a cProfile pass, print top N"
    )
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"--db: no database at {args.db} (run bench/reports.py once to build it)")
    baseline = load_baseline(args.baseline) if args.baseline else None

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

    parse = records.record_from_json
    parse_all(parse, rows[:1000])  # warm-up: the first record of each type builds its parser
    refused_before = fallbacks()
    times = time_parse(parse, rows, args.runs)
    best = min(wall for wall, _cpu in times)
    best_cpu = min(cpu for _wall, cpu in times)
    print(
        f"record_from_json over all rows: best {best:.3f} s of {args.runs} "
        f"({', '.join(f'{wall:.3f}' for wall, _cpu in times)}), {best / len(rows) * 1e6:.1f} us a record; "
        f"CPU best {best_cpu:.3f} s, {best_cpu / len(rows) * 1e6:.1f} us a record"
    )
    print(f"refused by the fast validator: {(fallbacks() - refused_before) // args.runs:,} a pass")
    print("by type (best CPU time of each):")
    for kind, (count, seconds) in time_by_type(parse, rows, args.runs).items():
        print(f"  {kind:<16} {count:>7,} rows  {seconds:7.3f} s  {seconds / count * 1e6:6.1f} us a record")
    if baseline is not None:
        parse_all(baseline, rows[:1000])
        turns = time_in_turns({"baseline": baseline, "this tree": parse}, rows, args.rounds)
        print(f"in turns with {args.baseline} ({args.rounds} rounds, fastest of each {CHUNK:,}-row chunk):")
        for name, seconds in turns.items():
            print(f"  {name:<10} {seconds:7.3f} s  {seconds / len(rows) * 1e6:6.2f} us a record")
        print(f"  speed-up: {turns['baseline'] / turns['this tree']:.2f}x")
        if args.profile:
            print("profile of the baseline:")
            profile(baseline, rows, args.profile)
    if args.profile:
        print("profile of this tree:")
        profile(parse, rows, args.profile)


if __name__ == "__main__":
    main()
