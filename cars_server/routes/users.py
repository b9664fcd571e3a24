"""`GET /v1/users`: the workstation's site's users, so central disabling and role changes travel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cars_protocol.sync import MAX_KNOWN_USERS, ErrorBody, ErrorCode, UsersResponse
from cars_server.deps import EngineDep, NowDep, SignedInDep
from cars_server.errors import ApiError
from cars_server.sync.users_feed import users_of_site

router = APIRouter(prefix="/v1", tags=["users"])

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 422, 426)
}


@router.get("/users", response_model=UsersResponse, responses=_REFUSALS)
def users(
    signed_in: SignedInDep,
    engine: EngineDep,
    now: NowDep,
    known: Annotated[list[str] | None, Query()] = None,
) -> UsersResponse:
    """Users of the calling workstation's site, active or not; `known` asks about local users too."""
    asked = known or []
    if len(asked) > MAX_KNOWN_USERS:
        raise ApiError(
            400, ErrorCode.INVALID_REQUEST, f"ask about at most {MAX_KNOWN_USERS} user names at a time"
        )
    return users_of_site(engine, signed_in.device.site_code, asked, now)
