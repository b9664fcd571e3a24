"""The organisation's recovery key pair: make it, and open a workstation's escrowed recovery key.

The private key never touches the server's database or settings: `keygen` writes it to a file
(mode 0600) that the organisation keeps offline, and `unseal` reads it from a file for one
recovery. Both use `cars_desktop.domain.escrow`, the same code the workstation seals with.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.domain.escrow import generate_key_pair, load_private_key, unseal
from cars_desktop.domain.recovery_key import format_key
from cars_server.audit_log import write_audit
from cars_server.errors import AdminError
from cars_server.storage.tables import EscrowRow

PRIVATE_KEY_MODE = 0o600
MAX_KEY_FILE_BYTES = 16 * 1024


def keygen(out: Path) -> str:
    """Write a new private key to `out` (never overwriting) and return the public key to configure."""
    pem, public = generate_key_pair()
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_KEY_MODE)
    except FileExistsError:
        raise AdminError(f"{out} already exists; choose another file (it is never overwritten)") from None
    except OSError as exc:
        raise AdminError(f"cannot create {out}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return public


def unseal_recovery_key(
    engine: Engine, private_key_file: Path, workstation_id: str, actor: str, now: datetime
) -> str:
    """The workstation's recovery key, printable, opened with the organisation's private key."""
    try:
        pem = private_key_file.read_bytes()[: MAX_KEY_FILE_BYTES + 1]
    except OSError as exc:
        raise AdminError(f"cannot read {private_key_file}: {exc.strerror}") from None
    if len(pem) > MAX_KEY_FILE_BYTES:
        raise AdminError(f"{private_key_file} is too large to be a recovery private key")
    workstation_id = workstation_id.strip().lower()
    with Session(engine) as session, session.begin():
        row = session.get(EscrowRow, workstation_id)
        if row is None:
            raise AdminError(f"no escrowed recovery key for workstation {workstation_id}")
        try:
            secret = unseal(load_private_key(pem), row.sealed_recovery_key, workstation_id)
        except InvalidInput as exc:
            raise AdminError(str(exc)) from None
        write_audit(
            session,
            actor=actor,
            operation="recovery_key_unsealed",
            detail={},
            workstation_id=workstation_id,
            at=now,
        )
    return format_key(secret)
