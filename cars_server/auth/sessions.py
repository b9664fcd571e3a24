"""User sessions: opened by password or attestation through a workstation, checked on every request.

A session belongs to one user at one workstation. Every request re-reads the session, the user and
the workstation (no cache), so disabling a user or removing their site takes effect at once on
every server process.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cars_protocol.records import Role
from cars_protocol.sync import ErrorCode, SessionRequest, SessionResponse, UserInfo
from cars_server.auth.attestation import attestation_is_valid
from cars_server.auth.identity import Device, SignedIn
from cars_server.auth.passwords import hash_password, needs_rehash, verify_password
from cars_server.auth.tokens import hash_token, new_token
from cars_server.clock import as_utc
from cars_server.config import ServerSettings
from cars_server.errors import ApiError
from cars_server.storage.tables import SessionRow, UserRow

KIND_PASSWORD = "password"  # noqa: S105 - a session kind, not a secret
KIND_ATTESTED = "attested"
MAX_SESSION_TOKEN_LENGTH = 200

BAD_CREDENTIALS_MESSAGE = "The user name or password is not right."
BAD_ATTESTATION_MESSAGE = (
    "The workstation's sign-in could not be checked (or is more than 12 hours old); "
    "sign in with your password while connected."
)
DISABLED_MESSAGE = "This user account has been disabled; ask your administrator."
SESSION_REQUIRED_MESSAGE = "Sign in first: this request needs a user session."
SESSION_EXPIRED_MESSAGE = "Your session has expired or is not valid here; sign in again."


def _site_refusal(device: Device) -> ApiError:
    return ApiError(
        403,
        ErrorCode.NOT_PERMITTED,
        f"This user is not set up for site {device.site_code}, where this workstation is enrolled.",
    )


def _loads_list(text: str) -> list[str]:
    """Roles and sites are stored as JSON lists of codes."""
    value = json.loads(text)
    return [str(item) for item in value] if isinstance(value, list) else []


def user_info(row: UserRow) -> UserInfo:
    """The wire view of a user row."""
    known_roles = {role.value for role in Role}
    return UserInfo(
        username=row.username,
        display_name=row.display_name,
        roles=[Role(role) for role in _loads_list(row.roles) if role in known_roles],
        sites=_loads_list(row.sites),
        active=row.active,
        password_changed_at=as_utc(row.password_changed_at),
    )


def open_session(
    engine: Engine, settings: ServerSettings, device: Device, request: SessionRequest, now: datetime
) -> SessionResponse:
    """Check a password or an attestation and open a session for the user at `device`.

    Exactly one of `password` and (`attestation`, `attested_at`) must be given. An unknown user and
    a wrong password get the same answer; a disabled user is told so only after a right password.
    """
    by_password = request.password is not None
    by_attestation = request.attestation is not None or request.attested_at is not None
    if by_password == by_attestation:
        raise ApiError(
            422, ErrorCode.INVALID_REQUEST, "Give either a password or an attestation with its time."
        )
    with Session(engine) as session:
        user = session.get(UserRow, request.username)
        if request.password is not None:
            password = request.password.get_secret_value()
            if not verify_password(settings, user.password_hash if user else None, password):
                raise ApiError(401, ErrorCode.BAD_CREDENTIALS, BAD_CREDENTIALS_MESSAGE)
            kind = KIND_PASSWORD
        else:
            if (
                user is None
                or request.attestation is None
                or request.attested_at is None
                or not attestation_is_valid(
                    device.signing_public_key,
                    uuid.UUID(device.workstation_id),
                    request.username,
                    request.attested_at,
                    request.attestation,
                    now,
                )
            ):
                raise ApiError(401, ErrorCode.BAD_CREDENTIALS, BAD_ATTESTATION_MESSAGE)
            kind = KIND_ATTESTED
        assert user is not None
        if not user.active:
            raise ApiError(403, ErrorCode.USER_DISABLED, DISABLED_MESSAGE)
        if device.site_code not in _loads_list(user.sites):
            raise _site_refusal(device)
        if request.password is not None and needs_rehash(settings, user.password_hash):
            user.password_hash = hash_password(settings, request.password.get_secret_value())
        token = new_token()
        expires_at = now + timedelta(hours=settings.session_hours)
        session.add(
            SessionRow(
                token_hash=hash_token(token),
                username=user.username,
                workstation_id=device.workstation_id,
                kind=kind,
                created_at=now,
                expires_at=expires_at,
            )
        )
        info = user_info(user)
        session.commit()
    return SessionResponse(session_token=SecretStr(token), expires_at=expires_at, user=info)


def check_session(engine: Engine, device: Device, token: str | None, now: datetime) -> SignedIn:
    """The signed-in user behind `token` at `device`, refusing missing, expired and foreign sessions."""
    if not token:
        raise ApiError(401, ErrorCode.SESSION_REQUIRED, SESSION_REQUIRED_MESSAGE)
    if len(token) > MAX_SESSION_TOKEN_LENGTH:
        raise ApiError(401, ErrorCode.SESSION_EXPIRED, SESSION_EXPIRED_MESSAGE)
    with Session(engine) as session:
        row = session.get(SessionRow, hash_token(token))
        if row is None or row.workstation_id != device.workstation_id or as_utc(row.expires_at) <= now:
            raise ApiError(401, ErrorCode.SESSION_EXPIRED, SESSION_EXPIRED_MESSAGE)
        user = session.get(UserRow, row.username)
        if user is None or not user.active:
            raise ApiError(403, ErrorCode.USER_DISABLED, DISABLED_MESSAGE)
        sites = frozenset(_loads_list(user.sites))
        if device.site_code not in sites:
            raise _site_refusal(device)
        return SignedIn(
            device=device,
            username=user.username,
            roles=frozenset(_loads_list(user.roles)),
            sites=sites,
            kind=row.kind,
        )
