"""Reading the audit log in order for the central server: the entries after the last one it holds.

Kept apart from `audit.py` (which only appends and verifies) because this runs in the background
sync, never in a user's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cars_desktop.domain.audit_chain import CHAINED_FIELDS

STORED_FIELDS = (*CHAINED_FIELDS, "entry_hash", "signature")
# Built once from the constant column names above; the values are bound parameters.
_SELECT_AFTER = f"SELECT {', '.join(STORED_FIELDS)} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?"  # noqa: S608
#: Rough wire size of an entry's fixed parts (hashes, signature, names), for batching by bytes.
_ENTRY_OVERHEAD = 400


def entries_after(session: Session, seq: int, max_count: int, max_bytes: int) -> list[dict[str, Any]]:
    """The entries numbered above `seq`, in order: at most `max_count` and about `max_bytes`.

    The first is always included, however large, so one long entry cannot stall the log.
    Each is a mapping of the stored fields (`signature` as bytes).
    """
    rows = session.connection().exec_driver_sql(_SELECT_AFTER, (seq, max_count)).all()
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        entry = dict(row._mapping)
        size += _ENTRY_OVERHEAD + sum(len(str(entry[k] or "")) for k in ("details", "justification"))
        if batch and size > max_bytes:
            break
        batch.append(entry)
    return batch


def last_seq(session: Session) -> int:
    """The number of the newest entry (0 for an empty log)."""
    value = session.connection().exec_driver_sql("SELECT max(seq) FROM audit_log").scalar()
    return int(value or 0)
