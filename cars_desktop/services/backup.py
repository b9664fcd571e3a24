"""Backup and restore for standalone workstations.

A backup is one file (a zip archive, stored without compression since its content is encrypted):
`store.db`, a `sqlcipher_export` of the store under a fresh random backup key, and `manifest.json`
holding a copy of the vault (so the same users' passwords and the recovery key open it) and the
backup key wrapped under the store's data key. Restoring needs a password of a user with the
backup-and-restore permission, or the recovery key.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, ValidationError

from cars_desktop.config import Settings
from cars_desktop.domain import recovery_key
from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import AuthenticationFailed, InvalidInput, StoreError
from cars_desktop.domain.users import Actor
from cars_desktop.services.workstation import (
    JOURNAL_ANCHOR,
    WorkstationSession,
    unlock,
    unlock_with_recovery,
)
from cars_desktop.storage.backup import export_copy
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.repositories import MetaRepository, UserRepository
from cars_desktop.storage.store import Store
from cars_desktop.storage.vault import B64, Vault, VaultFile
from cars_protocol.records import UtcDateTime, utc_now

MANIFEST = "manifest.json"
STORE = "store.db"


class BackupManifest(BaseModel):
    """What a backup file says about itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = 1
    workstation_id: str
    site_code: str
    created_at: UtcDateTime
    created_by: str
    vault: VaultFile
    backup_key_nonce: B64
    backup_key_wrapped: B64


def _aad(workstation_id: str) -> bytes:
    return f"cars-backup/1/{workstation_id}".encode()


def backup_store(session: WorkstationSession, out: Path) -> BackupManifest:
    """Write a backup file; logged as a disclosure to that file."""
    require(session.actor, Permission.BACKUP_AND_RESTORE, "make backups")
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose a new file name so nothing is overwritten")
    if not out.parent.is_dir():
        raise InvalidInput(f"the folder {out.parent} does not exist")
    backup_key = secrets.token_bytes(32)
    nonce = secrets.token_bytes(12)
    wrapped = AESGCM(session.data_key()).encrypt(nonce, backup_key, _aad(session.vault.workstation_id))
    manifest = BackupManifest(
        workstation_id=session.vault.workstation_id,
        site_code=session.site_code,
        created_at=utc_now(),
        created_by=session.user.username,
        vault=session.vault.content,
        backup_key_nonce=nonce,
        backup_key_wrapped=wrapped,
    )
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".cars-backup-") as tmp:
        copy = Path(tmp) / STORE
        export_copy(session.layout.database, session.data_key(), copy, backup_key)
        partial = Path(tmp) / "backup.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(MANIFEST, manifest.model_dump_json())
            archive.write(copy, STORE)
        with session.unit_of_work() as uow:
            uow.audit(
                AuditEvent(
                    AuditOperation.DISCLOSURE,
                    recipient=f"backup file {out.name}",
                    details={"action": "backup", "path": str(out)},
                )
            )
            shutil.move(partial, out)
            uow.commit()
    return manifest


def read_manifest(backup: Path) -> BackupManifest:
    """The manifest of a backup file, or a message saying why the file is not one."""
    try:
        with zipfile.ZipFile(backup) as archive:
            return BackupManifest.model_validate_json(archive.read(MANIFEST))
    except FileNotFoundError:
        raise InvalidInput(f"there is no file {backup}") from None
    except (zipfile.BadZipFile, KeyError, ValidationError):
        raise InvalidInput(f"{backup} is not a CARS Desktop backup file (or it is damaged)") from None


def restore_store(
    settings: Settings,
    data_dir: Path,
    backup: Path,
    username: str,
    password: str | None = None,
    recovery_text: str | None = None,
    replace: bool = False,
) -> WorkstationSession:
    """Rebuild the store in `data_dir` from a backup; an existing store is kept aside, never deleted."""
    manifest = read_manifest(backup)
    layout = StoreLayout(data_dir)
    vault = Vault(layout.vault, manifest.vault)
    if password is not None:
        data_key = vault.unwrap_with_password(username, password)
    elif recovery_text is not None:
        data_key = vault.unwrap_with_recovery(recovery_key.parse(recovery_text))
    else:
        raise AuthenticationFailed("restoring needs a password or the recovery key")
    backup_key = AESGCM(data_key).decrypt(
        manifest.backup_key_nonce, manifest.backup_key_wrapped, _aad(manifest.workstation_id)
    )
    if layout.exists() and not replace:
        raise StoreError(f"a workstation store already exists in {data_dir}; use --replace to set it aside")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".cars-restore-") as tmp:
        with zipfile.ZipFile(backup) as archive:
            archive.extract(STORE, tmp)
        _require_restorer(Path(tmp) / STORE, backup_key, username, manifest.workstation_id)
        if layout.exists():
            aside = data_dir / f"replaced-{datetime.now():%Y%m%d-%H%M%S}"
            aside.mkdir()
            for path in [*layout.store_files(), layout.vault, layout.journal]:
                if path.exists():
                    shutil.move(path, aside / path.name)
        export_copy(Path(tmp) / STORE, backup_key, layout.database, data_key)
    _restart_journal_anchor(layout.database, data_key)
    vault.save()
    if password is None:
        session = unlock_with_recovery(settings, data_dir, recovery_text or "", username)
    else:
        session = unlock(settings, data_dir, username, password)
    with session.unit_of_work() as uow:
        uow.audit(
            AuditEvent(
                AuditOperation.ADMINISTRATION,
                details={
                    "action": "restored",
                    "from": backup.name,
                    "backup_made": manifest.created_at.isoformat(),
                },
            )
        )
        uow.commit()
    return session


def _restart_journal_anchor(database: Path, data_key: bytes) -> None:
    """The restored store starts a new unlock journal; its old anchor must not raise a false alarm."""
    store = Store.open(database, data_key)
    try:
        with store.write_session() as session, session.begin():
            MetaRepository(session).set(JOURNAL_ANCHOR, "0:")
    finally:
        store.dispose()


def _require_restorer(copy: Path, backup_key: bytes, username: str, workstation_id: str) -> None:
    """Check, in the backup itself, that this user may restore, before anything is replaced."""
    store = Store.open(copy, backup_key, migrate=False)
    try:
        with store.read_session() as session:
            account = UserRepository(session).get(username)
    finally:
        store.dispose()
    if account is None or not account.active:
        raise AuthenticationFailed(f"user {username} is not active in this backup")
    actor = Actor(username=username, roles=account.roles, workstation_id=workstation_id)
    require(actor, Permission.BACKUP_AND_RESTORE, "restore backups")
