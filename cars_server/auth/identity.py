"""Who is asking: the authenticated workstation, and the user signed in through it."""

from __future__ import annotations

from dataclasses import dataclass

from cars_protocol.records import Role


@dataclass(frozen=True, slots=True)
class Device:
    """An enrolled, unrevoked workstation, as read from the database for this request."""

    workstation_id: str
    site_code: str
    label: str
    signing_public_key: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A user with a live session from `device`; `kind` is `password` or `attested`."""

    device: Device
    username: str
    roles: frozenset[str]
    sites: frozenset[str]
    kind: str

    @property
    def is_supervisor(self) -> bool:
        """True for supervisors, who see conflicts and workstation status across their sites."""
        return Role.SUPERVISOR.value in self.roles
