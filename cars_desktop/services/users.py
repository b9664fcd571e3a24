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
    with session.unit_of_work() as uow:
        if uow.users.get(username) is None:
            raise InvalidInput(f"there is no user called {username} at this workstation")
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
    return [_summary(session, a) for a in accounts]


def _summary(session: WorkstationSession, account: UserAccount) -> UserSummary:
    settings = session.settings
    state = session.journal.lockout_state(
        account.username, settings.lockout_attempts, timedelta(minutes=settings.lockout_minutes)
    )
    locked = state.locked_until if state.is_locked(utc_now()) else None
    return UserSummary(
        account.username,
        account.display_name,
        tuple(sorted(r.value for r in account.roles)),
        account.active,
        0 if state.locked_until and not locked else state.failures,
        locked,
    )


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
