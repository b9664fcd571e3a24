"""Who is asking: the authenticated workstation and signed-in user, as the routes established them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """The workstation and user behind a sync request; built by the routes after authentication."""

    workstation_id: str  # str(UUID)
    workstation_site: str  # site code the workstation is enrolled at
    username: str
    roles: frozenset[str]  # cars_protocol.records.Role values
    sites: frozenset[str]  # sites the user may work at
