"""Enrolment of a workstation with a one-time code, and its escrowed recovery key.

The code is consumed by a conditional `UPDATE ... WHERE used_at IS NULL`, in the same transaction
that creates the workstation: two workstations racing with one code cannot both get in, and a
refused enrolment (say, a workstation id already taken) leaves the code unused.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cars_protocol.sync import EnrolRequest, EnrolResponse, ErrorCode, EscrowRequest
from cars_server.audit_log import write_audit
from cars_server.auth.attestation import decode_public_key
from cars_server.auth.identity import Device
from cars_server.auth.tokens import hash_token, new_device_key, new_token
from cars_server.config import ServerSettings
from cars_server.errors import ApiError
from cars_server.storage.tables import EnrolmentCodeRow, EscrowRow, SiteRow, WorkstationRow

MAX_CODE_LENGTH = 200

CODE_INVALID_MESSAGE = (
    "This enrolment code is not valid: it may be mistyped, already used or expired. "
    "Ask your administrator for a new code."
)
NO_RECOVERY_KEY_MESSAGE = (
    "The server cannot enrol workstations until the organisation's recovery public key is set "
    "(CARS_SERVER_RECOVERY_PUBLIC_KEY); tell your administrator."
)


def enrol_workstation(
    engine: Engine, settings: ServerSettings, request: EnrolRequest, now: datetime
) -> EnrolResponse:
    """Consume the code, create the workstation and return its new credential and device key."""
    if not settings.recovery_public_key:
        raise ApiError(503, ErrorCode.UNAVAILABLE, NO_RECOVERY_KEY_MESSAGE)
    if decode_public_key(request.signing_public_key) is None:
        raise ApiError(
            422, ErrorCode.INVALID_REQUEST, "signing_public_key must be a base64 raw Ed25519 public key."
        )
    code = request.code.get_secret_value().strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        raise ApiError(403, ErrorCode.ENROLMENT_CODE_INVALID, CODE_INVALID_MESSAGE)
    workstation_id = str(request.workstation_id)
    credential, device_key = new_token(), new_device_key()
    code_hash = hash_token(code)
    try:
        with Session(engine) as session, session.begin():
            if session.get(WorkstationRow, workstation_id) is not None:
                raise _already_enrolled()
            claimed = session.execute(
                update(EnrolmentCodeRow)
                .where(
                    EnrolmentCodeRow.code_hash == code_hash,
                    EnrolmentCodeRow.used_at.is_(None),
                    EnrolmentCodeRow.expires_at > now,
                )
                .values(used_at=now, used_by=workstation_id)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                raise ApiError(403, ErrorCode.ENROLMENT_CODE_INVALID, CODE_INVALID_MESSAGE)
            site_code = session.scalars(
                select(EnrolmentCodeRow.site_code).where(EnrolmentCodeRow.code_hash == code_hash)
            ).one()
            site = session.get(SiteRow, site_code)
            if site is None or not site.active:
                raise ApiError(403, ErrorCode.ENROLMENT_CODE_INVALID, CODE_INVALID_MESSAGE)
            session.add(
                WorkstationRow(
                    id=workstation_id,
                    label=request.label,
                    site_code=site_code,
                    credential_hash=hash_token(credential),
                    signing_public_key=request.signing_public_key,
                    device_key=device_key,
                    enrolled_at=now,
                    revoked_at=None,
                    last_contact_at=now,
                    pending_count=0,
                    audit_head_seq=request.audit_head_seq,
                    audit_head_digest=request.audit_head_digest,
                )
            )
            session.flush()
            write_audit(
                session,
                actor="enrolment",
                operation="workstation_enrolled",
                detail={"site": site_code},
                workstation_id=workstation_id,
                at=now,
            )
    except IntegrityError:
        # Another request enrolled the same workstation id between our check and our insert.
        raise _already_enrolled() from None
    return EnrolResponse(
        workstation_id=request.workstation_id,
        site_code=site_code,
        device_credential=SecretStr(credential),
        device_key=SecretStr(device_key),
        recovery_public_key=settings.recovery_public_key,
        server_time=now,
    )


def _already_enrolled() -> ApiError:
    return ApiError(
        409,
        ErrorCode.INVALID_REQUEST,
        "A workstation with this id is already enrolled; a workstation enrols only once.",
    )


def store_escrow(engine: Engine, device: Device, request: EscrowRequest, now: datetime) -> None:
    """Keep (or replace) the workstation's sealed recovery key; the server cannot open it."""
    with Session(engine) as session, session.begin():
        row = session.get(EscrowRow, device.workstation_id)
        if row is None:
            session.add(
                EscrowRow(
                    workstation_id=device.workstation_id,
                    sealed_recovery_key=request.sealed_recovery_key,
                    stored_at=now,
                )
            )
        else:
            row.sealed_recovery_key = request.sealed_recovery_key
            row.stored_at = now


def device_key_for(engine: Engine, device: Device) -> str:
    """The workstation's device key (the caller has checked the session may have it)."""
    with Session(engine) as session:
        key = session.scalars(
            select(WorkstationRow.device_key).where(WorkstationRow.id == device.workstation_id)
        ).one()
    return key
