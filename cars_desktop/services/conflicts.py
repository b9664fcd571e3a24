"""Sync conflicts for supervisors: list them from the central server and resolve them field by field.

A conflict is two revisions of one record made from the same base on two workstations; the server
keeps both and applies neither over the other. A supervisor settles it by choosing, for each field
that differs, the current (server) value or the incoming one, or by handing in a whole merged
record. The merged record keeps the current revision's bookkeeping (id, site, created time) and
becomes revision current + 1; the server stamps its author and time, makes it the record's next
revision and feeds it to every workstation. The resolving workstation applies it at once, and the
server's stamped copy replaces it at the next pull, so every workstation ends on the same body.

Only supervisors may list or resolve conflicts (`Permission.RESOLVE_CONFLICTS`); the server checks
the same rule again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import ValidationError

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput, RecordNotFound
from cars_desktop.services.sync import server_client, sign_in
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.sync.client import SyncClient
from cars_protocol.records import RECORD_TYPES, RecordBase, utc_now
from cars_protocol.sync import ConflictInfo, ConflictResolution, Receipt

Side = Literal["current", "incoming"]
FieldChoices = Mapping[str, Side]

#: Fields the merged record always takes from the current revision: they say which record this
#: is and where it lives, not what it says. `revision`, `updated_at` and `author` are restamped.
BOOKKEEPING_FIELDS = frozenset({"id", "revision", "created_at", "updated_at", "site_code", "author"})


@dataclass(frozen=True)
class Resolved:
    """What resolving did: the server's receipt and the merged record as applied here."""

    receipt: Receipt
    record: RecordBase


def list_conflicts(
    session: WorkstationSession, http: httpx.Client, password: str | None = None
) -> list[ConflictInfo]:
    """Open conflicts at the supervisor's sites, both sides in full (a consultation, logged)."""
    require(session.actor, Permission.RESOLVE_CONFLICTS, "see sync conflicts")
    client = server_client(session, http)
    sign_in(session, client, password)
    found = client.conflicts()
    with session.unit_of_work() as uow:
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                details={"action": "conflicts_viewed", "count": len(found)},
            )
        )
        uow.commit()
    return found


def merge_by_field(conflict: ConflictInfo, choices: FieldChoices) -> dict[str, Any]:
    """The merged record body: each differing field from the chosen side, bookkeeping from current.

    Every field that differs (apart from bookkeeping) needs a choice, so nothing is settled by
    default; a choice for a field the record does not have is refused.
    """
    current, incoming = conflict.current.record, conflict.incoming.record
    unknown = sorted(name for name in choices if name not in current and name not in incoming)
    if unknown:
        raise InvalidInput(f"a {_kind(conflict)} has no field {', '.join(unknown)}")
    undecided = sorted(
        name for name in conflict.fields if name not in BOOKKEEPING_FIELDS and name not in choices
    )
    if undecided:
        raise InvalidInput(f"choose which version to keep for: {', '.join(undecided)}")
    merged: dict[str, Any] = dict(current)
    for name, side in choices.items():
        if name in BOOKKEEPING_FIELDS:
            continue
        if side not in ("current", "incoming"):
            raise InvalidInput(f"choose 'current' or 'incoming' for {name}, not {side!r}")
        source = current if side == "current" else incoming
        if name in source:
            merged[name] = source[name]
        else:
            merged.pop(name, None)
    return _with_bookkeeping(conflict, merged)


def _with_bookkeeping(conflict: ConflictInfo, body: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(body)
    current = conflict.current.record
    for name in ("id", "created_at", "site_code", "author", "updated_at"):
        merged[name] = current[name]
    merged["revision"] = conflict.current.revision + 1
    return merged


def _kind(conflict: ConflictInfo) -> str:
    return conflict.record_type.replace("_", " ")


def _validated(conflict: ConflictInfo, body: Mapping[str, Any]) -> RecordBase:
    model = RECORD_TYPES.get(conflict.record_type)
    if model is None:
        raise InvalidInput(f"this program cannot store a {_kind(conflict)}; update CARS Desktop")
    try:
        return model.model_validate(dict(body))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the record"
        raise InvalidInput(
            f"the merged {_kind(conflict)} is not valid ({where}: {first['msg']}); choose again"
        ) from None


def _find(
    session: WorkstationSession, http: httpx.Client, conflict_id: uuid.UUID, password: str | None
) -> tuple[ConflictInfo, SyncClient]:
    client = server_client(session, http)
    sign_in(session, client, password)
    for conflict in client.conflicts():
        if conflict.conflict_id == conflict_id:
            return conflict, client
    raise RecordNotFound("that conflict is no longer open (someone may have resolved it already)")


def resolve_conflict(
    session: WorkstationSession,
    http: httpx.Client,
    conflict_id: uuid.UUID,
    chosen: FieldChoices | RecordBase,
    reason: str,
    password: str | None = None,
) -> Resolved:
    """Settle a conflict with field choices (or a whole merged record) and apply the result here.

    The conflict is read afresh from the server, so choices are made against what is really
    there. The server's receipt is applied to the local store in one transaction with its audit
    entry; a local record with unsent changes is left for the next sync to settle.
    """
    require(session.actor, Permission.RESOLVE_CONFLICTS, "resolve sync conflicts")
    if len(reason.strip()) < 3:
        raise InvalidInput("give the reason for this resolution (at least a few words)")
    conflict, client = _find(session, http, conflict_id, password)
    if isinstance(chosen, RecordBase):
        if chosen.record_type != conflict.record_type or chosen.id != conflict.record_id:
            raise InvalidInput("the merged record is not the conflicted record")
        body = _with_bookkeeping(conflict, chosen.model_dump(mode="json"))
    else:
        body = merge_by_field(conflict, chosen)
    merged = _validated(conflict, body)
    receipt = client.resolve(
        conflict_id, ConflictResolution(record=merged.model_dump(mode="json"), reason=reason.strip())
    )
    # The server stamps the author and time; mirror that here until its own copy is pulled.
    now = utc_now()
    applied = type(merged).model_validate(
        merged.model_dump()
        | {
            "revision": receipt.server_revision,
            "author": session.user.username,
            "updated_at": max(now, merged.created_at),
        }
    )
    with session.unit_of_work() as uow:
        uow.sync.apply_remote(applied, receipt.server_change_id, conflicted=False)
        uow.audit(
            AuditEvent(
                AuditOperation.ALTERATION,
                conflict.record_type,
                str(conflict.record_id),
                justification=reason.strip(),
                details={
                    "action": "conflict_resolved",
                    "conflict": str(conflict_id),
                    "fields": list(conflict.fields),
                },
            ),
            at=now,
        )
        uow.commit()
    return Resolved(receipt, applied)
