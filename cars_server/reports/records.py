"""Streaming the server's current records into protocol records, for reports.

The server stores each record's current revision as the JSON the workstation sent (`records.body`),
so a report reads exactly what a workstation that pulled everything would hold. Live and tombstoned
records are both returned, as stored: the KPI code decides what a deleted or merged record counts
for, in one place, for the server and the workstation alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Engine, func, or_, select

from cars_desktop.reports.facts import parse_reported
from cars_desktop.reports.periods import DateWindow
from cars_protocol.records import RecordBase, record_from_json
from cars_server.errors import CarsServerError
from cars_server.storage.tables import RecordRow

#: Rows fetched per round trip: large enough to be quick, small enough to keep memory flat.
DEFAULT_BATCH = 1000


class UnreadableRecord(CarsServerError):
    """A stored record body no longer parses as its record type (names the id, never the content)."""


def iter_records(
    engine: Engine,
    record_types: Sequence[str] | None = None,
    batch: int = DEFAULT_BATCH,
    window: DateWindow | None = None,
) -> Iterator[RecordBase]:
    """Every current record (optionally of `record_types`), in a stable order, `batch` rows at a time.

    One read-only transaction, so a push committed meanwhile is either wholly in the report or not.
    With a `window` (`cars_desktop.reports.compute.report_window`), records that cannot change a
    report over it are skipped before they are parsed (`facts.parse_reported`: people then come
    last, and only those the counted records need): for one year out of five that is most of the work.
    The order is then the database's: a report does not depend on it, and sorting years of bodies
    would cost the database a sort on disk.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    query = select(RecordRow.id, RecordRow.record_type, RecordRow.body)
    if window is None:
        query = query.order_by(RecordRow.record_type, RecordRow.id)
    elif engine.dialect.name == "postgresql":
        # The same test as facts.may_count_in, in the database, so skipped rows never travel.
        # (Not on SQLite: its instr() and LIKE are slower than the test in Python.)
        query = query.where(
            or_(
                RecordRow.record_type == "person",
                *(func.strpos(RecordRow.body, prefix) > 0 for prefix in window.month_prefixes),
            )
        )
    if record_types is not None:
        query = query.where(RecordRow.record_type.in_(list(record_types)))
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=batch).execute(query)
        rows = (row for part in result.tuples().partitions() for row in part)
        yield from parse_reported(rows, window, _parse)


def _parse(record_id: str, record_type: str, body: str) -> RecordBase:
    """One stored body as its record; a body that does not validate is named by id, not quoted."""
    try:
        return record_from_json(record_type, body)
    except ValueError:  # pydantic's ValidationError is a ValueError
        raise UnreadableRecord(
            f"stored record {record_id} ({record_type}) cannot be read; nothing was reported"
        ) from None
