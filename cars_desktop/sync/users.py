"""Users travel by sync: a user disabled, moved or given new roles centrally changes here too.

After each good sync cycle the workstation asks the server about its site's users and its own
local users (`GET /v1/users`) and brings its local accounts in line:

* disabled centrally, or no longer holding this site → their password slot is removed from the
  vault, their user name is added to the vault's clear list of centrally disabled users, and the
  local account is marked inactive. Unlock refuses a name on that list before any key is tried,
  even offline, with `DISABLED_CENTRALLY_MESSAGE`. The vault is saved first: a crash between the
  two steps leaves the user unable to unlock, and the next sync finishes the local account.
* roles (or display name) changed centrally → the local account is updated.
* enabled again centrally → taken off the list and marked active again; having no slot here any
  more, they unlock once online (server-assisted unlock) to get a new one.

Every change writes one audit entry carrying only the user name and what changed.

Left alone: users the server has never heard of (a local administrator made by `init` on a
standalone store that was enrolled later), and users the server lists whom this workstation has
never seen (they enrol by server-assisted unlock). The user signed in right now keeps working: the
running session holds the data key in memory, so removing their slot only stops the next unlock
(and in practice the server refuses a disabled user's session, so this never runs for them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.users import UserAccount
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.storage.vault import Vault
from cars_desktop.sync.client import SyncClient
from cars_protocol.sync import UserInfo

log = logging.getLogger(__name__)

#: Vault enrolment fact: JSON list of user names disabled centrally (user names are already in
#: clear in the vault's slots, so this discloses nothing new and is readable before unlock).
CENTRALLY_DISABLED_FACT = "centrally_disabled_users"
DISABLED_CENTRALLY_MESSAGE = "your account was disabled by the central service; ask your supervisor"
_DISPLAY_NAME_MAX = 120


@dataclass(frozen=True, slots=True)
class UsersApplied:
    """How many local accounts changed: roles or name updated, and withdrawn (disabled or moved)."""

    updated: int = 0
    disabled: int = 0


def centrally_disabled(vault: Vault) -> frozenset[str]:
    """User names the central service disabled at this workstation (readable before unlock)."""
    text = vault.enrolment_fact(CENTRALLY_DISABLED_FACT)
    if not text:
        return frozenset()
    try:
        names = json.loads(text)
    except json.JSONDecodeError:
        log.warning("the vault's list of centrally disabled users is damaged; it is ignored")
        return frozenset()
    return frozenset(str(name) for name in names) if isinstance(names, list) else frozenset()


def set_centrally_disabled(vault: Vault, names: frozenset[str]) -> None:
    """Replace the list (not saved: the caller saves the vault)."""
    vault.set_enrolment_fact(CENTRALLY_DISABLED_FACT, json.dumps(sorted(names)) if names else None)


def _updated_account(account: UserAccount, info: UserInfo) -> UserAccount | None:
    """The account with the server's roles and name, or None if nothing differs."""
    roles = frozenset(info.roles) if info.roles else account.roles
    name = (info.display_name.strip() or account.username)[:_DISPLAY_NAME_MAX]
    if roles == account.roles and name == account.display_name:
        return None
    return account.model_copy(update={"roles": roles, "display_name": name})


def _audit(uow: UnitOfWork, action: str, username: str, **details: object) -> None:
    uow.audit(
        AuditEvent(
            AuditOperation.ADMINISTRATION,
            details={"action": action, "user": username, "via": "central_server", **details},
        )
    )


def pull_users(uow_factory: Callable[[], UnitOfWork], client: SyncClient, vault: Vault) -> UsersApplied:
    """Bring local accounts in line with the server's users; needs an open server session.

    Raises the client's `SyncError` subclasses if the request fails (nothing is changed then).
    """
    with uow_factory() as uow:
        local = uow.users.list()
    response = client.users([account.username for account in local])
    by_name = {info.username: info for info in response.users}
    elsewhere = set(response.elsewhere)

    disabled_before = centrally_disabled(vault)
    withdraw: dict[str, str] = {}  # user name -> why
    restore: set[str] = set()
    for account in local:
        info = by_name.get(account.username)
        if info is not None and not info.active:
            withdraw[account.username] = "disabled"
        elif info is None and account.username in elsewhere:
            withdraw[account.username] = "site_removed"
        elif info is not None and account.username in disabled_before:
            restore.add(account.username)

    disabled_now = (disabled_before | set(withdraw)) - restore
    slots_to_remove = [name for name in withdraw if vault.has_password_slot(name)]
    if slots_to_remove or disabled_now != disabled_before:
        # The vault first: once saved, the user cannot unlock here whatever happens next.
        for name in slots_to_remove:
            vault.remove_password_slot(name)
        set_centrally_disabled(vault, frozenset(disabled_now))
        vault.save()

    updated = disabled = 0
    with uow_factory() as uow:
        for account in local:
            name = account.username
            info = by_name.get(name)
            if name in withdraw:
                if account.active or name in slots_to_remove:
                    uow.users.update(account.model_copy(update={"active": False}))
                    _audit(uow, "user_disabled", name, reason=withdraw[name])
                    disabled += 1
                continue
            if info is None:
                continue  # unknown to the server, or not this site's: left alone
            changed = _updated_account(account, info)
            if name in restore:
                changed = (changed or account).model_copy(update={"active": True})
                _audit(uow, "user_enabled", name)
            if changed is not None:
                uow.users.update(changed)
                if changed.roles != account.roles or changed.display_name != account.display_name:
                    _audit(uow, "user_updated", name, roles=sorted(r.value for r in changed.roles))
                    updated += 1
        uow.commit()
    if updated or disabled:
        log.info("users from the central server: %d updated, %d disabled here", updated, disabled)
    return UsersApplied(updated=updated, disabled=disabled)
