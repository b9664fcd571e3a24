"""Reading stored records' JSON for reports, unparsed: all of them, or a report's months.

A year's KPI report over years of casework is bound by how many stored records are decrypted and
turned into validated records. `iter_report_bodies` reads only those the report index
(`report_months`) holds under the report's months, and `people_bodies` the people they need; the
caller (`cars_desktop.reports.facts.parse_indexed`) parses them. `iter_current_bodies` reads every
current record (the commissioner's report, whose crime tables look beyond its period).
`RecordRepository.iter_all` sorts by type and id and parses everything, which exports need.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from cars_desktop.domain.report_months import ALWAYS, StoredRow
from cars_desktop.storage.sql_lists import chunks, placeholders

#: Rows fetched per call into SQLCipher: large enough to be quick, small enough to keep memory flat.
DEFAULT_BATCH = 2000


def iter_current_bodies(
    session: Session, record_types: Sequence[str] | None = None, batch: int = DEFAULT_BATCH
) -> Iterator[StoredRow]:
    """(id, record_type, body) of every current revision (live or tombstoned), in storage order.

    No ORDER BY: a report does not depend on the order, and sorting years of bodies costs SQLite
    a temporary b-tree. NOT INDEXED: the reported types are most of the table, and reading it
    through the (record_type, updated_at) index jumps about the encrypted file page by page (five
    years of regional casework: 4.2 s, against 1.8 s for one pass in storage order). Runs on the
    session's connection, so inside its transaction.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    query = "SELECT id, record_type, body FROM records NOT INDEXED"
    parameters: tuple[str, ...] = ()
    if record_types is not None:
        types = list(dict.fromkeys(record_types))
        if not types:
            return
        query += f" WHERE record_type IN ({placeholders(len(types))})"
        parameters = tuple(types)
    result = session.connection().exec_driver_sql(query, parameters)
    try:
        while rows := result.fetchmany(batch):
            yield from ((row[0], row[1], row[2]) for row in rows)
    finally:
        result.close()


def iter_report_bodies(
    session: Session, record_types: Sequence[str], months: tuple[int, int]
) -> Iterator[StoredRow]:
    """(id, record_type, body) of each record of `record_types` the report index holds under a
    month from `months[0]` to `months[1]` (`DateWindow.month_keys`), and every deleted or merged
    person (indexed under `ALWAYS`), each once, in storage order.

    The index gives the records' rowids without touching the table (the id index covers them);
    sorted, they are read in one forward pass over the pages that hold them, instead of jumping
    about the encrypted file in id order. Rowids are used only inside this read's transaction.
    """
    types = list(dict.fromkeys(record_types))
    if not types:
        return
    conn = session.connection()
    rowids = _indexed_rowids(conn, months, types)
    if "person" in types:
        rowids |= _indexed_rowids(conn, (ALWAYS, ALWAYS), ["person"])
    yield from _rows_by_rowid(conn, sorted(rowids))


def people_bodies(session: Session, person_ids: Collection[str]) -> Iterator[StoredRow]:
    """(id, record_type, body) of the stored people with these ids, in storage order.

    The ids are looked up in the id index alone (a test on the record type there would make
    SQLite walk every stored person for each chunk of ids); the type is checked on the rows read.
    """
    conn = session.connection()
    rowids: list[int] = []
    for chunk in chunks(sorted(person_ids)):
        query = f"SELECT rowid FROM records WHERE id IN ({placeholders(len(chunk))})"  # noqa: S608
        rowids.extend(row[0] for row in conn.exec_driver_sql(query, tuple(chunk)))
    yield from (row for row in _rows_by_rowid(conn, sorted(rowids)) if row[1] == "person")


def _indexed_rowids(conn: Connection, months: tuple[int, int], types: Sequence[str]) -> set[int]:
    """The rowids of the records of `types` indexed under a month in `months` (ends included).

    Written as `id IN (subquery)`: SQLite then collects the distinct ids first and looks them up
    in one ordered pass over the id index (a join probed it once per index row, in month order:
    two to four times slower over five years of casework).
    """
    marks = placeholders(len(types))  # only placeholders are formatted into the SQL
    query = (
        "SELECT rowid FROM records WHERE id IN (SELECT record_id FROM report_months"  # noqa: S608
        f" WHERE month BETWEEN ? AND ? AND record_type IN ({marks}))"
    )
    return {row[0] for row in conn.exec_driver_sql(query, (*months, *types))}


def _rows_by_rowid(conn: Connection, rowids: Sequence[int]) -> Iterable[StoredRow]:
    for chunk in chunks(rowids):
        rows = conn.exec_driver_sql(
            f"SELECT id, record_type, body FROM records WHERE rowid IN ({placeholders(len(chunk))})",  # noqa: S608
            tuple(chunk),
        )
        yield from ((row[0], row[1], row[2]) for row in rows)
