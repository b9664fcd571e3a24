"""`POST /v1/enrol` and `PUT /v1/escrow`: a workstation joins the service and escrows its recovery key."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cars_protocol.sync import EnrolRequest, EnrolResponse, ErrorBody, EscrowRequest
from cars_server.auth.enrolment import enrol_workstation, store_escrow
from cars_server.deps import DeviceDep, EngineDep, NowDep, SettingsDep
from cars_server.http.secret_json import secret_json_response

router = APIRouter(prefix="/v1", tags=["enrolment"])

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 409, 413, 422, 426, 503)
}


@router.post("/enrol", response_model=EnrolResponse, responses=_REFUSALS)
def enrol(body: EnrolRequest, engine: EngineDep, settings: SettingsDep, now: NowDep) -> Response:
    """Enrol a workstation with a one-time code; the answer holds its credential (shown once)."""
    answer = enrol_workstation(engine, settings, body, now)
    return secret_json_response(answer)


@router.put("/escrow", status_code=status.HTTP_204_NO_CONTENT, responses=_REFUSALS)
def escrow(body: EscrowRequest, device: DeviceDep, engine: EngineDep, now: NowDep) -> Response:
    """Store the workstation's recovery key, sealed to the organisation's offline key pair."""
    store_escrow(engine, device, body, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
