"""The change feed: every record's current revision, in the order the server committed it.

A workstation pulls "everything after my cursor" and stores the cursor of the last item it
applied. That is only safe if a record can never appear *below* a cursor someone has already
read past. A database sequence or autoincrement cannot promise that: its value is taken when the
row is written, not when the transaction commits, so with concurrent writers on PostgreSQL
transaction A may take seq 10, transaction B seq 11, B commits first, a workstation pulls and
stores cursor 11, and A's record (10) is then skipped for ever.

So the feed position is handed out at commit time instead:

* a writing transaction leaves `records.feed_seq` NULL on every row it touches (the feed skips
  NULLs, and other readers still see the previous committed version of the row anyway);
* as its very last statement before commit it runs `stamp_feed`, which takes the row lock on the
  single `feed_head` row (`UPDATE feed_head SET seq = seq + n ... RETURNING seq`) and stamps the
  touched records with the block of n consecutive numbers it just reserved;
* on PostgreSQL that row lock is held until commit, so the next writer's `stamp_feed` waits until
  this transaction's rows are committed and visible, and only then gets higher numbers. Numbers
  are therefore handed out in commit order: no reader can see seq N+1 committed while N is still
  in flight. On SQLite writers are serialised by the database lock, which gives the same order.

The cost is that writers serialise on that one row for the short moment between their stamp and
their commit, which is why stamping is the last statement of every writing transaction.

`read_feed` is one SELECT (one snapshot), so a page is always consistent.

The window is about people, not single records: with a window, a record is in scope when the
server received it within the window *or* its person is active (some record of the same person,
the Person record included, was received within the window). An old Person record therefore
travels with the assessment that arrived today, and the rule holds on every page, not only the
first, so paging with any limit delivers the same set. `received_at` (the server's clock) decides,
never a workstation's `updated_at`: a workstation that was offline for a week still pushes "new"
records, and a wrong PC clock must not hide or flood anything.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Select,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import aliased

from cars_protocol.sync import MAX_PULL_LIMIT, ErrorCode, FeedItem, Problem, PullResponse
from cars_server.storage.tables import RecordRow
from cars_server.sync.caller import Caller
from cars_server.sync.errors import ChangesRefused

#: The same table again, for the "is this person active" subquery.
_ACTIVE = aliased(RecordRow, name="active")
_TAKE_FEED_BLOCK = text("UPDATE feed_head SET seq = seq + :n WHERE id = 1 RETURNING seq")


@dataclass(frozen=True, slots=True)
class FeedScope:
    """Which records a workstation is sent."""

    site_codes: frozenset[str] | None  # None = every site of the service
    # With a window: only records received since then, or of a person with such a record.
    active_since: datetime | None = None


def scope_for(caller: Caller, now: datetime, window_days: int) -> FeedScope:
    """The feed scope of a workstation: service-wide for now, limited to people active in the window.

    Service-wide, because a court duty worker must see yesterday's custody assessment from another
    block and people move between sites; narrowing by site later only changes this function.
    """
    del caller  # every caller currently gets the service-wide scope
    since = now.astimezone(UTC) - timedelta(days=window_days) if window_days > 0 else None
    return FeedScope(site_codes=None, active_since=since)


def stamp_feed(connection: Connection, record_ids: Iterable[str]) -> int | None:
    """Give the touched records the next feed positions; must be the last statement before commit.

    Takes the `feed_head` row lock (held until commit on PostgreSQL), reserves one number per
    distinct record and stamps them in the order given. Returns the highest number stamped, or
    None when nothing was touched (then no lock is taken at all).
    """
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        return None
    head = connection.execute(_TAKE_FEED_BLOCK, {"n": len(ids)}).scalar_one()
    first = int(head) - len(ids) + 1
    connection.execute(
        update(RecordRow).where(RecordRow.id == bindparam("b_id")).values(feed_seq=bindparam("b_seq")),
        [{"b_id": record_id, "b_seq": first + offset} for offset, record_id in enumerate(ids)],
    )
    return int(head)


def in_window(since: datetime) -> ColumnElement[bool]:
    """Records received since `since`, or of a person some record of whom was received since then.

    "Active" is asked as the person's latest receipt time, `(SELECT max(received_at) ... WHERE
    person_id = <this row's>) >= since`: one backward probe of `ix_records_person_received`
    (person_id, received_at) per candidate row, so a page costs what it scans from the cursor and
    a pull near the head of the feed stays cheap however many people are active. Two other shapes
    were measured and dropped (100k records, 25k in a 90-day window): an uncorrelated "active
    people" IN-subquery is computed whole for every page (75-100 ms a page even near the head),
    and PostgreSQL turns a correlated EXISTS into the same hashed set because it does not count
    on the LIMIT. A record without a person (none today, but the column is nullable) is in the
    window only by its own `received_at`.
    """
    since = since.astimezone(UTC)
    latest_of_person = (
        select(func.max(_ACTIVE.received_at))
        .where(_ACTIVE.person_id == RecordRow.person_id)
        .scalar_subquery()
    )
    return or_(RecordRow.received_at >= since, latest_of_person >= since)


def read_feed(engine: Engine, scope: FeedScope, cursor: int, limit: int) -> PullResponse:
    """One page of the feed after `cursor`: at most `limit` records in scope, in commit order.

    With `active_since` only records in the window of active people (`in_window`) are sent, on
    every page alike. The returned cursor is the last seq on the page (the input cursor if the page
    is empty); `more` says whether the feed holds more in scope beyond it. A single SELECT, so the
    page is one consistent snapshot.
    """
    if cursor < 0 or not 1 <= limit <= MAX_PULL_LIMIT:
        raise ChangesRefused(
            ErrorCode.INVALID_REQUEST,
            f"The cursor must be 0 or more and the limit between 1 and {MAX_PULL_LIMIT}.",
            [Problem(location="cursor" if cursor < 0 else "limit", message="out of range")],
        )
    query = feed_query(scope).where(RecordRow.feed_seq > cursor).order_by(RecordRow.feed_seq).limit(limit + 1)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    page = rows[:limit]
    items = [feed_item(row) for row in page]
    return PullResponse(items=items, cursor=items[-1].seq if items else cursor, more=len(rows) > limit)


def feed_query(scope: FeedScope) -> Select[int | None, str, str, str, bool]:
    """The columns of a feed item, from stamped records in `scope` (no cursor, order or limit)."""
    query = select(
        RecordRow.feed_seq,
        RecordRow.record_type,
        RecordRow.change_id,
        RecordRow.body,
        RecordRow.conflicted,
    ).where(RecordRow.feed_seq.is_not(None))
    if scope.site_codes is not None:
        query = query.where(RecordRow.site_code.in_(sorted(scope.site_codes)))
    if scope.active_since is not None:
        query = query.where(in_window(scope.active_since))
    return query


def feed_item(row: Row[int | None, str, str, str, bool]) -> FeedItem:
    """One row of `feed_query` as it travels."""
    return FeedItem(
        seq=int(row.feed_seq or 0),
        record_type=row.record_type,
        change_id=uuid.UUID(row.change_id),
        record=json.loads(row.body),
        conflicted=bool(row.conflicted),
    )
