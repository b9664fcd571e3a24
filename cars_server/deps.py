"""Typed FastAPI dependencies: routes declare what they need instead of reaching for globals.

Everything comes from the `ServerContext` that `create_app(settings)` stored on the app, so two
apps in one process (as in tests) never share an engine. The auth dependencies re-read the
database on every request (no cache), so any server process sees a revocation at once:

- `DeviceDep`: an enrolled, unrevoked workstation (`Authorization: Device <credential>`);
- `SignedInDep`: plus a live user session from that workstation (`X-Cars-Session`);
- `CallerDep`: the same as the sync core's `Caller`;
- `SupervisorDep`: a signed-in supervisor.
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import Engine

from cars_protocol.sync import HEADER_CLIENT_VERSION, HEADER_SESSION, ErrorCode
from cars_server.auth.device import authenticate_device
from cars_server.auth.identity import Device, SignedIn
from cars_server.auth.sessions import check_session
from cars_server.clock import utc_now
from cars_server.config import ServerSettings
from cars_server.context import ServerContext
from cars_server.errors import ApiError
from cars_server.http.access_log import access_note
from cars_server.sync.caller import Caller


def get_context(request: Request) -> ServerContext:
    """Return the context `create_app` stored on the app serving this request."""
    context: ServerContext = request.app.state.context
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]


def get_settings(context: ContextDep) -> ServerSettings:
    """Return the settings of the app serving this request."""
    return context.settings


def get_engine(context: ContextDep) -> Engine:
    """Return the database engine of the app serving this request."""
    return context.engine


SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
NowDep = Annotated[datetime, Depends(utc_now)]


def get_device(
    request: Request,
    engine: EngineDep,
    now: NowDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    client_version: Annotated[
        str | None, Header(alias=HEADER_CLIENT_VERSION, include_in_schema=False)
    ] = None,
) -> Device:
    """The workstation whose device credential this request carries (401/403 otherwise)."""
    device = authenticate_device(engine, authorization, client_version, now)
    access_note(request.scope).workstation_id = device.workstation_id
    return device


DeviceDep = Annotated[Device, Depends(get_device)]


def get_signed_in(
    request: Request,
    engine: EngineDep,
    device: DeviceDep,
    now: NowDep,
    session_token: Annotated[str | None, Header(alias=HEADER_SESSION, include_in_schema=False)] = None,
) -> SignedIn:
    """The user signed in at this workstation with the request's session token."""
    signed_in = check_session(engine, device, session_token, now)
    access_note(request.scope).username = signed_in.username
    return signed_in


SignedInDep = Annotated[SignedIn, Depends(get_signed_in)]


def caller_of(signed_in: SignedIn) -> Caller:
    """The sync core's view of a signed-in user at a workstation."""
    return Caller(
        workstation_id=signed_in.device.workstation_id,
        workstation_site=signed_in.device.site_code,
        username=signed_in.username,
        roles=signed_in.roles,
        sites=signed_in.sites,
    )


def get_caller(signed_in: SignedInDep) -> Caller:
    """The `Caller` the sync core functions take."""
    return caller_of(signed_in)


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_supervisor(signed_in: SignedInDep) -> SignedIn:
    """A signed-in supervisor; anyone else is refused with 403 NOT_PERMITTED."""
    if not signed_in.is_supervisor:
        raise ApiError(403, ErrorCode.NOT_PERMITTED, "Only a supervisor may see or resolve this.")
    return signed_in


SupervisorDep = Annotated[SignedIn, Depends(get_supervisor)]
