"""Push ingest: apply a workstation's batch of changes in one transaction, never twice, never lost.

Order of work inside the transaction (`apply_in`, then `stamp_feed`):

1. every change is validated first (`validation.check_batch`, then the site and type rules that
   need the database); one bad change refuses the whole batch and nothing is stored;
2. changes already applied (by change id, in `applied_changes`) get their stored receipt again
   with status DUPLICATE and are not applied again;
3. the rest are applied in order: a new record is inserted; a change based on the server's current
   revision (same change id and revision) becomes the next revision; a concurrent change merges
   automatically when `merge.three_way_merge` allows it, and otherwise is kept as a conflict
   beside the server's revision (the record is flagged, its revision unchanged);
4. the workstation's reported queue state is recorded, every receipt is stored;
5. the touched records are stamped into the feed as the last statement (see `feed`).

Concurrent pushes on PostgreSQL lock each record row (SELECT ... FOR UPDATE) before deciding, so
two edits of one record are ordered; a race on a unique key or a deadlock between two batches
rolls the whole batch back, and it is simply run again (the retry then sees the winner's rows).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from cars_protocol.sync import (
    ErrorCode,
    Problem,
    PushRequest,
    PushResponse,
    Receipt,
    ReceiptStatus,
)
from cars_server.storage.tables import (
    AppliedChangeRow,
    ConflictRow,
    RecordRevisionRow,
    RecordRow,
    WorkstationRow,
)
from cars_server.sync.caller import Caller
from cars_server.sync.clock import as_utc, maybe_utc
from cars_server.sync.errors import ChangesRefused
from cars_server.sync.feed import scope_for, stamp_feed
from cars_server.sync.history import insert_revision, person_id_of
from cars_server.sync.merge import three_way_merge
from cars_server.sync.validation import CheckedChange, check_batch, dump_body

#: Times a batch is run again after a unique-key race, a deadlock or a busy SQLite database.
ATTEMPTS = 5
#: PostgreSQL SQLSTATEs that mean "run the transaction again": serialization failure, deadlock.
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})


@dataclass(slots=True)
class Applied:
    """What `apply_in` did: the response to send and the record ids `stamp_feed` must stamp."""

    response: PushResponse
    touched: list[str] = field(default_factory=list)


def apply_push(engine: Engine, caller: Caller, request: PushRequest, now: datetime) -> PushResponse:
    """Apply a batch in one transaction and return a receipt per change, in the batch's order.

    Raises `ChangesRefused` (nothing stored) when any change is invalid or outside the caller's
    sites, or, as UNAVAILABLE, when the database stayed too busy to take the batch.
    """
    now = as_utc(now)
    checked = check_batch(request)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                applied = apply_in(connection, caller, request, now, checked)
                stamp_feed(connection, applied.touched)
            return applied.response
        except (IntegrityError, OperationalError) as exc:
            if not _worth_retrying(exc):
                raise
            if attempt == ATTEMPTS:
                raise ChangesRefused(
                    ErrorCode.UNAVAILABLE,
                    "The server is busy with other pushes; nothing was stored, try again shortly.",
                    [],
                ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _worth_retrying(exc: IntegrityError | OperationalError) -> bool:
    """A unique-key race, a deadlock, a serialization failure or a locked SQLite file."""
    if isinstance(exc, IntegrityError):
        return True
    original = exc.orig
    if getattr(original, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)


def apply_in(
    connection: Connection,
    caller: Caller,
    request: PushRequest,
    now: datetime,
    checked: list[CheckedChange] | None = None,
) -> Applied:
    """Apply a batch on an open transaction, without stamping the feed or committing.

    The caller must run `stamp_feed(connection, applied.touched)` as the last statement and then
    commit; `apply_push` does exactly that. Split out so tests can hold a transaction open
    between the writes and the stamp.
    """
    now = as_utc(now)
    if checked is None:
        checked = check_batch(request)
    receipts = _stored_receipts(connection, [str(item.change.change_id) for item in checked])
    fresh = [item for item in checked if str(item.change.change_id) not in receipts]
    _check_against_store(connection, caller, fresh, now)
    applied = Applied(response=PushResponse(receipts=[]))
    out: list[Receipt] = []
    for item in checked:
        change_id = str(item.change.change_id)
        earlier = receipts.get(change_id)
        if earlier is not None:
            out.append(earlier.model_copy(update={"status": ReceiptStatus.DUPLICATE}))
            continue
        receipt, merged_body = _apply_one(connection, caller, item, now)
        connection.execute(
            insert(AppliedChangeRow).values(
                change_id=change_id,
                record_id=str(item.change.record_id),
                workstation_id=caller.workstation_id,
                status=receipt.status.value,
                server_revision=receipt.server_revision,
                server_change_id=str(receipt.server_change_id),
                received_at=now,
                body=merged_body,
            )
        )
        receipts[change_id] = receipt
        applied.touched.append(str(item.change.record_id))
        out.append(receipt)
    connection.execute(
        update(WorkstationRow)
        .where(WorkstationRow.id == caller.workstation_id)
        .values(
            last_contact_at=now,
            pending_count=request.pending_count,
            oldest_pending_at=maybe_utc(request.oldest_pending_at),
        )
    )
    applied.response = PushResponse(receipts=out)
    return applied


def _stored_receipts(connection: Connection, change_ids: list[str]) -> dict[str, Receipt]:
    """Receipts already given for any of these change ids, by change id."""
    if not change_ids:
        return {}
    rows = connection.execute(
        select(AppliedChangeRow).where(AppliedChangeRow.change_id.in_(sorted(set(change_ids))))
    ).all()
    return {
        row.change_id: Receipt(
            change_id=uuid.UUID(row.change_id),
            record_id=uuid.UUID(row.record_id),
            status=ReceiptStatus(row.status),
            server_revision=row.server_revision,
            server_change_id=uuid.UUID(row.server_change_id),
        )
        for row in rows
    }


def _check_against_store(
    connection: Connection, caller: Caller, checked: list[CheckedChange], now: datetime
) -> None:
    """Site and type rules that need the server's records; raise before anything is written.

    A new record must belong to the workstation's own site. A change to a record the server holds
    must keep its type and site, and that site must be one the caller may change (service-wide
    for now). A record first seen in this batch counts as held for the later changes to it.
    """
    if not checked:
        return
    ids = sorted({str(item.change.record_id) for item in checked})
    known: dict[str, tuple[str, str]] = {
        row.id: (row.record_type, row.site_code)
        for row in connection.execute(
            select(RecordRow.id, RecordRow.record_type, RecordRow.site_code).where(RecordRow.id.in_(ids))
        )
    }
    editable = scope_for(caller, now, 0).site_codes
    wrong_site: list[Problem] = []
    invalid: list[Problem] = []
    for item in checked:
        change, site = item.change, item.record.site_code
        prefix = f"changes[{item.index}]"
        held = known.get(str(change.record_id))
        if held is None:
            if change.base_revision == 0 and site != caller.workstation_site:
                wrong_site.append(
                    Problem(
                        location=f"{prefix}.record.site_code",
                        message="a new record must belong to the workstation's own site",
                        change_id=change.change_id,
                    )
                )
            elif editable is not None and site not in editable:
                wrong_site.append(_outside(prefix, change.change_id))
            else:
                known[str(change.record_id)] = (change.record_type, site)
            continue
        held_type, held_site = held
        if held_type != change.record_type:
            invalid.append(
                Problem(
                    location=f"{prefix}.record_type",
                    message="the server holds this record id as another record type",
                    change_id=change.change_id,
                )
            )
        elif site != held_site:
            wrong_site.append(
                Problem(
                    location=f"{prefix}.record.site_code",
                    message="a record's site cannot change",
                    change_id=change.change_id,
                )
            )
        elif editable is not None and held_site not in editable:
            wrong_site.append(_outside(prefix, change.change_id))
    if wrong_site:
        raise ChangesRefused(
            ErrorCode.WRONG_SITE,
            f"{len(wrong_site)} change(s) in the batch belong to another site; nothing was stored.",
            wrong_site + invalid,
        )
    if invalid:
        raise ChangesRefused(
            ErrorCode.INVALID_REQUEST,
            f"{len(invalid)} change(s) in the batch do not match the server's records; nothing was stored.",
            invalid,
        )


def _outside(prefix: str, change_id: uuid.UUID) -> Problem:
    return Problem(
        location=f"{prefix}.record.site_code",
        message="the record belongs to a site this user may not change",
        change_id=change_id,
    )


def _apply_one(
    connection: Connection, caller: Caller, item: CheckedChange, now: datetime
) -> tuple[Receipt, str | None]:
    """Apply one new change; return its receipt and, for a merge, the incoming body to keep."""
    change = item.change
    record_id = str(change.record_id)
    current = connection.execute(
        select(RecordRow.revision, RecordRow.change_id, RecordRow.body)
        .where(RecordRow.id == record_id)
        .with_for_update()
    ).one_or_none()
    if current is None:
        _insert_record(connection, caller, item, now)
        return _receipt(item, ReceiptStatus.APPLIED, change.revision, change.change_id), None
    base_id = None if change.base_change_id is None else str(change.base_change_id)
    if current.change_id == base_id and current.revision == change.base_revision:
        _write_revision(connection, caller, item, item.body, str(change.change_id), now, None)
        return _receipt(item, ReceiptStatus.APPLIED, change.revision, change.change_id), None
    current_body: dict[str, Any] = json.loads(current.body)
    base = None if _on_conflicted_branch(connection, base_id) else _base_body(connection, item)
    if base is not None:
        merged = three_way_merge(change.record_type, base, current_body, item.body)
        if merged is not None:
            merge_id = uuid.uuid4()
            merged["revision"] = current.revision + 1
            sources = [current.change_id, str(change.change_id)]
            _write_revision(connection, caller, item, merged, str(merge_id), now, sources)
            return _receipt(item, ReceiptStatus.MERGED, current.revision + 1, merge_id), item.body_json
    _raise_conflict(connection, caller, item, current.revision, current.change_id, current_body, now)
    return _receipt(item, ReceiptStatus.CONFLICT, current.revision, uuid.UUID(current.change_id)), None


def _receipt(
    item: CheckedChange, status: ReceiptStatus, revision: int, server_change_id: uuid.UUID
) -> Receipt:
    return Receipt(
        change_id=item.change.change_id,
        record_id=item.change.record_id,
        status=status,
        server_revision=revision,
        server_change_id=server_change_id,
    )


def _insert_record(connection: Connection, caller: Caller, item: CheckedChange, now: datetime) -> None:
    """Store a record the server has never seen, at the revision it arrived with."""
    change, record = item.change, item.record
    connection.execute(
        insert(RecordRow).values(
            id=str(change.record_id),
            record_type=change.record_type,
            site_code=record.site_code,
            person_id=person_id_of(change.record_type, item.body),
            revision=change.revision,
            change_id=str(change.change_id),
            body=item.body_json,
            live=record.is_live,
            conflicted=False,
            updated_at=record.updated_at,
            received_at=now,
            feed_seq=None,
        )
    )
    insert_revision(
        connection,
        record_id=str(change.record_id),
        revision=change.revision,
        change_id=str(change.change_id),
        workstation_id=caller.workstation_id,
        saved_by=record.author,
        body_json=item.body_json,
        received_at=now,
    )


def _write_revision(
    connection: Connection,
    caller: Caller,
    item: CheckedChange,
    body: dict[str, Any],
    change_id: str,
    now: datetime,
    merged_from: list[str] | None,
) -> None:
    """Make `body` the record's current revision and add it to the record's history."""
    record_id = str(item.change.record_id)
    body_json = dump_body(body)
    connection.execute(
        update(RecordRow)
        .where(RecordRow.id == record_id)
        .values(
            revision=body["revision"],
            change_id=change_id,
            body=body_json,
            person_id=person_id_of(item.change.record_type, body),
            live=body.get("tombstone") is None,
            updated_at=datetime.fromisoformat(str(body["updated_at"])),
            received_at=now,
            feed_seq=None,
        )
    )
    insert_revision(
        connection,
        record_id=record_id,
        revision=int(body["revision"]),
        change_id=change_id,
        workstation_id=caller.workstation_id,
        saved_by=str(body["author"]),
        body_json=body_json,
        received_at=now,
        merged_from=merged_from,
    )


def _on_conflicted_branch(connection: Connection, base_change_id: str | None) -> bool:
    """True when the change builds on a change that was itself kept as a conflict."""
    if base_change_id is None:
        return False
    found = connection.execute(
        select(ConflictRow.id).where(ConflictRow.incoming_change_id == base_change_id)
    ).first()
    return found is not None


def _base_body(connection: Connection, item: CheckedChange) -> dict[str, Any] | None:
    """The exact revision the incoming change was edited from, if the server knows it.

    Either a revision in the record's history, or a change of this workstation that the server
    merged (kept in `applied_changes.body`): the workstation edits its own copy, not the merge.
    """
    change = item.change
    if change.base_change_id is None:
        return None
    base_id, record_id = str(change.base_change_id), str(change.record_id)
    body = connection.execute(
        select(RecordRevisionRow.body).where(
            RecordRevisionRow.record_id == record_id,
            RecordRevisionRow.change_id == base_id,
            RecordRevisionRow.revision == change.base_revision,
        )
    ).scalar_one_or_none()
    if body is None:
        body = connection.execute(
            select(AppliedChangeRow.body).where(
                AppliedChangeRow.change_id == base_id,
                AppliedChangeRow.record_id == record_id,
                AppliedChangeRow.status == ReceiptStatus.MERGED.value,
            )
        ).scalar_one_or_none()
    if body is None:
        return None
    parsed: dict[str, Any] = json.loads(body)
    return parsed if parsed.get("revision") == change.base_revision else None


def _raise_conflict(
    connection: Connection,
    caller: Caller,
    item: CheckedChange,
    current_revision: int,
    current_change_id: str,
    current_body: dict[str, Any],
    now: datetime,
) -> None:
    """Keep the incoming change beside the server's revision and flag the record conflicted."""
    change = item.change
    connection.execute(
        insert(ConflictRow).values(
            id=str(uuid.uuid4()),
            record_id=str(change.record_id),
            record_type=change.record_type,
            site_code=str(current_body.get("site_code", item.record.site_code)),
            base_revision=change.base_revision,
            base_change_id=None if change.base_change_id is None else str(change.base_change_id),
            current_revision=current_revision,
            current_change_id=current_change_id,
            incoming_change_id=str(change.change_id),
            incoming_revision=change.revision,
            incoming_body=item.body_json,
            incoming_workstation_id=caller.workstation_id,
            incoming_saved_by=item.record.author,
            raised_at=now,
        )
    )
    connection.execute(
        update(RecordRow).where(RecordRow.id == str(change.record_id)).values(conflicted=True, feed_seq=None)
    )
