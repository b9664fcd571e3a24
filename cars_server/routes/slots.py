"""`GET /v1/slots/overbooked`: appointment slots holding more bookings than they should (supervisors)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from cars_protocol.sync import ErrorBody, OverbookedSlot
from cars_server.audit_log import write_audit
from cars_server.deps import EngineDep, NowDep, SupervisorDep
from cars_server.sync.slots import overbooked_slots

router = APIRouter(prefix="/v1", tags=["supervision"])

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 422, 426)
}


@router.get("/slots/overbooked", response_model=list[OverbookedSlot], responses=_REFUSALS)
def overbooked(supervisor: SupervisorDep, engine: EngineDep, now: NowDep) -> list[OverbookedSlot]:
    """Open over-bookings at the supervisor's sites, soonest first (the view is itself logged)."""
    found = overbooked_slots(engine, supervisor.sites)
    with Session(engine) as session, session.begin():
        write_audit(
            session,
            actor=supervisor.username,
            operation="overbooked_slots_viewed",
            detail={"sites": sorted(supervisor.sites), "count": len(found)},
            at=now,
            workstation_id=supervisor.device.workstation_id,
        )
    return found
