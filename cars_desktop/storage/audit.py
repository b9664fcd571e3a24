"""The append-only, hash-chained and signed audit log.

Each entry holds the SHA-256 of its content and of the entry before it, and an Ed25519 signature
over that hash by the workstation's device key (kept wrapped in the vault). Someone with the raw
database key can rewrite rows and recompute the hashes, but not the signatures; a signed head row
makes cutting entries off the end detectable too. The central server verifies with the public half.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from cars_desktop.domain.audit import AuditEvent
from cars_desktop.domain.audit_chain import (
    CHAINED_FIELDS,
    GENESIS,
    entry_digest,
    entry_problem,
    head_message,
    sign_entry,
)
from cars_desktop.domain.errors import IntegrityFailure
from cars_desktop.storage.tables import AuditHeadRow, AuditRow

_STORED_FIELDS = (*CHAINED_FIELDS, "entry_hash", "signature")
# Built once from the constant column names above; values are always bound parameters.
_INSERT_ENTRY = "INSERT INTO audit_log ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(_STORED_FIELDS), ", ".join("?" * len(_STORED_FIELDS))
)
_UPSERT_HEAD = (
    "INSERT INTO audit_head (id, seq, entry_hash, signature) VALUES (1, ?, ?, ?) ON CONFLICT (id)"
    " DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash, signature = excluded.signature"
)


@dataclass(frozen=True)
class AuditHead:
    """Where the log ends: the newest entry's number and hash (0 and None for an empty log)."""

    seq: int
    entry_hash: str | None


def audit_head(session: Session) -> AuditHead:
    """The log's current end, as its head row records it."""
    head = session.connection().exec_driver_sql("SELECT seq, entry_hash FROM audit_head WHERE id = 1").first()
    return AuditHead(head.seq, head.entry_hash) if head else AuditHead(0, None)


class AuditWriter:
    """Appends entries inside the caller's transaction, so a change and its log entry commit together."""

    def __init__(self, signing_key: Ed25519PrivateKey, workstation_id: str) -> None:
        self._signing_key = signing_key
        self.workstation_id = workstation_id

    def append(self, session: Session, event: AuditEvent, username: str, roles: str, at: datetime) -> int:
        """Chain and sign one entry; the caller's transaction must be a write (IMMEDIATE) one."""
        conn = session.connection()
        head = audit_head(session)
        seq = head.seq + 1
        entry: dict[str, Any] = {
            "seq": seq,
            "at": at.isoformat(),
            "username": username,
            "roles": roles,
            "workstation_id": self.workstation_id,
            "operation": event.operation.value,
            "record_type": event.record_type,
            "record_id": event.record_id,
            "justification": event.justification,
            "recipient": event.recipient,
            "legal_basis": event.legal_basis,
            "details": json.dumps(event.details, sort_keys=True, default=str) if event.details else None,
            "prev_hash": head.entry_hash or GENESIS,
        }
        entry["entry_hash"] = entry_digest(entry)
        entry["signature"] = sign_entry(self._signing_key, entry["entry_hash"])
        conn.exec_driver_sql(_INSERT_ENTRY, tuple(entry[name] for name in _STORED_FIELDS))
        head_signature = self._signing_key.sign(head_message(seq, entry["entry_hash"]))
        conn.exec_driver_sql(_UPSERT_HEAD, (seq, entry["entry_hash"], head_signature))
        return seq


TAMPER_ALERT = "audit_tamper"


def head_problem(session: Session, public_key: Ed25519PublicKey) -> str | None:
    """A quick check at unlock that the log still ends where its signed head says.

    Without it, the next signed append would quietly re-sign a head that an insider had moved
    back after cutting entries off the end.
    """
    conn = session.connection()
    head = conn.exec_driver_sql("SELECT seq, entry_hash, signature FROM audit_head WHERE id = 1").first()
    last = conn.exec_driver_sql("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1").first()
    if head is None:
        return None if last is None else "the signed head of the audit log is missing"
    try:
        public_key.verify(head.signature, head_message(head.seq, head.entry_hash))
    except (InvalidSignature, ValueError):
        kept = last.seq if last else 0
        return f"the signed head of the audit log was altered; entries after {kept} may be missing"
    if last is None or (last.seq, last.entry_hash) != (head.seq, head.entry_hash):
        return f"the audit log ends at entry {last.seq if last else 0} but its signed head says {head.seq}"
    return None


def verify_chain(session: Session, public_key: Ed25519PublicKey) -> int:
    """Walk the whole log; return how many entries verified, or name the first bad one."""
    expected_seq = 1
    prev = GENESIS
    columns = [getattr(AuditRow, name) for name in _STORED_FIELDS]
    rows = session.execute(select(*columns).order_by(AuditRow.seq).execution_options(yield_per=2000))
    for row in rows:
        problem = entry_problem(row._mapping, expected_seq, prev, public_key)
        if problem:
            raise IntegrityFailure(problem)
        if row.operation == "security_alert" and row.details and TAMPER_ALERT in row.details:
            found = json.loads(row.details).get(TAMPER_ALERT)
            raise IntegrityFailure(f"audit log broken before entry {row.seq}: {found} (found at an unlock)")
        prev = row.entry_hash
        expected_seq += 1
    count = expected_seq - 1
    head = session.get(AuditHeadRow, 1)
    if head is None:
        if count:
            raise IntegrityFailure("audit log broken: its signed head is missing")
        return 0
    try:
        public_key.verify(head.signature, head_message(head.seq, head.entry_hash))
    except (InvalidSignature, ValueError):
        raise IntegrityFailure("audit log broken: its signed head has been altered") from None
    if head.seq != count or head.entry_hash != prev:
        raise IntegrityFailure(
            f"audit log broken at entry {count + 1}: entries after {count} have been removed"
            if head.seq > count
            else f"audit log broken at entry {head.seq + 1}: it was added outside the log"
        )
    return count
