"""Which months a stored record holds a date in: the key of the report index on both stores.

A year's KPI report over five years of casework must not read (decrypt, fetch, parse) the four
years it does not count. Both stores therefore keep, beside each record, a row per calendar month
whose date the record's JSON holds ("report months"), written in the same transaction as the body,
and a report reads only the records indexed under its months (`cars_desktop.reports.periods.
DateWindow.month_keys`). This module is the one rule both the workstation's store and the central
server apply, so the two select the same records by construction.

Every date or time a KPI reads starts a JSON string: typed fields ("2026-04-01T09:30:00Z") and
form answers ("2026-04-01") alike, so `"YYYY-MM-` marks a month the record may count in. Some
marks are not report dates (a date of birth in an answer); they only add index rows, never lose a
record. People are the exception: a live person is read only when a counted record is about them
(fetched by id), while every deleted or merged person is read by every report (merges decide whom
a record counts for), so a tombstoned person is indexed under `ALWAYS`.
"""

from __future__ import annotations

import re
from datetime import date

StoredRow = tuple[str, str, str]
"""A stored record as a report reads it, unparsed: (record id, record type, JSON body)."""

#: The key under which a record every report must read is indexed (no real month has it).
ALWAYS = -1

#: How a stored record that is neither deleted nor merged says so ("tombstone" is a top-level
#: field; inside a JSON string its quotes would be escaped, so text cannot imitate it).
LIVE_MARK = '"tombstone":null'

_MONTH_MARK = re.compile(r'"(\d{4})-(\d{2})-')


def month_key(day: date) -> int:
    """The month of `day` as one ordered integer (months since the year 0), as stored."""
    return day.year * 12 + day.month - 1


def report_months(record_type: str, body: str) -> frozenset[int]:
    """The index keys for one stored record (its JSON body as stored, unparsed).

    Any other record: the key of every month a JSON string in it starts with (`"YYYY-MM-`).
    A person: `ALWAYS` when deleted or merged, otherwise none (live people are fetched by id).
    """
    if record_type == "person":
        return frozenset() if LIVE_MARK in body else frozenset((ALWAYS,))
    keys = set()
    for year, month in _MONTH_MARK.findall(body):
        number = int(month)
        if 1 <= number <= 12:
            keys.add(int(year) * 12 + number - 1)
    return frozenset(keys)
