"""The server's own s.62 log (`server_audit`): who consulted or disclosed what, and admin actions.

Entries hold identifiers and counts only (site codes, workstation ids, record ids), never names or
answers, so the log itself discloses nothing. An entry is written in the same transaction as the
action it records, so an action without its entry cannot be committed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from cars_server.storage.tables import USERNAME_LEN, ServerAuditRow

DetailValue = str | int | bool | None | list[str]


def write_audit(
    session: Session,
    *,
    actor: str,
    operation: str,
    detail: Mapping[str, DetailValue],
    at: datetime,
    workstation_id: str | None = None,
) -> None:
    """Add one s.62 entry to `session`'s transaction."""
    session.add(
        ServerAuditRow(
            at=at,
            actor=actor[:USERNAME_LEN],
            workstation_id=workstation_id,
            operation=operation,
            detail=json.dumps(dict(detail), sort_keys=True, separators=(",", ":")),
        )
    )
