"""Audit-log sync: keep each workstation's signed s.62 log and check its chain as it arrives.

A workstation sends the next entries of its hash-chained, signed log (`POST /v1/audit`). The
server checks every new entry with the same rule the workstation uses
(`cars_desktop.domain.audit_chain.entry_problem`): it must be numbered one past the last head the
server saw, point at that head's hash, hash to its own `entry_hash`, and carry a valid Ed25519
signature by the key the workstation registered at enrolment.

Guarantees:

* **Nothing is dropped.** An entry that fails the check is still stored (with its `problem`), an
  `audit_alerts` row and a server s.62 entry are written in the same transaction, and the reply
  names the problem. The head then moves on to that entry, so one break raises one alert rather
  than one per later push.
* **Retries are harmless.** An entry the server already holds is acknowledged again when its hash
  matches; a *different* entry at a number already held is itself a break (the log was
  rewritten), kept in the alert row because the stored copy must not be replaced.
* **History before enrolment.** A standalone store enrolled later reported its head at enrolment.
  Entries at or below that head which the server has never seen are checked against their
  neighbours where known (and the last against the reported head) and stored.

Pushes from one workstation are serialised by a row lock on its `workstations` row (PostgreSQL);
SQLite serialises writers anyway, and a busy database is retried.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, insert, select, update

from cars_desktop.domain.audit_chain import GENESIS, entry_problem
from cars_protocol.sync import AuditAlert, AuditEntry, AuditPushRequest, AuditPushResponse
from cars_server.storage.tables import (
    USERNAME_LEN,
    AuditAlertRow,
    ServerAuditRow,
    WorkstationAuditRow,
    WorkstationRow,
)
from cars_server.sync.caller import Caller
from cars_server.sync.clock import as_utc
from cars_server.sync.retry import in_retried_transaction

MAX_ALERT_CHARS = 500
#: The s.62 operation recorded when a chain break is found.
CHAIN_BREAK_OPERATION = "audit_chain_break"


@dataclass(frozen=True, slots=True)
class _Held:
    """An entry the server holds (or is about to store in this push): its hash and any problem."""

    entry_hash: str
    problem: str | None


def receive_audit(
    engine: Engine, caller: Caller, request: AuditPushRequest, now: datetime
) -> AuditPushResponse:
    """Check and store a workstation's next audit entries in one transaction.

    Returns how far the server now holds the chain and the first problem found (or re-found, for
    a retried push that carried a flagged entry). Raises `ChangesRefused` (UNAVAILABLE) only if
    the database stayed too busy; nothing is stored then.
    """
    now = as_utc(now)
    return in_retried_transaction(
        engine,
        lambda connection: _receive_in(connection, caller, request.entries, now),
        "The server is busy; the audit entries were not stored, try again shortly.",
    )


def _receive_in(
    connection: Connection, caller: Caller, entries: list[AuditEntry], now: datetime
) -> AuditPushResponse:
    station = connection.execute(
        select(
            WorkstationRow.signing_public_key,
            WorkstationRow.audit_head_seq,
            WorkstationRow.audit_head_digest,
        )
        .where(WorkstationRow.id == caller.workstation_id)
        .with_for_update()
    ).one()
    key = _public_key(station.signing_public_key)
    enrolled_head_seq = int(station.audit_head_seq)
    enrolled_head_digest: str | None = station.audit_head_digest
    held = _held_entries(connection, caller.workstation_id, _neighbours(entries))

    def known_hash(seq: int) -> str | None:
        if seq in held:
            return held[seq].entry_hash
        if seq == 0:
            return GENESIS
        if seq == enrolled_head_seq:
            return enrolled_head_digest
        return None

    head_seq = enrolled_head_seq
    head_hash = known_hash(head_seq)
    rows: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    repeated: str | None = None  # a problem found earlier, reported again to a retried push
    for entry in entries:
        problem: str | None
        earlier = held.get(entry.seq)
        if earlier is not None:
            if earlier.entry_hash == entry.entry_hash:
                repeated = repeated or earlier.problem
                continue
            problem = (
                f"audit log broken at entry {entry.seq}: it differs from the copy the server already "
                "holds (the log was rewritten)"
            )
            alerts.append(_alert(caller, entry.seq, problem, now, entry.model_dump_json()))
            continue
        if entry.seq > head_seq:
            problem = _problem(entry, head_seq + 1, head_hash, key)
            head_seq, head_hash = entry.seq, entry.entry_hash
        else:  # history older than the head the workstation reported at enrolment
            problem = _problem(entry, entry.seq, known_hash(entry.seq - 1), key)
            if (
                problem is None
                and entry.seq == enrolled_head_seq
                and entry.entry_hash != enrolled_head_digest
            ):
                problem = (
                    f"audit log broken at entry {entry.seq}: it is not the entry the workstation "
                    "reported as its head at enrolment"
                )
        held[entry.seq] = _Held(entry.entry_hash, problem)
        rows.append(
            {
                "workstation_id": caller.workstation_id,
                "seq": entry.seq,
                "entry": entry.model_dump_json(),
                "entry_hash": entry.entry_hash,
                "record_id": entry.record_id,
                "received_at": now,
                "problem": problem,
            }
        )
        if problem is not None:
            alerts.append(_alert(caller, entry.seq, problem, now, None))
    if rows:
        connection.execute(insert(WorkstationAuditRow), rows)
    if alerts:
        connection.execute(insert(AuditAlertRow), alerts)
        _log_breaks(connection, caller, alerts, now)
    connection.execute(
        update(WorkstationRow)
        .where(WorkstationRow.id == caller.workstation_id)
        .values(audit_head_seq=head_seq, audit_head_digest=head_hash, last_contact_at=now)
    )
    return AuditPushResponse(accepted_through=head_seq, alert=_summary(alerts) or repeated)


def _neighbours(entries: Iterable[AuditEntry]) -> set[int]:
    """The numbers whose stored hashes the check may need: each entry's own and the one before."""
    seqs: set[int] = set()
    for entry in entries:
        seqs.update((entry.seq, entry.seq - 1))
    return seqs


def _held_entries(connection: Connection, workstation_id: str, seqs: set[int]) -> dict[int, _Held]:
    """The entries among `seqs` the server already holds for this workstation."""
    if not seqs:
        return {}
    rows = connection.execute(
        select(WorkstationAuditRow.seq, WorkstationAuditRow.entry_hash, WorkstationAuditRow.problem).where(
            WorkstationAuditRow.workstation_id == workstation_id,
            WorkstationAuditRow.seq.in_(sorted(seqs)),
        )
    ).all()
    return {int(row.seq): _Held(row.entry_hash, row.problem) for row in rows}


def _public_key(encoded: str) -> Ed25519PublicKey | None:
    """The workstation's registered signing key, or None if what is stored is not one."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return None


def _problem(
    entry: AuditEntry, expected_seq: int, prev_hash: str | None, key: Ed25519PublicKey | None
) -> str | None:
    """Why `entry` cannot follow `prev_hash` at `expected_seq` (None: it can).

    An unknown `prev_hash` (history whose predecessor the server never saw) checks the entry on
    its own: its hash and signature.
    """
    if key is None:
        return (
            f"audit log entry {entry.seq} cannot be verified: the server holds no usable signing key "
            "for this workstation"
        )
    fields: dict[str, Any] = entry.model_dump()
    try:
        fields["signature"] = base64.b64decode(entry.signature, validate=True)
    except (binascii.Error, ValueError):
        fields["signature"] = b""
    return entry_problem(fields, expected_seq, prev_hash if prev_hash is not None else entry.prev_hash, key)


def _alert(caller: Caller, seq: int, problem: str, now: datetime, entry: str | None) -> dict[str, Any]:
    return {
        "workstation_id": caller.workstation_id,
        "at": now,
        "seq": seq,
        "problem": problem[:MAX_ALERT_CHARS],
        "entry": entry,
    }


def _log_breaks(connection: Connection, caller: Caller, alerts: list[dict[str, Any]], now: datetime) -> None:
    """One server s.62 entry per break, in the same transaction as the alert (ids and text only)."""
    connection.execute(
        insert(ServerAuditRow),
        [
            {
                "at": now,
                "actor": caller.username[:USERNAME_LEN],
                "workstation_id": caller.workstation_id,
                "operation": CHAIN_BREAK_OPERATION,
                "detail": json.dumps(
                    {"seq": alert["seq"], "problem": alert["problem"]}, sort_keys=True, separators=(",", ":")
                ),
            }
            for alert in alerts
        ],
    )


def _summary(alerts: list[dict[str, Any]]) -> str | None:
    """The first problem, with a count of any others, within the reply's length limit."""
    if not alerts:
        return None
    first = str(alerts[0]["problem"])
    if len(alerts) > 1:
        first = f"{first} (and {len(alerts) - 1} more problems)"
    return first[:MAX_ALERT_CHARS]


def list_alerts(engine: Engine, site_codes: frozenset[str] | None) -> list[AuditAlert]:
    """Chain alerts of the workstations of these sites (None = all), newest first."""
    query = (
        select(
            AuditAlertRow.id,
            AuditAlertRow.workstation_id,
            AuditAlertRow.seq,
            AuditAlertRow.problem,
            AuditAlertRow.at,
            WorkstationRow.site_code,
        )
        .join(WorkstationRow, WorkstationRow.id == AuditAlertRow.workstation_id)
        .order_by(AuditAlertRow.id.desc())
    )
    if site_codes is not None:
        query = query.where(WorkstationRow.site_code.in_(sorted(site_codes)))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        AuditAlert(
            alert_id=row.id,
            workstation_id=uuid.UUID(row.workstation_id),
            site_code=row.site_code,
            seq=row.seq,
            problem=row.problem,
            raised_at=as_utc(row.at),
        )
        for row in rows
    ]
