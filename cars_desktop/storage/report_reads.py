"""Reading every current record's stored JSON for reports, unparsed and unsorted.

A year's KPI report over years of casework is bound by how many stored records are turned into
validated records; the caller (`cars_desktop.reports.facts.parse_reported`) decides which need it.
`RecordRepository.iter_all` sorts by type and id and parses everything, which exports need.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy.orm import Session

#: Rows fetched per call into SQLCipher: large enough to be quick, small enough to keep memory flat.
DEFAULT_BATCH = 2000


def iter_current_bodies(
    session: Session, record_types: Sequence[str] | None = None, batch: int = DEFAULT_BATCH
) -> Iterator[tuple[str, str, str]]:
    """(id, record_type, body) of every current revision (live or tombstoned), in storage order.

    No ORDER BY: a report does not depend on the order, and sorting years of bodies costs SQLite
    a temporary b-tree. Runs on the session's connection, so inside its transaction.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    query = "SELECT id, record_type, body FROM records"
    parameters: tuple[str, ...] = ()
    if record_types is not None:
        types = list(dict.fromkeys(record_types))
        if not types:
            return
        query += f" WHERE record_type IN ({', '.join('?' for _ in types)})"
        parameters = tuple(types)
    result = session.connection().exec_driver_sql(query, parameters)
    try:
        while rows := result.fetchmany(batch):
            yield from ((row[0], row[1], row[2]) for row in rows)
    finally:
        result.close()
