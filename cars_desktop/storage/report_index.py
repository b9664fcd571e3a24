"""Keeping the report index (`report_months`) in step with the stored records.

Every path that stores a record body (a save, a pulled revision) calls `write_report_months` in
the same transaction, so the index can never disagree with the bodies a report then reads; the
migration that made the table fills it for records stored before (`fill_report_months`). Purging
a record deletes its rows with its other search keys (`retention_repository`).
"""

from __future__ import annotations

from sqlalchemy import Connection

from cars_desktop.domain.report_months import report_months

_DELETE = "DELETE FROM report_months WHERE record_id = ?"
_INSERT = "INSERT INTO report_months (month, record_type, record_id) VALUES (?, ?, ?)"

#: Stored records read per batch while filling the index: memory stays flat on a big store.
_FILL_BATCH = 2000


def write_report_months(conn: Connection, record_id: str, record_type: str, body: str) -> None:
    """Replace one record's index rows with those of the body just stored."""
    conn.exec_driver_sql(_DELETE, (record_id,))
    keys = report_months(record_type, body)
    if keys:
        conn.exec_driver_sql(_INSERT, [(month, record_type, record_id) for month in sorted(keys)])


def fill_report_months(conn: Connection) -> int:
    """Index every stored record (the table must be empty); returns how many rows it wrote.

    Reads by rowid ranges rather than one open cursor, so the inserts never write into a table
    being read.
    """
    written = 0
    last = 0
    while True:
        rows = conn.exec_driver_sql(
            "SELECT rowid, id, record_type, body FROM records WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, _FILL_BATCH),
        ).all()
        if not rows:
            return written
        last = rows[-1][0]
        entries = [
            (month, record_type, record_id)
            for _rowid, record_id, record_type, body in rows
            for month in sorted(report_months(record_type, body))
        ]
        if entries:
            conn.exec_driver_sql(_INSERT, entries)
            written += len(entries)
