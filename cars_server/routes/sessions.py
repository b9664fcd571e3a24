"""`POST /v1/session` and `POST /v1/device-key`: users sign in through a workstation."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from cars_protocol.sync import DeviceKeyResponse, ErrorBody, ErrorCode, SessionRequest, SessionResponse
from cars_server.auth.enrolment import device_key_for
from cars_server.auth.sessions import KIND_PASSWORD, open_session
from cars_server.deps import DeviceDep, EngineDep, NowDep, SettingsDep, SignedInDep
from cars_server.errors import ApiError
from cars_server.http.access_log import access_note
from cars_server.http.secret_json import secret_json_response

router = APIRouter(prefix="/v1", tags=["sessions"])

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 413, 422, 426)
}


@router.post("/session", response_model=SessionResponse, responses=_REFUSALS)
def session(
    body: SessionRequest,
    request: Request,
    device: DeviceDep,
    engine: EngineDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """Open a session by password (full) or by the workstation's attestation (sync only)."""
    access_note(request.scope).username = body.username
    answer = open_session(engine, settings, device, body, now)
    return secret_json_response(answer)


@router.post("/device-key", response_model=DeviceKeyResponse, responses=_REFUSALS)
def device_key(signed_in: SignedInDep, engine: EngineDep) -> Response:
    """Release the workstation's device key to a password-authenticated user of its site."""
    if signed_in.kind != KIND_PASSWORD:
        raise ApiError(
            403,
            ErrorCode.NOT_PERMITTED,
            "The device key is released only after signing in with a password while connected.",
        )
    key = device_key_for(engine, signed_in.device)
    return secret_json_response(DeviceKeyResponse.model_validate({"device_key": key}))
