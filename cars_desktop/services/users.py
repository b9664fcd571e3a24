"""Enrolling users, passwords, lockouts and the recovery key.

The vault file and the store change together: the vault is written first and undone if the store
transaction fails, so a user never exists in one without the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cars_desktop.config import Settings
from cars_desktop.domain import recovery_key
from cars_desktop.domain.access import Permission, allows, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import AuthenticationFailed, InvalidInput, NotPermitted
from cars_desktop.domain.passwords import check_new_password
from cars_desktop.domain.users import UserAccount
from cars_desktop.services.workstation import WorkstationSession, unlock_with_recovery
from cars_desktop.storage.unlock_journal import JournalEntry
from cars_protocol.records import Role, utc_now


@dataclass(frozen=True)
class UserSummary:
    """A user as listed for supervisors and administrators."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    failed_attempts: int
    locked_until: datetime | None
    last_unlock: datetime | None = None  # the last successful unlock here (from the unlock journal)
    can_unlock_here: bool = True  # holds a password slot at this workstation


def _audit_admin(session: WorkstationSession, action: str, **details: object) -> None:
    with session.unit_of_work() as uow:
        uow.audit(AuditEvent(AuditOperation.ADMINISTRATION, details={"action": action, **details}))
        uow.commit()


def enrol_user(
    session: WorkstationSession, username: str, display_name: str, roles: frozenset[Role], password: str
) -> UserSummary:
    """Enrol another local user; only an administrator may create another administrator."""
    require(session.actor, Permission.ENROL_USERS, "enrol users")
    if Role.ADMIN in roles and not session.user.has_role(Role.ADMIN):
        raise NotPermitted("only an administrator can enrol another administrator")
    account = UserAccount(username=username, display_name=display_name, roles=roles)
    check_new_password(password, username)
    with session.unit_of_work() as uow:
        if uow.users.get(username) is not None:
            raise InvalidInput(f"there is already a user called {username} at this workstation")
    session.vault.set_password_slot(username, password, session.data_key(), session.settings.kdf)
    session.vault.save()
    try:
        with session.unit_of_work() as uow:
            uow.users.add(account)
            uow.audit(
                AuditEvent(
                    AuditOperation.ADMINISTRATION,
                    details={"action": "user_enrolled", "user": username, "roles": sorted(roles)},
                )
            )
            uow.commit()
    except Exception:
        session.vault.remove_password_slot(username)
        session.vault.save()
        raise
    return _summary(session, account)


def change_own_password(session: WorkstationSession, current_password: str, new_password: str) -> None:
    """Rewrap the signed-in user's slot only; the data key and every other slot stay as they are."""
    username = session.user.username
    try:
        session.vault.unwrap_with_password(username, current_password)
    except AuthenticationFailed:
        raise AuthenticationFailed("your current password is not right; nothing was changed") from None
    check_new_password(new_password, username)
    session.vault.set_password_slot(username, new_password, session.data_key(), session.settings.kdf)
    session.vault.save()
    _audit_admin(session, "password_changed", user=username)


def reset_password(session: WorkstationSession, username: str, new_password: str) -> None:
    """An administrator (or the recovery key) sets another user's password and clears their lockout."""
    if username != session.user.username:
        require(session.actor, Permission.RESET_OTHERS_PASSWORDS, "reset other users' passwords")
    _check_can_reset(session, username)
    check_new_password(new_password, username)
    session.vault.set_password_slot(username, new_password, session.data_key(), session.settings.kdf)
    session.vault.save()
    session.journal.append(username, "lockout_cleared", utc_now())
    _audit_admin(session, "password_reset", user=username)


def reset_password_with_recovery(
    settings: Settings, data_dir: Path, recovery_text: str, username: str, new_password: str
) -> None:
    """Forgotten password: the recovery key unlocks the store and sets a new password for a user."""
    session = unlock_with_recovery(settings, data_dir, recovery_text, username)
    try:
        check_new_password(new_password, username)
        session.vault.set_password_slot(username, new_password, session.data_key(), settings.kdf)
        session.vault.save()
        session.journal.append(username, "lockout_cleared", utc_now())
        _audit_admin(session, "password_reset", user=username, via="recovery_key")
    finally:
        session.lock("recovery_done")


def clear_lockout(session: WorkstationSession, username: str) -> None:
    """Let a locked-out user try again before the lockout period ends."""
    require(session.actor, Permission.CLEAR_LOCKOUTS, "clear lockouts")
    if not session.vault.has_password_slot(username):
        raise InvalidInput(f"there is no user called {username} at this workstation")
    session.journal.append(username, "lockout_cleared", utc_now())
    _audit_admin(session, "lockout_cleared", user=username)


def list_users(session: WorkstationSession) -> list[UserSummary]:
    """Everyone enrolled here, with their lockout state."""
    require(session.actor, Permission.LIST_USERS, "list users")
    with session.unit_of_work() as uow:
        accounts = uow.users.list()
    entries = session.journal.entries()  # read once for every user, not once per user
    return [_summary(session, a, entries) for a in accounts]


def _summary(
    session: WorkstationSession, account: UserAccount, entries: list[JournalEntry] | None = None
) -> UserSummary:
    settings = session.settings
    if entries is None:
        entries = session.journal.entries()
    state = session.journal.lockout_state(
        account.username, settings.lockout_attempts, timedelta(minutes=settings.lockout_minutes), entries
    )
    locked = state.locked_until if state.is_locked(utc_now()) else None
    unlocks = [e.at for e in entries if e.username == account.username and e.event == "unlocked"]
    return UserSummary(
        account.username,
        account.display_name,
        tuple(sorted(r.value for r in account.roles)),
        account.active,
        0 if state.locked_until and not locked else state.failures,
        locked,
        max(unlocks) if unlocks else None,
        session.vault.has_password_slot(account.username),
    )


def disable_user(session: WorkstationSession, username: str) -> None:
    """Stop a user unlocking here: their key slot goes, their account and history stay.

    The vault is saved first, so once this returns past that point the user cannot unlock even if
    the store write fails (as for users disabled centrally, `sync.users`); the account is then
    marked inactive with an audit entry. Nobody disables themselves (the workstation would be left
    without the person who did it), and only an administrator disables an administrator.
    """
    require(session.actor, Permission.ENROL_USERS, "disable users")
    if username == session.user.username:
        raise InvalidInput("you cannot disable yourself; ask another administrator")
    with session.unit_of_work() as uow:
        account = uow.users.get(username)
    if account is None:
        raise InvalidInput(f"there is no user called {username} at this workstation")
    if Role.ADMIN in account.roles and not session.user.has_role(Role.ADMIN):
        raise NotPermitted("only an administrator can disable an administrator")
    if not account.active and not session.vault.has_password_slot(username):
        raise InvalidInput(f"{username} is already disabled at this workstation")
    session.vault.remove_password_slot(username)
    session.vault.save()
    with session.unit_of_work() as uow:
        uow.users.update(account.model_copy(update={"active": False}))
        uow.audit(
            AuditEvent(AuditOperation.ADMINISTRATION, details={"action": "user_disabled", "user": username})
        )
        uow.commit()


def reset_password_using_recovery_key(
    session: WorkstationSession, recovery_text: str, username: str, new_password: str
) -> None:
    """Someone signed in without the right to reset others' passwords shows the recovery key instead.

    The key is checked against the vault's recovery slot (it must open this store); nothing is
    changed if it does not. The open session is used, so the program's state is left as it was.
    """
    secret = recovery_key.parse(recovery_text)
    try:
        session.vault.unwrap_with_recovery(secret)
    except AuthenticationFailed:
        raise AuthenticationFailed(
            "that recovery key does not open this workstation's store; nothing was changed"
        ) from None
    _check_can_reset(session, username)
    check_new_password(new_password, username)
    session.vault.set_password_slot(username, new_password, session.data_key(), session.settings.kdf)
    session.vault.save()
    session.journal.append(username, "lockout_cleared", utc_now())
    _audit_admin(session, "password_reset", user=username, via="recovery_key")


def _check_can_reset(session: WorkstationSession, username: str) -> None:
    with session.unit_of_work() as uow:
        account = uow.users.get(username)
    if account is None:
        raise InvalidInput(f"there is no user called {username} at this workstation")
    if not account.active:
        raise InvalidInput(f"{username} is disabled at this workstation, so a new password would not help")


def rotate_recovery_key(session: WorkstationSession) -> str:
    """A new recovery key, shown once; the old one stops working at once."""
    require(session.actor, Permission.ROTATE_RECOVERY_KEY, "make a new recovery key")
    secret, printable = recovery_key.generate()
    session.vault.set_recovery_slot(secret, session.data_key())
    session.vault.save()
    _audit_admin(session, "recovery_key_rotated")
    return printable


def can_manage_users(session: WorkstationSession) -> bool:
    """Whether the user-management screens should be offered at all."""
    return allows(session.actor, Permission.ENROL_USERS)
