"""Push ingest: apply a workstation's batch of changes in one transaction, never twice, never lost.

Order of work inside the transaction (`apply_in`, then `stamp_feed`):

1. every change is validated first (`validation.check_batch`, then `site_rules.check_sites`
   against the server's copies, which are read and row-locked in one statement); one bad change
   refuses the whole batch and nothing is stored;
2. changes already applied (by change id, in `applied_changes`) get their stored receipt again
   with status DUPLICATE and are not applied again;
3. the rest are applied in order: a new record is inserted; a change based on the server's current
   revision (same change id and revision) becomes the next revision; a concurrent change merges
   automatically when `merge.three_way_merge` allows it, and otherwise is kept as a conflict
   beside the server's revision (the record is flagged, its revision unchanged); the records
   are written with their report index rows (`storage.report_index`);
4. the workstation's reported queue state is recorded, every receipt is stored;
5. the touched records are stamped into the feed as the last statement (see `feed`).

The decisions are made on an in-memory copy of each record's current state and written in a few
multi-row statements at the end (one INSERT per table, one UPDATE of the changed records), which
is what lets the server keep up with many workstations. Concurrent pushes on PostgreSQL lock the
batch's records (SELECT ... FOR UPDATE, in id order) before deciding, so two edits of one record
are ordered; a race on a unique key or a deadlock rolls the whole batch back, and it is simply
run again (the retry then sees the winner's rows).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from cars_protocol.sync import PushRequest, PushResponse, Receipt, ReceiptStatus
from cars_server.storage.report_index import replace_report_months
from cars_server.storage.tables import (
    AppliedChangeRow,
    Base,
    ConflictRow,
    RecordRevisionRow,
    RecordRow,
    WorkstationRow,
)
from cars_server.sync.caller import Caller
from cars_server.sync.clock import as_utc, maybe_utc
from cars_server.sync.feed import scope_for, stamp_feed
from cars_server.sync.history import person_id_of
from cars_server.sync.merge import three_way_merge
from cars_server.sync.retry import in_retried_transaction
from cars_server.sync.site_rules import check_sites
from cars_server.sync.slots import record_bookings
from cars_server.sync.validation import CheckedChange, check_batch, dump_body

_RECORDS = Base.metadata.tables["records"]
_REVISIONS = Base.metadata.tables["record_revisions"]
_APPLIED = Base.metadata.tables["applied_changes"]
_INSERT_RECORDS = insert(_RECORDS)
_INSERT_REVISIONS = insert(_REVISIONS)
_INSERT_APPLIED = insert(_APPLIED)
_UPDATE_RECORDS = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("b_id"))
    .values(
        revision=bindparam("b_revision"),
        change_id=bindparam("b_change_id"),
        body=bindparam("b_body"),
        person_id=bindparam("b_person_id"),
        live=bindparam("b_live"),
        conflicted=bindparam("b_conflicted"),
        updated_at=bindparam("b_updated_at"),
        received_at=bindparam("b_received_at"),
        feed_seq=None,
    )
)


@dataclass(slots=True)
class Applied:
    """What `apply_in` did: the response to send and the record ids `stamp_feed` must stamp."""

    response: PushResponse
    touched: list[str] = field(default_factory=list)
    appointments: dict[str, str] = field(default_factory=dict)  # id -> body, for `slots`


def apply_push(engine: Engine, caller: Caller, request: PushRequest, now: datetime) -> PushResponse:
    """Apply a batch in one transaction and return a receipt per change, in the batch's order.

    Raises `ChangesRefused` (nothing stored) when any change is invalid or outside the caller's
    sites, or, as UNAVAILABLE, when the database stayed too busy to take the batch.
    """
    now = as_utc(now)
    checked = check_batch(request)

    def work(connection: Connection) -> PushResponse:
        applied = apply_in(connection, caller, request, now, checked)
        stamp_feed(connection, applied.touched)
        record_bookings(connection, applied.appointments, now)  # after the stamp: see slots
        return applied.response

    return in_retried_transaction(
        engine, work, "The server is busy with other pushes; nothing was stored, try again shortly."
    )


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
    batch = _Batch(connection, caller, now, _lock_records(connection, fresh))
    held = {record_id: (state.record_type, state.site_code) for record_id, state in batch.states.items()}
    check_sites(held, caller.workstation_site, scope_for(caller, now, 0).site_codes, fresh)
    out: list[Receipt] = []
    for item in checked:
        change_id = str(item.change.change_id)
        earlier = receipts.get(change_id)
        if earlier is not None:
            out.append(earlier.model_copy(update={"status": ReceiptStatus.DUPLICATE}))
            continue
        receipt = batch.apply(item)
        receipts[change_id] = receipt
        out.append(receipt)
    batch.flush()
    connection.execute(
        update(WorkstationRow)
        .where(WorkstationRow.id == caller.workstation_id)
        .values(
            last_contact_at=now,
            pending_count=request.pending_count,
            oldest_pending_at=maybe_utc(request.oldest_pending_at),
        )
    )
    appointments = {
        record_id: state.body_json
        for record_id, state in batch.states.items()
        if state.dirty and state.record_type == "appointment"
    }
    return Applied(response=PushResponse(receipts=out), touched=batch.touched, appointments=appointments)


def _stored_receipts(connection: Connection, change_ids: list[str]) -> dict[str, Receipt]:
    """Receipts already given for any of these change ids, by change id."""
    if not change_ids:
        return {}
    rows = connection.execute(
        select(
            AppliedChangeRow.change_id,
            AppliedChangeRow.record_id,
            AppliedChangeRow.status,
            AppliedChangeRow.server_revision,
            AppliedChangeRow.server_change_id,
        ).where(AppliedChangeRow.change_id.in_(sorted(set(change_ids))))
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


@dataclass(slots=True)
class _State:
    """The server's current revision of one record as the batch goes along."""

    record_type: str
    site_code: str
    revision: int
    change_id: str
    body: dict[str, Any] | None  # parsed lazily: only concurrent edits need the stored body
    body_json: str
    conflicted: bool
    stored: bool  # the row exists in the database (else it is inserted at flush)
    dirty: bool = False


def _lock_records(connection: Connection, checked: list[CheckedChange]) -> dict[str, _State]:
    """Read and row-lock (PostgreSQL) the server's copies of the batch's records, in id order."""
    ids = sorted({str(item.change.record_id) for item in checked})
    if not ids:
        return {}
    rows = connection.execute(
        select(
            RecordRow.id,
            RecordRow.record_type,
            RecordRow.site_code,
            RecordRow.revision,
            RecordRow.change_id,
            RecordRow.body,
            RecordRow.conflicted,
        )
        .where(RecordRow.id.in_(ids))
        .order_by(RecordRow.id)
        .with_for_update()
    ).all()
    return {
        row.id: _State(
            record_type=row.record_type,
            site_code=row.site_code,
            revision=row.revision,
            change_id=row.change_id,
            body=None,
            body_json=row.body,
            conflicted=bool(row.conflicted),
            stored=True,
        )
        for row in rows
    }


class _Batch:
    """Decides each change against the current state and collects the rows to write."""

    def __init__(
        self, connection: Connection, caller: Caller, now: datetime, states: dict[str, _State]
    ) -> None:
        self.connection, self.caller, self.now = connection, caller, now
        self.states = states
        self.revisions: list[dict[str, Any]] = []
        self.applied: list[dict[str, Any]] = []
        self.touched: list[str] = []

    def apply(self, item: CheckedChange) -> Receipt:
        """Apply one new change; return its receipt."""
        change = item.change
        record_id = str(change.record_id)
        state = self.states.get(record_id)
        base_id = None if change.base_change_id is None else str(change.base_change_id)
        if state is None:
            state = _State(
                record_type=change.record_type,
                site_code=item.record.site_code,
                revision=0,
                change_id="",
                body=None,
                body_json="",
                conflicted=False,
                stored=False,
            )
            self.states[record_id] = state
            self._advance(state, item, item.body, item.body_json, str(change.change_id), None)
            return self._receipt(item, ReceiptStatus.APPLIED, state, None)
        if state.change_id == base_id and state.revision == change.base_revision:
            self._advance(state, item, item.body, item.body_json, str(change.change_id), None)
            return self._receipt(item, ReceiptStatus.APPLIED, state, None)
        # A concurrent edit: the slow path reads history, so write what the batch holds so far.
        self._write_history()
        if state.body is None:
            state.body = json.loads(state.body_json)
        assert state.body is not None
        base = None if self._on_conflicted_branch(base_id) else self._base_body(item)
        if base is not None:
            merged = three_way_merge(change.record_type, base, state.body, item.body)
            if merged is not None:
                merged["revision"] = state.revision + 1
                sources = [state.change_id, str(change.change_id)]
                self._advance(state, item, merged, dump_body(merged), str(uuid.uuid4()), sources)
                return self._receipt(item, ReceiptStatus.MERGED, state, item.body_json)
        self._keep_conflict(item, state)
        return self._receipt(item, ReceiptStatus.CONFLICT, state, None)

    def _advance(
        self,
        state: _State,
        item: CheckedChange,
        body: dict[str, Any],
        body_json: str,
        change_id: str,
        merged_from: list[str] | None,
    ) -> None:
        """Make `body` the record's current revision and queue its history row."""
        state.revision, state.change_id = int(body["revision"]), change_id
        state.body, state.body_json, state.dirty = body, body_json, True
        self.revisions.append(
            {
                "record_id": str(item.change.record_id),
                "revision": state.revision,
                "change_id": change_id,
                "workstation_id": self.caller.workstation_id,
                "saved_by": str(body["author"]),
                "received_at": self.now,
                "body": body_json,
                "merged_from": None if merged_from is None else json.dumps(merged_from),
            }
        )

    def _receipt(
        self, item: CheckedChange, status: ReceiptStatus, state: _State, kept_body: str | None
    ) -> Receipt:
        """The receipt for `item`, queued for `applied_changes` (with the body of a merged change)."""
        receipt = Receipt(
            change_id=item.change.change_id,
            record_id=item.change.record_id,
            status=status,
            server_revision=state.revision,
            server_change_id=uuid.UUID(state.change_id),
        )
        self.applied.append(
            {
                "change_id": str(item.change.change_id),
                "record_id": str(item.change.record_id),
                "workstation_id": self.caller.workstation_id,
                "status": status.value,
                "server_revision": state.revision,
                "server_change_id": state.change_id,
                "received_at": self.now,
                "body": kept_body,
            }
        )
        self.touched.append(str(item.change.record_id))
        return receipt

    def _on_conflicted_branch(self, base_change_id: str | None) -> bool:
        """True when the change builds on a change that was itself kept as a conflict."""
        if base_change_id is None:
            return False
        found = self.connection.execute(
            select(ConflictRow.id).where(ConflictRow.incoming_change_id == base_change_id)
        ).first()
        return found is not None

    def _base_body(self, item: CheckedChange) -> dict[str, Any] | None:
        """The exact revision the incoming change was edited from, if the server knows it.

        Either a revision in the record's history, or a change of this workstation that the
        server merged (kept in `applied_changes.body`): the workstation edits its own copy, not
        the merge.
        """
        change = item.change
        if change.base_change_id is None:
            return None
        base_id, record_id = str(change.base_change_id), str(change.record_id)
        body = self.connection.execute(
            select(RecordRevisionRow.body).where(
                RecordRevisionRow.record_id == record_id,
                RecordRevisionRow.change_id == base_id,
                RecordRevisionRow.revision == change.base_revision,
            )
        ).scalar_one_or_none()
        if body is None:
            body = self.connection.execute(
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

    def _keep_conflict(self, item: CheckedChange, state: _State) -> None:
        """Keep the incoming change beside the server's revision and flag the record conflicted."""
        change = item.change
        self.connection.execute(
            insert(ConflictRow).values(
                id=str(uuid.uuid4()),
                record_id=str(change.record_id),
                record_type=change.record_type,
                site_code=state.site_code,
                base_revision=change.base_revision,
                base_change_id=None if change.base_change_id is None else str(change.base_change_id),
                current_revision=state.revision,
                current_change_id=state.change_id,
                incoming_change_id=str(change.change_id),
                incoming_revision=change.revision,
                incoming_body=item.body_json,
                incoming_workstation_id=self.caller.workstation_id,
                incoming_saved_by=item.record.author,
                raised_at=self.now,
            )
        )
        state.conflicted, state.dirty = True, True

    def _write_history(self) -> None:
        """Write the queued history and receipt rows (records rows are written by `flush`)."""
        if self.revisions:
            self.connection.execute(_INSERT_REVISIONS, self.revisions)
            self.revisions = []
        if self.applied:
            self.connection.execute(_INSERT_APPLIED, self.applied)
            self.applied = []

    def flush(self) -> None:
        """Write every changed record's final state of this batch, its history and the receipts."""
        new_rows, changed_rows = [], []
        for record_id, state in self.states.items():
            if not state.dirty:
                continue
            body = state.body if state.body is not None else json.loads(state.body_json)
            values = {
                "revision": state.revision,
                "change_id": state.change_id,
                "body": state.body_json,
                "person_id": person_id_of(state.record_type, body),
                "live": body.get("tombstone") is None,
                "conflicted": state.conflicted,
                "updated_at": datetime.fromisoformat(str(body["updated_at"])),
                "received_at": self.now,
            }
            if state.stored:
                changed_rows.append(
                    {f"b_{key}": value for key, value in values.items()} | {"b_id": record_id}
                )
            else:
                new_rows.append(
                    values
                    | {
                        "id": record_id,
                        "record_type": state.record_type,
                        "site_code": state.site_code,
                        "feed_seq": None,
                    }
                )
        if new_rows:
            self.connection.execute(_INSERT_RECORDS, new_rows)
        if changed_rows:
            self.connection.execute(_UPDATE_RECORDS, changed_rows)
        replace_report_months(
            self.connection,
            (
                (record_id, state.record_type, state.body_json)
                for record_id, state in self.states.items()
                if state.dirty
            ),
        )
        self._write_history()
