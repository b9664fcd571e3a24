"""`POST /v1/audit` (a workstation's signed s.62 log) and `GET /v1/audit/alerts` (chain breaks)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from cars_protocol.sync import AuditAlert, AuditPushRequest, AuditPushResponse, ErrorBody
from cars_server.audit_log import write_audit
from cars_server.deps import CallerDep, EngineDep, NowDep, SupervisorDep
from cars_server.sync.audit import list_alerts, receive_audit

router = APIRouter(prefix="/v1", tags=["audit"])

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 413, 415, 422, 426)
}


@router.post("/audit", response_model=AuditPushResponse, responses=_REFUSALS)
def push_audit(
    body: AuditPushRequest, caller: CallerDep, engine: EngineDep, now: NowDep
) -> AuditPushResponse:
    """Check and keep the workstation's next audit entries; a break is named, never refused."""
    return receive_audit(engine, caller, body, now)


@router.get("/audit/alerts", response_model=list[AuditAlert], responses=_REFUSALS)
def alerts(supervisor: SupervisorDep, engine: EngineDep, now: NowDep) -> list[AuditAlert]:
    """Audit-chain breaks at the supervisor's sites, newest first (the view is itself logged)."""
    found = list_alerts(engine, supervisor.sites)
    with Session(engine) as session, session.begin():
        write_audit(
            session,
            actor=supervisor.username,
            operation="audit_alerts_viewed",
            detail={"sites": sorted(supervisor.sites), "count": len(found)},
            at=now,
            workstation_id=supervisor.device.workstation_id,
        )
    return found
