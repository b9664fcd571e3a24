"""Local user accounts: who may unlock this workstation and in which roles."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cars_desktop.domain.errors import InvalidInput
from cars_protocol.records import Role, Username, UtcDateTime, utc_now


class UserAccount(BaseModel):
    """A user enrolled at this workstation; the password itself lives only in the vault's slot."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: Username
    display_name: str = Field(min_length=1, max_length=120)
    roles: frozenset[Role] = Field(min_length=1)
    active: bool = True
    created_at: UtcDateTime = Field(default_factory=utc_now)

    def has_role(self, role: Role) -> bool:
        """Roles combine: an administrator who is also a supervisor has both sets of rights."""
        return role in self.roles


class Actor(BaseModel):
    """Who is doing something, as recorded in the audit log and checked by the access policy."""

    model_config = ConfigDict(frozen=True)

    username: Username
    roles: frozenset[Role]
    workstation_id: str

    @property
    def role_label(self) -> str:
        """A stable text of the roles for the audit log."""
        return "+".join(sorted(r.value for r in self.roles))


SYSTEM_USERNAME = "system"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,63}$")


def check_username(username: str) -> str:
    """A user name as typed, or a message saying what user names look like."""
    if not _USERNAME.match(username):
        raise InvalidInput(
            f"{username!r} is not a valid user name: use 2 to 64 lower-case letters, digits, "
            "dots, dashes or underscores, starting with a letter or digit"
        )
    return username


def unlocked_at() -> datetime:
    """When a session started; one clock for the whole program."""
    return utc_now()
