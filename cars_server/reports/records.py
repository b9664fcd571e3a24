"""Streaming the server's current records into protocol records, for reports.

The server stores each record's current revision as the JSON the workstation sent (`records.body`),
so a report reads exactly what a workstation that pulled everything would hold. Live and tombstoned
records are both returned, as stored: the KPI code decides what a deleted or merged record counts
for, in one place, for the server and the workstation alike.

A report over a window of dates reads through the report index (`report_months`, kept by
`cars_server.storage.report_index`): only the records holding a date in the window's months, every
deleted or merged person, then the live people those records are about. One year out of five is
then a fifth of the bodies, found without reading the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection, Engine, Select, literal_column, select

from cars_desktop.domain.report_months import ALWAYS
from cars_desktop.reports.facts import parse_indexed, parse_reported
from cars_desktop.reports.parts import set_aside_inherited
from cars_desktop.reports.periods import DateWindow
from cars_desktop.reports.read_ahead import read_ahead
from cars_protocol.records import Person, RecordBase, record_from_json
from cars_server.errors import CarsServerError
from cars_server.storage.report_index import chunked, id_in
from cars_server.storage.tables import RecordRow, ReportMonthRow

#: Rows fetched per round trip: large enough to be quick, small enough to keep memory flat.
DEFAULT_BATCH = 1000
#: People fetched by id per statement, after the window's records (SQLite allows
#: 999 bound parameters per statement in older builds).
PEOPLE_PER_QUERY = 500
#: A stored record as a report reads it: (id, type, JSON body).
_BODIES = select(RecordRow.id, RecordRow.record_type, RecordRow.body)


class UnreadableRecord(CarsServerError):
    """A stored record body no longer parses as its record type (names the id, never the content)."""


def iter_records(
    engine: Engine,
    record_types: Sequence[str] | None = None,
    batch: int = DEFAULT_BATCH,
    window: DateWindow | None = None,
) -> Iterator[RecordBase]:
    """Every current record (optionally of `record_types`), `batch` rows at a time.

    One read-only snapshot, so a push committed meanwhile is either wholly in the report or not.
    Without a window: every record, in a stable order (type, id). With a `window`
    (`cars_desktop.reports.compute.report_window`): only what a report over it can count
    (`facts.parse_indexed`): the records the index holds under its months and every deleted or
    merged person, in no particular order, then the live people they need, fetched by id.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    with _snapshot(engine) as connection:
        yield from records_on(connection, record_types, batch, window)


def records_on(
    connection: Connection,
    record_types: Sequence[str] | None = None,
    batch: int = DEFAULT_BATCH,
    window: DateWindow | None = None,
) -> Iterator[RecordBase]:
    """`iter_records` on a connection whose snapshot is already open (`shared_snapshot`)."""
    types = None if record_types is None else list(record_types)
    if window is None:
        query = _BODIES if types is None else _BODIES.where(RecordRow.record_type.in_(types))
        full = query.order_by(RecordRow.record_type, RecordRow.id)
        yield from parse_reported(_stream(connection, full, batch), _parse)
    else:
        indexed = _indexed_rows(connection, types, window, batch)
        if connection.dialect.name == "postgresql":  # the database works in another process
            indexed = read_ahead(indexed)
        people = partial(_people_by_id, connection, types is None or Person.record_type in types)
        yield from parse_indexed(indexed, people, _parse)


def _indexed_rows(
    connection: Connection, types: list[str] | None, window: DateWindow, batch: int
) -> Iterable[tuple[str, str, str]]:
    """The records the index holds under the window's months or `ALWAYS`, of `types`.

    The index is read by its primary key alone (months as an IN list: a range OR'ed with `ALWAYS`
    made PostgreSQL scan the whole table). Then the bodies, by primary key: PostgreSQL gets the ids
    first and fetches `batch` at a time (one array parameter each; a semi-join in one statement
    was planned as a hash join over a scan of every body once a report covers a tenth of them);
    SQLite turns the ids into rowids inside one statement, so the bodies are read in storage order
    (the rowid list is sorted) rather than in the order of the id index.
    """
    low, high = window.month_keys
    months = select(ReportMonthRow.record_id).where(ReportMonthRow.month.in_([ALWAYS, *range(low, high + 1)]))
    if types is not None:
        months = months.where(ReportMonthRow.record_type.in_(types))
    if connection.dialect.name == "sqlite":
        held = RecordRow.__table__.alias("held")
        rowids: Select[int] = (
            select(literal_column("held.rowid")).select_from(held).where(held.c.id.in_(months))
        )
        return _stream(connection, _BODIES.where(literal_column("records.rowid").in_(rowids)), batch)
    ids = sorted(set(connection.execute(months).scalars().all()))  # all(): one fetch, not row by row
    return _by_id(connection, ids, batch)


def _people_by_id(
    connection: Connection, wanted: bool, ids: Collection[str]
) -> Iterator[tuple[str, str, str]]:
    """The stored people with these ids (none if people were not asked for)."""
    if wanted:
        people = _by_id(connection, sorted(ids), PEOPLE_PER_QUERY, Person.record_type)
        yield from read_ahead(people) if connection.dialect.name == "postgresql" else people


def _by_id(
    connection: Connection, ids: Sequence[str], per_query: int, record_type: str | None = None
) -> Iterator[tuple[str, str, str]]:
    """The stored records with these ids (of `record_type` only, if given), `per_query` ids per
    statement: each an index probe of the primary key."""
    for part in chunked(ids, per_query):
        query = _BODIES.where(id_in(connection, RecordRow.id, part))
        if record_type is not None:
            query = query.where(RecordRow.record_type == record_type)
        yield from connection.execute(query).all()  # one fetch: row by row cost 0.4 s a year


def _stream(
    connection: Connection, query: Select[str, str, str], batch: int
) -> Iterable[tuple[str, str, str]]:
    """The query's rows, fetched `batch` at a time (a server-side cursor on PostgreSQL)."""
    # Options on this statement only (`Connection.execution_options` would change the connection).
    result = connection.execute(query, execution_options={"stream_results": True, "yield_per": batch})
    return (row for part in result.partitions() for row in part)


@contextmanager
def _snapshot(engine: Engine, exported: str | None = None) -> Iterator[Connection]:
    """A connection whose reads all see one committed state of the database, and write nothing.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction (READ COMMITTED would give each statement
    its own snapshot), on the `exported` snapshot of another transaction when given. SQLite: an
    explicit BEGIN (the driver opens none before a SELECT) and a read, which takes the WAL read
    snapshot that then lasts until the end.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        ) as connection:
            if exported is not None:
                # A utility statement takes no parameters; the id was checked to be one.
                connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{_snapshot_id(exported)}'")
            yield connection
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("BEGIN")
        try:
            connection.execute(select(RecordRow.id).limit(1)).all()
            yield connection
        finally:
            connection.rollback()


def _snapshot_id(text: str) -> str:
    """A snapshot id as `pg_export_snapshot()` gives it (hex digits and dashes), or ValueError."""
    if not _SNAPSHOT_ID.fullmatch(text):
        raise ValueError("not a PostgreSQL snapshot id")
    return text


@dataclass(frozen=True)
class SharedSnapshot:
    """This process's report connection, and how a forked child reads the same snapshot.

    `release` is called once every child has opened its snapshot: SQLite, which cannot export a
    snapshot, keeps writers waiting until then, so that nothing is committed in between.
    """

    connection: Connection
    open_in_child: Callable[[], AbstractContextManager[Connection]]
    release: Callable[[], None]


@contextmanager
def shared_snapshot(engine: Engine) -> Iterator[SharedSnapshot]:
    """A snapshot open here that forked processes can read too (`cars_desktop.reports.parts`).

    PostgreSQL exports the snapshot (`pg_export_snapshot`), which a child's transaction adopts
    (`SET TRANSACTION SNAPSHOT`). SQLite takes the write lock (BEGIN IMMEDIATE) before opening this
    process's snapshot and keeps it until `release`: a child opening its snapshot meanwhile sees
    the same last commit. Writers wait a few milliseconds, as for any other writer.
    """
    if engine.dialect.name == "postgresql":
        with _snapshot(engine) as connection:
            exported = _snapshot_id(
                str(connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
            )
            yield SharedSnapshot(connection, partial(_in_child, engine, exported), lambda: None)
        return
    with engine.connect() as writers_held:
        writers_held.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            with _snapshot(engine) as connection:
                yield SharedSnapshot(connection, partial(_in_child, engine, None), writers_held.rollback)
        finally:
            writers_held.rollback()


@contextmanager
def _in_child(engine: Engine, exported: str | None) -> Iterator[Connection]:
    """In a forked child: a new connection on the parent's snapshot (`parts.set_aside_inherited`)."""
    set_aside_inherited(engine)
    with _snapshot(engine, exported) as connection:
        yield connection


_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)+")


def _parse(record_id: str, record_type: str, body: str) -> RecordBase:
    """One stored body as its record; a body that does not validate is named by id, not quoted."""
    try:
        return record_from_json(record_type, body)
    except ValueError:  # pydantic's ValidationError is a ValueError
        raise UnreadableRecord(
            f"stored record {record_id} ({record_type}) cannot be read; nothing was reported"
        ) from None
