"""Supervisor endpoints: conflicts to resolve and the sync health of workstations.

Viewing conflicts and workstation status is consultation of casework data, so each view writes an
entry to the server's s.62 log (ids and counts only).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cars_protocol.sync import ConflictInfo, ConflictResolution, ErrorBody, Receipt, WorkstationStatus
from cars_server.audit_log import DetailValue, write_audit
from cars_server.auth.identity import SignedIn
from cars_server.deps import EngineDep, NowDep, SupervisorDep, caller_of
from cars_server.sync.conflicts import list_conflicts, resolve_conflict
from cars_server.sync.status import workstation_statuses

router = APIRouter(prefix="/v1", tags=["supervision"])

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 413, 422, 426)
}


@router.get("/conflicts", response_model=list[ConflictInfo], responses=_REFUSALS)
def conflicts(supervisor: SupervisorDep, engine: EngineDep, now: NowDep) -> list[ConflictInfo]:
    """Open conflicts at the supervisor's sites."""
    found = list_conflicts(engine, supervisor.sites)
    _log_view(
        engine,
        supervisor,
        "conflicts_viewed",
        {"sites": sorted(supervisor.sites), "count": len(found)},
        now,
    )
    return found


@router.post("/conflicts/{conflict_id}/resolve", response_model=Receipt, responses=_REFUSALS)
def resolve(
    conflict_id: uuid.UUID,
    body: ConflictResolution,
    supervisor: SupervisorDep,
    engine: EngineDep,
    now: NowDep,
) -> Receipt:
    """Record the supervisor's merged revision as the record's next revision."""
    return resolve_conflict(engine, caller_of(supervisor), conflict_id, body, now)


@router.get("/workstations", response_model=list[WorkstationStatus], responses=_REFUSALS)
def workstations(supervisor: SupervisorDep, engine: EngineDep, now: NowDep) -> list[WorkstationStatus]:
    """Sync health of every workstation at the supervisor's sites."""
    found = workstation_statuses(engine, supervisor.sites)
    _log_view(
        engine,
        supervisor,
        "workstations_viewed",
        {"sites": sorted(supervisor.sites), "count": len(found)},
        now,
    )
    return found


def _log_view(
    engine: Engine, who: SignedIn, operation: str, detail: dict[str, DetailValue], now: datetime
) -> None:
    with Session(engine) as session, session.begin():
        write_audit(
            session,
            actor=who.username,
            operation=operation,
            detail=detail,
            at=now,
            workstation_id=who.device.workstation_id,
        )
