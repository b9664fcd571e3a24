"""Enrolling a workstation with the central server by a one-time code.

On a machine with no store, enrolment creates one: a fresh data key wrapped in a server-assisted
slot (under the per-device key the server returns; that key itself is not kept) and a recovery
slot whose recovery key is sealed to the organisation's recovery public key and escrowed on the
server; nobody is shown it. There are no local users yet: each user's first unlock while online
enrols them (see `workstation.unlock`).

A standalone store made by `init` can be enrolled by its administrator. Its recovery key cannot be
read back from the store, so a new one is made, escrowed, and the old one stops working.

If the escrow upload fails after the code was redeemed, the sealed key (useless without the
organisation's private key) waits in the vault and the next sync sends it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from cars_desktop import __version__
from cars_desktop.config import Settings
from cars_desktop.domain import escrow, recovery_key
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import AuthenticationFailed, NotPermitted, StoreError
from cars_desktop.domain.users import SYSTEM_USERNAME, UserAccount
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.audit import AuditWriter, audit_head
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.store import Store
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.storage.unlock_journal import UnlockJournal
from cars_desktop.storage.vault import Vault
from cars_desktop.sync.client import SyncClient
from cars_desktop.sync.errors import (
    BadCredentials,
    DeviceRevoked,
    InsecureServer,
    ServerRefused,
    ServerUnreachable,
    SyncError,
)
from cars_protocol.records import Role, utc_now
from cars_protocol.sync import EnrolRequest, EnrolResponse, EscrowRequest, SessionRequest

log = logging.getLogger(__name__)

ESCROW_PENDING = "escrow_pending"


@dataclass(frozen=True)
class EnrolResult:
    """What enrolment tells IT staff; the recovery key only when explicitly asked for."""

    workstation_id: str
    site_code: str
    server_url: str
    created_store: bool
    escrowed: bool
    recovery_key: str | None = None


def _device_key(response: EnrolResponse) -> bytes:
    try:
        return base64.b64decode(response.device_key.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        raise StoreError("the central server sent a damaged device key; nothing was set up") from None


def _escrow(client: SyncClient, vault: Vault, workstation_id: str, public_key: str, secret: bytes) -> bool:
    """Seal and upload the recovery secret; on failure keep the sealed text for the next sync."""
    sealed = escrow.seal(public_key, secret, workstation_id)
    try:
        client.put_escrow(EscrowRequest(sealed_recovery_key=sealed))
    except SyncError as exc:
        log.warning("escrow upload failed; it will be retried at the next sync: %s", type(exc).__name__)
        vault.set_enrolment_fact(ESCROW_PENDING, sealed)
        vault.save()
        return False
    vault.set_enrolment_fact(ESCROW_PENDING, None)
    vault.save()
    return True


def retry_pending_escrow(client: SyncClient, vault: Vault) -> bool:
    """Send an escrow left over from enrolment; True once nothing is pending."""
    sealed = vault.enrolment_fact(ESCROW_PENDING)
    if sealed is None:
        return True
    client.put_escrow(EscrowRequest(sealed_recovery_key=sealed))
    vault.set_enrolment_fact(ESCROW_PENDING, None)
    vault.save()
    return True


def enrol(
    settings: Settings,
    data_dir: Path,
    server_url: str,
    code: str,
    label: str,
    http: httpx.Client,
    session: WorkstationSession | None = None,
    show_recovery_key: bool = False,
) -> EnrolResult:
    """Enrol this workstation: create an enrolled store, or (with an admin session) enrol an existing one."""
    client = SyncClient(http, server_url, __version__)
    if session is not None:
        return _enrol_existing(session, client, code, label, show_recovery_key)
    layout = StoreLayout(data_dir)
    if layout.exists():
        raise StoreError(
            f"a workstation store already exists in {data_dir}; an administrator enrols it with --user"
        )
    return _enrol_new(layout, client, code, label, show_recovery_key)


def _enrol_new(
    layout: StoreLayout, client: SyncClient, code: str, label: str, show_recovery_key: bool
) -> EnrolResult:
    workstation_id = str(uuid.uuid4())
    data_key = secrets.token_bytes(32)
    vault = Vault.create(layout.vault, "PENDING", data_key, workstation_id=workstation_id)
    response = client.enrol(
        EnrolRequest(
            code=code,
            workstation_id=uuid.UUID(workstation_id),
            label=label,
            signing_public_key=base64.b64encode(vault.content.device_public_key).decode("ascii"),
        )
    )
    site = response.site_code
    vault.set_server_slot(_device_key(response), data_key)
    vault.set_enrolment(
        client.base_url, workstation_id, site, response.device_credential.get_secret_value(), data_key
    )
    secret, printable = recovery_key.generate()
    vault.set_recovery_slot(secret, data_key)
    layout.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = Store.open(layout.database, data_key)
    try:
        writer = AuditWriter(vault.device_signing_key(data_key), vault.workstation_id)
        with UnitOfWork(store, writer, SYSTEM_USERNAME, SYSTEM_USERNAME) as uow:
            uow.meta.set("workstation_id", workstation_id)
            uow.meta.set("site_code", site)
            uow.audit(
                AuditEvent(
                    AuditOperation.ADMINISTRATION,
                    details={"action": "workstation_enrolled", "site": site, "created_store": True},
                )
            )
            uow.commit()
    finally:
        store.dispose()
    vault.save()  # last, as in init: a store without a vault is reported as incomplete
    escrowed = _escrow(client, vault, workstation_id, response.recovery_public_key, secret)
    return EnrolResult(
        workstation_id, site, client.base_url, True, escrowed, printable if show_recovery_key else None
    )


def _enrol_existing(
    session: WorkstationSession, client: SyncClient, code: str, label: str, show_recovery_key: bool
) -> EnrolResult:
    if not session.user.has_role(Role.ADMIN):
        raise NotPermitted("only an administrator can enrol this workstation with the central server")
    vault = session.vault
    if vault.enrolment_info() is not None:
        raise StoreError("this workstation is already enrolled with a central server; nothing was changed")
    server_id = str(uuid.uuid4())
    with session.store.read_session() as read:
        head = audit_head(read)
    response = client.enrol(
        EnrolRequest(
            code=code,
            workstation_id=uuid.UUID(server_id),
            label=label,
            signing_public_key=base64.b64encode(vault.content.device_public_key).decode("ascii"),
            audit_head_seq=head.seq,
            audit_head_digest=head.entry_hash,
        )
    )
    if response.site_code != session.site_code:
        raise StoreError(
            f"the enrolment code is for site {response.site_code} but this workstation's store is for "
            f"{session.site_code}; ask IT staff to revoke it on the server and issue a code for "
            f"{session.site_code}"
        )
    data_key = session.data_key()
    vault.set_server_slot(_device_key(response), data_key)
    vault.set_enrolment(
        client.base_url,
        server_id,
        response.site_code,
        response.device_credential.get_secret_value(),
        data_key,
    )
    secret, printable = recovery_key.generate()
    vault.set_recovery_slot(secret, data_key)
    vault.save()
    with session.unit_of_work() as uow:
        uow.audit(
            AuditEvent(
                AuditOperation.ADMINISTRATION,
                details={
                    "action": "workstation_enrolled",
                    "site": response.site_code,
                    "created_store": False,
                },
            )
        )
        uow.audit(AuditEvent(AuditOperation.ADMINISTRATION, details={"action": "recovery_key_rotated"}))
        uow.commit()
    escrowed = _escrow(client, vault, server_id, response.recovery_public_key, secret)
    return EnrolResult(
        server_id,
        response.site_code,
        client.base_url,
        False,
        escrowed,
        printable if show_recovery_key else None,
    )


def unlock_via_server(
    settings: Settings, vault: Vault, username: str, password: str, http: httpx.Client, journal: UnlockJournal
) -> tuple[bytes, UserAccount]:
    """Server-assisted unlock: the server checks the password and releases the device key.

    Gives the user a password slot here (or rewraps theirs after a central password change) and
    returns the data key with the account as the server knows it. A wrong password counts toward
    the lockout like a local one.
    """
    from cars_desktop.services.workstation import _record_failure

    info = vault.enrolment_info()
    assert info is not None
    client = SyncClient(
        http, settings.server_url or info.server_url, __version__, vault.pre_unlock_credential()
    )
    try:
        response = client.open_session(SessionRequest(username=username, password=password))
        device_key = client.device_key()
    except BadCredentials:
        raise _record_failure(settings, journal, username) from None
    except DeviceRevoked:
        vault.destroy_local_slots()
        vault.save()
        raise AuthenticationFailed(
            "this workstation was withdrawn from the service by the central server; its keys here "
            "have been destroyed and it can no longer be unlocked; ask IT staff"
        ) from None
    except (ServerUnreachable, InsecureServer):
        if vault.has_password_slot(username):
            raise _record_failure(settings, journal, username) from None
        journal.append(username, "failed_unlock", utc_now())
        raise AuthenticationFailed(
            f"user {username} is not enrolled on this workstation, and the central server could not "
            "be reached to enrol them; try again when the network is back, or sign in as a user "
            "already enrolled here"
        ) from None
    except ServerRefused as exc:
        journal.append(username, "failed_unlock", utc_now())
        raise AuthenticationFailed(exc.message) from None
    data_key = vault.unwrap_with_server(device_key)
    user = response.user
    if not user.roles:
        raise AuthenticationFailed(f"user {username} has no role at the central server; ask IT staff")
    account = UserAccount(
        username=username,
        display_name=(user.display_name.strip() or username)[:120],
        roles=frozenset(user.roles),
        active=user.active,
    )
    vault.set_password_slot(username, password, data_key, settings.kdf)
    vault.save()
    return data_key, account
