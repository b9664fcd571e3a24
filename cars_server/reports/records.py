"""Streaming the server's current records into protocol records, for reports.

The server stores each record's current revision as the JSON the workstation sent (`records.body`),
so a report reads exactly what a workstation that pulled everything would hold. Live and tombstoned
records are both returned, as stored: the KPI code decides what a deleted or merged record counts
for, in one place, for the server and the workstation alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Engine, select

from cars_desktop.reports.facts import may_count_in
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
    report over it are skipped before they are parsed (`facts.may_count_in`): for one year out of
    five that is most of the work.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    query = select(RecordRow.id, RecordRow.record_type, RecordRow.body).order_by(
        RecordRow.record_type, RecordRow.id
    )
    if record_types is not None:
        query = query.where(RecordRow.record_type.in_(list(record_types)))
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=batch).execute(query)
        for record_id, record_type, body in result:
            if may_count_in(record_type, body, window):
                yield _parse(record_id, record_type, body)


def _parse(record_id: str, record_type: str, body: str) -> RecordBase:
    """One stored body as its record; a body that does not validate is named by id, not quoted."""
    try:
        return record_from_json(record_type, body)
    except ValueError:  # pydantic's ValidationError is a ValueError
        raise UnreadableRecord(
            f"stored record {record_id} ({record_type}) cannot be read; nothing was reported"
        ) from None
