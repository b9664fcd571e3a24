"""How many processes a report may be counted in (`reports.parts`): the commands' `--workers`.

Kept apart from `parts` so that the command lines can offer the option without importing the
report code (and the record models) before a report is asked for.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os

#: The most parts worth making: past two, each part re-reads the records on its edges and people
#: they share, and the machines this runs on (custody PCs, a small server) have few cores.
MOST_PARTS = 2
#: The most processes anyone may ask for (`--workers`).
MOST_WORKERS = 8


def default_workers() -> int:
    """How many processes a report run from the command line may use: one per core, at most
    `MOST_PARTS`, and one where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(MOST_PARTS, os.cpu_count() or 1))


WORKERS_HELP = (
    f"processes to count the KPI table in, 1 to {MOST_WORKERS} (default: one per core, at most "
    f"{MOST_PARTS}; 1 counts it in a single pass)"
)


def workers_argument(text: str) -> int:
    """`--workers` of the report commands: a whole number from 1 to `MOST_WORKERS`."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= number <= MOST_WORKERS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MOST_WORKERS}, not {number}")
    return number
