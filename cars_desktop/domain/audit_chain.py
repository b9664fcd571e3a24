"""How an audit-log entry is hashed, chained and signed: shared by the workstation and the server.

The workstation writes and checks its own log (`storage/audit.py`); the central server checks the
entries it receives by sync against the public half of the workstation's signing key and the last
head it saw. Both use these functions, so they cannot disagree about what a valid entry is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS = "0" * 64
ENTRY_CONTEXT = b"cars-audit-entry/1:"
HEAD_CONTEXT = b"cars-audit-head/1:"

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


def entry_digest(entry: Mapping[Any, Any]) -> str:
    """The hash that chains and is signed: every field but the hash and signature themselves."""
    material = [entry[name] for name in CHAINED_FIELDS]
    return hashlib.sha256(json.dumps(material, separators=(",", ":")).encode()).hexdigest()


def sign_entry(signing_key: Ed25519PrivateKey, entry_hash: str) -> bytes:
    """The device's signature over one entry's hash."""
    return signing_key.sign(ENTRY_CONTEXT + bytes.fromhex(entry_hash))


def head_message(seq: int, entry_hash: str) -> bytes:
    """The bytes a signed head covers: the last entry's number and hash."""
    return HEAD_CONTEXT + seq.to_bytes(8, "big") + bytes.fromhex(entry_hash)


def entry_problem(
    entry: Mapping[Any, Any], expected_seq: int, prev_hash: str, public_key: Ed25519PublicKey
) -> str | None:
    """Why `entry` cannot follow an entry numbered `expected_seq - 1` with hash `prev_hash`, or None.

    `entry` holds the chained fields plus `entry_hash` and `signature` (bytes).
    """
    seq = entry["seq"]
    if seq != expected_seq:
        return f"audit log broken at entry {expected_seq}: it is missing or out of order"
    if entry["prev_hash"] != prev_hash:
        return f"audit log broken at entry {seq}: it does not follow the entry before it"
    if entry_digest(entry) != entry["entry_hash"]:
        return f"audit log broken at entry {seq}: its content has been altered"
    try:
        public_key.verify(entry["signature"], ENTRY_CONTEXT + bytes.fromhex(entry["entry_hash"]))
    except (InvalidSignature, ValueError):
        return f"audit log broken at entry {seq}: its signature does not match (altered)"
    return None
