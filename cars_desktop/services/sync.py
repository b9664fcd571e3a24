"""Sync now: one full cycle with the central server for an unlocked workstation.

The user's server session comes from their password when the caller has it (the command line,
an unlock) and otherwise from the workstation's signed attestation that this user unlocked it
(background sync). A DEVICE_REVOKED refusal destroys every local key slot and locks the store, so
the data here can no longer be opened; the escrowed recovery key still opens it centrally.
"""

from __future__ import annotations

import base64
import logging
import uuid

import httpx

from cars_desktop import __version__
from cars_desktop.domain.errors import CarsError, StoreError
from cars_desktop.services.enrolment import retry_pending_escrow
from cars_desktop.services.retention import purge_when_due
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.sync.client import SyncClient
from cars_desktop.sync.cycle import SyncReport, SyncStatus, keep_server_minimum, run_cycle, sync_status
from cars_desktop.sync.errors import ClientTooOld, DeviceRevoked
from cars_desktop.sync.users import pull_users
from cars_protocol.records import utc_now
from cars_protocol.sync import SessionRequest, attestation_message

log = logging.getLogger(__name__)


def server_client(session: WorkstationSession, http: httpx.Client) -> SyncClient:
    """A client for this workstation's server, carrying its device credential."""
    info = session.vault.enrolment_info()
    if info is None:
        raise StoreError(
            "this workstation is not enrolled with a central server; "
            "IT staff enrol it with 'cars-desktop enrol'"
        )
    url = session.settings.server_url or info.server_url
    return SyncClient(http, url, __version__, session.vault.device_credential(session.data_key()))


def sign_in(session: WorkstationSession, client: SyncClient, password: str | None = None) -> None:
    """Open the user's server session: by password if given, else by the workstation's attestation."""
    username = session.user.username
    if password is not None:
        client.open_session(SessionRequest(username=username, password=password))
        return
    info = session.vault.enrolment_info()
    assert info is not None
    at = utc_now()
    message = attestation_message(uuid.UUID(info.workstation_id), username, at)
    signature = session.vault.device_signing_key(session.data_key()).sign(message)
    client.open_session(
        SessionRequest(
            username=username, attested_at=at, attestation=base64.b64encode(signature).decode("ascii")
        )
    )


def revoke_locally(session: WorkstationSession) -> None:
    """The server says this workstation is revoked: destroy every key slot, then lock."""
    session.vault.destroy_local_slots()
    session.vault.save()
    session.lock("device_revoked")


def sync_now(session: WorkstationSession, http: httpx.Client, password: str | None = None) -> SyncReport:
    """Push the outbox and pull the feed once; raises a SyncError subclass on failure."""
    client = server_client(session, http)
    settings = session.settings
    try:
        sign_in(session, client, password)
        retry_pending_escrow(client, session.vault)
        report = run_cycle(
            session.unit_of_work,
            client,
            batch_size=settings.sync_batch_size,
            batch_bytes=settings.sync_batch_bytes,
        )
        # After a good cycle: users disabled, moved or given new roles centrally change here too.
        pull_users(session.unit_of_work, client, session.vault)
    except ClientTooOld:
        with session.unit_of_work() as uow:  # refused at sign-in: the status bar names the version
            keep_server_minimum(uow, client)
            uow.commit()
        raise
    except DeviceRevoked as exc:
        revoke_locally(session)
        raise DeviceRevoked(
            exc.code,
            "this workstation was withdrawn from the service by the central server; its keys here "
            "have been destroyed and it can no longer be unlocked; ask IT staff",
        ) from None
    _purge_after_sync(session)
    return report


def _purge_after_sync(session: WorkstationSession) -> None:
    """Apply the retention policy now that the server holds what was sent; a failure is logged.

    A purge problem must not make a good sync look failed (the worker would retry for nothing);
    it is logged without personal data and tried again after the next sync.
    """
    try:
        report = purge_when_due(session)
    except CarsError as exc:
        log.warning("the retention purge after sync failed: %s", exc)
        return
    if report is not None and report.people:
        log.info(
            "retention purge: %d people, %d records removed from this workstation",
            report.people,
            report.records,
        )


def workstation_sync_status(session: WorkstationSession) -> SyncStatus:
    """Pending count, age of the oldest unsent change, last good sync (for the status bar)."""
    with session.unit_of_work() as uow:
        return sync_status(uow)
