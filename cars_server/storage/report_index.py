"""Keep the report index (`report_months`) in step with the records' bodies.

Every statement that writes a `records.body` calls `replace_report_months` for those records in the
same transaction, so a report reading through the index (`cars_server.reports.records`) sees
exactly the records a full read would count. The keys come from `domain.report_months`, the rule
the workstation's store applies too. A deleted `records` row takes its index rows with it (the
foreign key cascades), so no writer has to remember that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, String, Text, any_, bindparam, delete, func, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute

from cars_desktop.domain.report_months import report_months
from cars_server.storage.tables import UUID_LEN, ReportMonthRow

#: Ids per statement matching ids (`id_in`): well under SQLite's bound-parameter limit.
IDS_PER_STATEMENT = 500

#: PostgreSQL: any number of index rows as three array parameters, zipped by unnest().
_INSERT_UNNESTED = text(
    "INSERT INTO report_months (month, record_type, record_id) "
    "SELECT * FROM unnest(CAST(:months AS integer[]), CAST(:types AS text[]), CAST(:ids AS text[]))"
)

#: A list of record ids as one PostgreSQL parameter.
_IDS = ARRAY(String(UUID_LEN))
#: Between ids sent as one text parameter (`id_in`).
_ID_SEPARATOR = ","

_T = TypeVar("_T")


def chunked(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """`items` in consecutive slices of at most `size` (for IN lists and multi-row inserts)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def index_rows(rows: Iterable[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The `report_months` rows for stored records given as (record id, record type, JSON body)."""
    return [
        {"month": month, "record_type": record_type, "record_id": record_id}
        for record_id, record_type, body in rows
        for month in sorted(report_months(record_type, body))
    ]


def id_in(connection: Connection, column: QueryableAttribute[str], ids: Sequence[str]) -> ColumnElement[bool]:
    """`column` is one of `ids` (at most `IDS_PER_STATEMENT` of them on SQLite).

    On PostgreSQL the ids go as one text parameter, split into an array by the server
    (`= ANY(string_to_array(...))`). As an IN list SQLAlchemy renders a parameter per id on every
    statement, which cost more than the statement itself (a year's report fetched 31,000 bodies by
    id in 1.2 s that way); as an array parameter psycopg quotes it id by id, a regular expression
    each (0.25 s of a year's report, for its 48,600 ids). Ids holding the separator (never a
    record id: those are UUIDs) go as an array.
    """
    if connection.dialect.name != "postgresql":
        return column.in_(ids)
    joined = _ID_SEPARATOR.join(ids)
    if joined.count(_ID_SEPARATOR) != len(ids) - 1:
        return column == any_(bindparam("ids", list(ids), type_=_IDS))
    return column == any_(func.string_to_array(bindparam("ids", joined, type_=Text), _ID_SEPARATOR))


def replace_report_months(connection: Connection, rows: Iterable[tuple[str, str, str]]) -> None:
    """Re-index these records (record id, record type, body as now stored) on an open transaction.

    Their old rows are deleted and the new keys inserted: a few multi-row statements however many
    records a push changed. Ids are handled in sorted order, as ingest locks them, so concurrent
    pushes touch index rows in one order. A record given twice is indexed by its last body.
    """
    latest = {record_id: (record_id, record_type, body) for record_id, record_type, body in rows}
    if not latest:
        return
    ids = sorted(latest)
    for part in chunked(ids, IDS_PER_STATEMENT):
        connection.execute(delete(ReportMonthRow).where(id_in(connection, ReportMonthRow.record_id, part)))
    insert_index_rows(connection, index_rows(latest[record_id] for record_id in ids))


def insert_index_rows(connection: Connection, keys: Sequence[dict[str, Any]]) -> None:
    """Insert `report_months` rows: on PostgreSQL as one statement over three arrays.

    Not an executemany there: psycopg runs that as one INSERT per row (pipelined), which made
    indexing five years of records take 47 s; a multi-row VALUES cost as much again in SQLAlchemy
    compiling it. SQLite's executemany prepares the INSERT once and is quick as it is.
    """
    if not keys:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(ReportMonthRow), keys)
        return
    connection.execute(
        _INSERT_UNNESTED,
        {
            "months": [key["month"] for key in keys],
            "types": [key["record_type"] for key in keys],
            "ids": [key["record_id"] for key in keys],
        },
    )
