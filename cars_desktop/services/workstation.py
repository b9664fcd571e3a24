"""Setting up, unlocking and locking a workstation store.

An unlocked `WorkstationSession` is the only holder of the data key and the open engine; locking
saves open drafts through the registered callbacks, then disposes of the engine and forgets the key.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic_core import to_jsonable_python

from cars_desktop.config import Settings
from cars_desktop.domain import recovery_key
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import (
    AuthenticationFailed,
    IntegrityFailure,
    LockedOut,
    StoreError,
    StoreLocked,
)
from cars_desktop.domain.passwords import check_new_password
from cars_desktop.domain.users import Actor, UserAccount
from cars_desktop.resources import reference_list, use_received_reference
from cars_desktop.services.workstation_facts import (  # re-exported: callers import them from here
    WorkstationIdentity,
    site_name,
)
from cars_desktop.services.workstation_facts import (
    workstation_identity as workstation_identity,
)
from cars_desktop.storage.audit import TAMPER_ALERT, AuditWriter, head_problem
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.store import Store
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.storage.unlock_journal import UnlockJournal
from cars_desktop.storage.vault import Vault
from cars_desktop.sync.reference import install_received_reference
from cars_desktop.sync.users import DISABLED_CENTRALLY_MESSAGE, centrally_disabled, set_centrally_disabled
from cars_protocol.records import Role, utc_now

log = logging.getLogger(__name__)

JOURNAL_ANCHOR = "unlock_journal_anchor"


@dataclass(frozen=True)
class InitResult:
    """What set-up tells the operator; the recovery key is shown once and never stored in clear."""

    workstation_id: str
    site_code: str
    recovery_key: str


@dataclass
class WorkstationSession:
    """An unlocked store and the user who unlocked it."""

    settings: Settings
    layout: StoreLayout
    vault: Vault
    store: Store
    user: UserAccount
    audit_writer: AuditWriter
    _data_key: bytearray
    _before_lock: list[Callable[[], None]] = field(default_factory=list)
    locked: bool = False

    @property
    def actor(self) -> Actor:
        return Actor(
            username=self.user.username, roles=self.user.roles, workstation_id=self.vault.workstation_id
        )

    @property
    def site_code(self) -> str:
        return self.vault.content.site_code

    @property
    def journal(self) -> UnlockJournal:
        return UnlockJournal(self.layout.journal, self.vault.workstation_id)

    def data_key(self) -> bytes:
        """The store key, for rewrapping slots; refused once locked."""
        if self.locked:
            raise StoreLocked("the workstation is locked; unlock it again")
        return bytes(self._data_key)

    def unit_of_work(self) -> UnitOfWork:
        """A write transaction acting as the signed-in user."""
        if self.locked:
            raise StoreLocked("the workstation is locked; unlock it again")
        return UnitOfWork(self.store, self.audit_writer, self.user.username, self.actor.role_label)

    def on_before_lock(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Register something to save (an open draft) before the key is forgotten.

        Returns the function that takes the registration back (a closed form no longer needs it).
        """
        self._before_lock.append(callback)

        def unregister() -> None:
            if callback in self._before_lock:
                self._before_lock.remove(callback)

        return unregister

    def lock(self, reason: str = "manual") -> None:
        """Save drafts, log the lock, close the store and forget the key (best effort in Python)."""
        if self.locked:
            return
        for callback in list(self._before_lock):
            try:
                callback()
            except Exception:  # a failing draft save must not keep the store open
                log.exception("saving a draft before locking failed")
        with self.unit_of_work() as uow:
            uow.audit(AuditEvent(AuditOperation.LOCK, details={"reason": reason}))
            uow.commit()
        self.store.dispose()
        use_received_reference({})
        for i in range(len(self._data_key)):
            self._data_key[i] = 0
        self._before_lock.clear()
        self.locked = True


def session_identity(session: WorkstationSession) -> WorkstationIdentity:
    """The same facts for an unlocked session."""
    code = session.site_code
    return WorkstationIdentity(code, site_name(code), session.vault.workstation_id)


def _check_site(site_code: str) -> None:
    reference_list("sites").get(site_code)


def init_workstation(
    settings: Settings, data_dir: Path, site_code: str, admin_username: str, admin_password: str
) -> InitResult:
    """Create a standalone store with one administrator; refuse to touch an existing one."""
    layout = StoreLayout(data_dir)
    if layout.exists():
        raise StoreError(f"a workstation store already exists in {data_dir}; nothing was changed")
    _check_site(site_code)
    account = UserAccount(username=admin_username, display_name=admin_username, roles=frozenset({Role.ADMIN}))
    check_new_password(admin_password, admin_username)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    data_key = secrets.token_bytes(32)
    vault = Vault.create(layout.vault, site_code, data_key)
    vault.set_password_slot(admin_username, admin_password, data_key, settings.kdf)
    secret, printable = recovery_key.generate()
    vault.set_recovery_slot(secret, data_key)

    store = Store.open(layout.database, data_key)
    try:
        writer = AuditWriter(vault.device_signing_key(data_key), vault.workstation_id)
        with UnitOfWork(store, writer, admin_username, Role.ADMIN.value) as uow:
            uow.meta.set("workstation_id", vault.workstation_id)
            uow.meta.set("site_code", site_code)
            uow.users.add(account)
            uow.audit(
                AuditEvent(
                    AuditOperation.ADMINISTRATION,
                    details={"action": "workstation_created", "site": site_code, "admin": admin_username},
                )
            )
            uow.commit()
    finally:
        store.dispose()
    # The vault goes last: a store without a vault is reported as incomplete, never half-usable.
    vault.save()
    return InitResult(vault.workstation_id, site_code, printable)


def _fold_journal(uow: UnitOfWork, journal: UnlockJournal) -> None:
    """Copy unlock events since the last anchor into the audit log, then move the anchor."""
    anchor = uow.meta.get(JOURNAL_ANCHOR)
    anchor_seq, anchor_hash = (int(anchor.split(":")[0]), anchor.split(":")[1]) if anchor else (0, "")
    try:
        entries = journal.entries()
    except IntegrityFailure as exc:
        uow.audit(AuditEvent(AuditOperation.SECURITY_ALERT, details={"unlock_journal": exc.message}))
        aside = journal.path.with_name(f"{journal.path.name}.damaged-{utc_now():%Y%m%dT%H%M%S}")
        shutil.move(journal.path, aside)
        uow.meta.set(JOURNAL_ANCHOR, "0:")
        return
    if anchor_seq and (len(entries) < anchor_seq or entries[anchor_seq - 1].hash != anchor_hash):
        uow.audit(
            AuditEvent(
                AuditOperation.SECURITY_ALERT,
                details={
                    "unlock_journal": "entries recorded before the last unlock were removed or replaced"
                },
            )
        )
        anchor_seq = 0 if len(entries) < anchor_seq else anchor_seq
    for entry in entries[anchor_seq:]:
        operation = AuditOperation.FAILED_LOGIN if entry.event != "unlocked" else AuditOperation.LOGIN
        if entry.event == "unlocked":
            continue  # the LOGIN entry for this unlock is written by the caller
        uow.audit(
            AuditEvent(operation, details={"journal_event": entry.event, "journal_user": entry.username}),
            at=entry.at,
        )
    if entries:
        uow.meta.set(JOURNAL_ANCHOR, f"{entries[-1].seq}:{entries[-1].hash}")


def _refuse_if_locked_out(settings: Settings, journal: UnlockJournal, username: str, now: datetime) -> None:
    period = timedelta(minutes=settings.lockout_minutes)
    state = journal.lockout_state(username, settings.lockout_attempts, period)
    if state.locked_until is not None and state.is_locked(now):
        journal.append(username, "refused_locked_out", now)
        raise LockedOut(username, state.locked_until)


def _record_failure(settings: Settings, journal: UnlockJournal, username: str) -> AuthenticationFailed:
    now = utc_now()
    journal.append(username, "failed_unlock", now)
    period = timedelta(minutes=settings.lockout_minutes)
    state = journal.lockout_state(username, settings.lockout_attempts, period)
    if state.locked_until is not None and state.is_locked(now):
        return LockedOut(username, state.locked_until)
    left = settings.lockout_attempts - state.failures
    return AuthenticationFailed(
        f"the user name or password is not right ({left} attempt{'s' if left != 1 else ''} left "
        f"before a {settings.lockout_minutes:g}-minute lockout)"
    )


def _open_session(
    settings: Settings,
    layout: StoreLayout,
    vault: Vault,
    data_key: bytes,
    username: str,
    enrol_as: UserAccount | None = None,
) -> WorkstationSession:
    if not layout.database.exists():
        raise StoreError(f"the store file is missing from {layout.data_dir}; restore it from a backup")
    store = Store.open(layout.database, data_key)
    writer = AuditWriter(vault.device_signing_key(data_key), vault.workstation_id)
    if enrol_as is not None:
        _enrol_from_server(store, writer, enrol_as)
    with store.read_session() as session:
        from cars_desktop.storage.repositories import UserRepository

        account = UserRepository(session).get(username)
    if account is None or not account.active:
        store.dispose()
        raise AuthenticationFailed(f"user {username} is not active at this workstation")
    unlocked = WorkstationSession(settings, layout, vault, store, account, writer, bytearray(data_key))
    with unlocked.unit_of_work() as uow:  # reference lists received from the server, used by date
        install_received_reference(uow)
    return unlocked


def unlock(
    settings: Settings, data_dir: Path, username: str, password: str, http: httpx.Client | None = None
) -> WorkstationSession:
    """Unlock with user name and password, under the lockout rule.

    Offline, only users with a slot here can unlock. With `http` on an enrolled workstation, a user
    with no slot here (or whose password was changed centrally) who signs in to the server gets a
    slot: the server releases the device key that opens the server slot, and the user is added
    with the roles the server holds.
    """
    layout = StoreLayout(data_dir)
    vault = Vault.load(layout.vault)
    journal = UnlockJournal(layout.journal, vault.workstation_id)
    _refuse_if_locked_out(settings, journal, username, utc_now())
    if username in centrally_disabled(vault):
        return _unlock_centrally_disabled(settings, layout, vault, journal, username, password, http)
    details: dict[str, object] = {}
    try:
        data_key = vault.unwrap_with_password(username, password)
    except AuthenticationFailed:
        if http is None or vault.enrolment_info() is None:
            raise _record_failure(settings, journal, username) from None
        from cars_desktop.services.enrolment import unlock_via_server

        data_key, user = unlock_via_server(settings, vault, username, password, http, journal)
        details = {"via": "central_server"}
        session = _open_session(settings, layout, vault, data_key, username, enrol_as=user)
    else:
        session = _open_session(settings, layout, vault, data_key, username)
    journal.append(username, "unlocked", utc_now())
    _record_login(session, details)
    _enforce_offline_limit(session, password, http)
    return session


def _unlock_centrally_disabled(
    settings: Settings,
    layout: StoreLayout,
    vault: Vault,
    journal: UnlockJournal,
    username: str,
    password: str,
    http: httpx.Client | None,
) -> WorkstationSession:
    """A user the central service disabled here (learnt at a sync) unlocks only if it says so again.

    Offline, or with the server out of reach, the answer is a clear refusal before any key is
    tried. Online, the server decides: a user enabled again gets a new slot by server-assisted
    unlock and comes off the list; one still disabled gets the server's refusal.
    """
    from cars_desktop import __version__
    from cars_desktop.services.enrolment import unlock_via_server
    from cars_desktop.sync.client import SyncClient
    from cars_desktop.sync.errors import SyncError

    info = vault.enrolment_info()
    reachable = False
    if http is not None and info is not None:
        try:
            SyncClient(http, settings.server_url or info.server_url, __version__).health()
            reachable = True
        except SyncError:
            reachable = False
    if not reachable:
        journal.append(username, "refused_disabled", utc_now())
        raise AuthenticationFailed(DISABLED_CENTRALLY_MESSAGE)
    assert http is not None
    data_key, user = unlock_via_server(settings, vault, username, password, http, journal)
    set_centrally_disabled(vault, centrally_disabled(vault) - {username})
    vault.save()
    session = _open_session(settings, layout, vault, data_key, username, enrol_as=user)
    journal.append(username, "unlocked", utc_now())
    _record_login(session, {"via": "central_server"})
    _enforce_offline_limit(session, password, http)
    return session


def _enforce_offline_limit(session: WorkstationSession, password: str, http: httpx.Client | None) -> None:
    """After too long without a good sync an enrolled workstation unlocks only to sync.

    If that sync fails the store is locked again with why and what to do. Unlocking with the
    recovery key does not come through here, so it overrides the limit.
    """
    info = session.vault.enrolment_info()
    if info is None:
        return
    with session.unit_of_work() as uow:
        last_text = uow.sync.fact("last_good_at")
    last = datetime.fromisoformat(last_text) if last_text else info.enrolled_at
    limit = session.settings.offline_days_limit
    if utc_now() - last <= timedelta(days=limit):
        return
    from cars_desktop.services.sync import sync_now
    from cars_desktop.sync.errors import SyncError

    why = "no network connection was offered"
    if http is not None:
        try:
            sync_now(session, http, password)
            return
        except SyncError as exc:
            why = exc.message
    session.lock("offline_limit")
    raise StoreLocked(
        f"this workstation has not synced with the central server for more than {limit:g} days, so it "
        f"unlocks only to sync, and the sync failed ({why}); connect it to the network and unlock "
        "again, or ask IT staff (the recovery key overrides this)"
    )


def _enrol_from_server(store: Store, writer: AuditWriter, account: UserAccount) -> None:
    """Add (or bring up to date) a user the central server vouched for, in the store's user table."""
    with UnitOfWork(store, writer, account.username, "+".join(sorted(r.value for r in account.roles))) as uow:
        known = uow.users.get(account.username)
        if known is None:
            uow.users.add(account)
        else:
            uow.users.update(account)
        uow.audit(
            AuditEvent(
                AuditOperation.ADMINISTRATION,
                details={
                    "action": "user_enrolled" if known is None else "user_updated",
                    "user": account.username,
                    "roles": sorted(account.roles),
                    "via": "central_server",
                },
            )
        )
        uow.commit()


def _record_login(session: WorkstationSession, details: dict[str, object]) -> None:
    """Check the log's signed head, fold the unlock journal in, and log the login itself."""
    with session.unit_of_work() as uow:
        problem = head_problem(uow.session, session.vault.device_public_key())
        if problem:
            uow.audit(AuditEvent(AuditOperation.SECURITY_ALERT, details={TAMPER_ALERT: problem}))
        _fold_journal(uow, session.journal)
        uow.audit(AuditEvent(AuditOperation.LOGIN, details=details))
        uow.commit()


def unlock_with_recovery(
    settings: Settings, data_dir: Path, recovery_text: str, as_username: str
) -> WorkstationSession:
    """Unlock with the recovery key, acting as an enrolled user (to reset their password)."""
    layout = StoreLayout(data_dir)
    vault = Vault.load(layout.vault)
    data_key = vault.unwrap_with_recovery(recovery_key.parse(recovery_text))
    session = _open_session(settings, layout, vault, data_key, as_username)
    _record_login(session, {"via": "recovery_key"})
    return session


PENDING_AMENDMENT_KEY = "pending_amendment:"
"""Store-meta key prefix (with the record id) of an amendment being typed when the session locked."""


def keep_pending_amendment(
    session: WorkstationSession, record_id: uuid.UUID, reason: str, answers: dict[str, Any]
) -> None:
    """Keep an amendment in progress across a lock, in the encrypted store like a draft.

    A draft is saved as a record before the key goes; an amendment is not a record until it is
    saved as a new revision, so its reason and answers wait here (ids only stay in memory while
    locked) until the same form is reopened after the unlock (`take_pending_amendment`).
    """
    value = json.dumps({"reason": reason, "answers": to_jsonable_python(answers)})
    with session.unit_of_work() as uow:
        uow.meta.set(PENDING_AMENDMENT_KEY + str(record_id), value)
        uow.commit()


def take_pending_amendment(
    session: WorkstationSession, record_id: uuid.UUID
) -> tuple[str, dict[str, Any]] | None:
    """The amendment kept for this record at the last lock (reason, answers), once: it is cleared."""
    key = PENDING_AMENDMENT_KEY + str(record_id)
    with session.unit_of_work() as uow:
        value = uow.meta.get(key)
        if not value:
            return None
        uow.meta.set(key, "")
        uow.commit()
    kept = json.loads(value)
    return str(kept["reason"]), dict(kept["answers"])
