"""Device credentials: `Authorization: Device <credential>` names an enrolled workstation."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from cars_protocol.sync import DEVICE_AUTH_SCHEME, ErrorCode
from cars_server.auth.identity import Device
from cars_server.auth.tokens import hash_token
from cars_server.clock import as_utc
from cars_server.errors import ApiError
from cars_server.storage.tables import WorkstationRow

#: Last contact is written at most this often by non-push requests, so reads stay reads.
CONTACT_RESOLUTION = timedelta(seconds=60)
MAX_CREDENTIAL_LENGTH = 200

UNKNOWN_MESSAGE = (
    "This workstation is not enrolled with the server (or its credential is wrong); "
    "ask your administrator to enrol it again."
)
REVOKED_MESSAGE = (
    "This workstation has been withdrawn from service by an administrator; "
    "its local data can no longer be opened here."
)


def credential_from_header(authorization: str | None) -> str | None:
    """The credential from an `Authorization: Device <credential>` header, None if absent or malformed."""
    if not authorization:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme != DEVICE_AUTH_SCHEME or not credential or len(credential) > MAX_CREDENTIAL_LENGTH:
        return None
    return credential


def authenticate_device(
    engine: Engine, authorization: str | None, client_version: str | None, now: datetime
) -> Device:
    """The workstation the header's credential belongs to, refusing unknown and revoked ones.

    Records the contact time and client version when they are stale (at most once a minute), so a
    supervisor's status view shows workstations that only pull.
    """
    credential = credential_from_header(authorization)
    if credential is None:
        raise ApiError(401, ErrorCode.DEVICE_UNKNOWN, UNKNOWN_MESSAGE)
    with Session(engine) as session:
        row = session.scalars(
            select(WorkstationRow).where(WorkstationRow.credential_hash == hash_token(credential))
        ).one_or_none()
        if row is None:
            raise ApiError(401, ErrorCode.DEVICE_UNKNOWN, UNKNOWN_MESSAGE)
        if row.revoked_at is not None:
            raise ApiError(403, ErrorCode.DEVICE_REVOKED, REVOKED_MESSAGE)
        device = Device(
            workstation_id=row.id,
            site_code=row.site_code,
            label=row.label,
            signing_public_key=row.signing_public_key,
        )
        stale = row.last_contact_at is None or now - as_utc(row.last_contact_at) >= CONTACT_RESOLUTION
        if stale or (client_version is not None and client_version != row.client_version):
            session.execute(
                update(WorkstationRow)
                .where(WorkstationRow.id == row.id)
                .values(last_contact_at=now, client_version=client_version or row.client_version)
            )
            session.commit()
    return device
