"""The append-only, hash-chained and signed audit log.

Each entry holds the SHA-256 of its content and of the entry before it, and an Ed25519 signature
over that hash by the workstation's device key (kept wrapped in the vault). Someone with the raw
database key can rewrite rows and recompute the hashes, but not the signatures; a signed head row
makes cutting entries off the end detectable too. The central server verifies with the public half.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from cars_desktop.domain.audit import AuditEvent
from cars_desktop.domain.errors import IntegrityFailure
from cars_desktop.storage.tables import AuditHeadRow, AuditRow

GENESIS = "0" * 64
_ENTRY_CONTEXT = b"cars-audit-entry/1:"
_HEAD_CONTEXT = b"cars-audit-head/1:"


CHAINED_FIELDS = (
    "seq",
    "at",
    "username",
    "roles",
    "workstation_id",
    "operation",
    "record_type",
    "record_id",
    "justification",
    "recipient",
    "legal_basis",
    "details",
    "prev_hash",
)


_STORED_FIELDS = (*CHAINED_FIELDS, "entry_hash", "signature")
# Built once from the constant column names above; values are always bound parameters.
_INSERT_ENTRY = "INSERT INTO audit_log ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(_STORED_FIELDS), ", ".join("?" * len(_STORED_FIELDS))
)
_UPSERT_HEAD = (
    "INSERT INTO audit_head (id, seq, entry_hash, signature) VALUES (1, ?, ?, ?) ON CONFLICT (id)"
    " DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash, signature = excluded.signature"
)


def entry_digest(entry: Mapping[Any, Any]) -> str:
    """The hash that chains and is signed: every field but the hash and signature themselves."""
    material = [entry[name] for name in CHAINED_FIELDS]
    return hashlib.sha256(json.dumps(material, separators=(",", ":")).encode()).hexdigest()


def _head_message(seq: int, entry_hash: str) -> bytes:
    return _HEAD_CONTEXT + seq.to_bytes(8, "big") + bytes.fromhex(entry_hash)


class AuditWriter:
    """Appends entries inside the caller's transaction, so a change and its log entry commit together."""

    def __init__(self, signing_key: Ed25519PrivateKey, workstation_id: str) -> None:
        self._signing_key = signing_key
        self.workstation_id = workstation_id

    def append(self, session: Session, event: AuditEvent, username: str, roles: str, at: datetime) -> int:
        """Chain and sign one entry; the caller's transaction must be a write (IMMEDIATE) one."""
        conn = session.connection()
        head = conn.exec_driver_sql("SELECT seq, entry_hash FROM audit_head WHERE id = 1").first()
        seq = head.seq + 1 if head else 1
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
            "prev_hash": head.entry_hash if head else GENESIS,
        }
        entry["entry_hash"] = entry_digest(entry)
        entry["signature"] = self._signing_key.sign(_ENTRY_CONTEXT + bytes.fromhex(entry["entry_hash"]))
        conn.exec_driver_sql(_INSERT_ENTRY, tuple(entry[name] for name in _STORED_FIELDS))
        head_signature = self._signing_key.sign(_head_message(seq, entry["entry_hash"]))
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
        public_key.verify(head.signature, _head_message(head.seq, head.entry_hash))
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
        if row.seq != expected_seq:
            raise IntegrityFailure(f"audit log broken at entry {expected_seq}: it is missing or out of order")
        if row.prev_hash != prev:
            raise IntegrityFailure(
                f"audit log broken at entry {row.seq}: it does not follow the entry before it"
            )
        if entry_digest(row._mapping) != row.entry_hash:
            raise IntegrityFailure(f"audit log broken at entry {row.seq}: its content has been altered")
        try:
            public_key.verify(row.signature, _ENTRY_CONTEXT + bytes.fromhex(row.entry_hash))
        except (InvalidSignature, ValueError):
            raise IntegrityFailure(
                f"audit log broken at entry {row.seq}: its signature does not match (altered)"
            ) from None
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
        public_key.verify(head.signature, _head_message(head.seq, head.entry_hash))
    except (InvalidSignature, ValueError):
        raise IntegrityFailure("audit log broken: its signed head has been altered") from None
    if head.seq != count or head.entry_hash != prev:
        raise IntegrityFailure(
            f"audit log broken at entry {count + 1}: entries after {count} have been removed"
            if head.seq > count
            else f"audit log broken at entry {head.seq + 1}: it was added outside the log"
        )
    return count
