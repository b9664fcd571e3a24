"""How the windows name roles (the workstation's own facts come from services.workstation)."""

from __future__ import annotations

from cars_protocol.records import Role

ROLE_LABELS: dict[Role, str] = {
    Role.WORKER: "Worker",
    Role.COURT_WORKER: "Court worker",
    Role.SUPERVISOR: "Supervisor",
    Role.ADMIN: "Administrator",
    Role.CUSTODY_STAFF: "Custody staff",
}


def roles_label(roles: frozenset[Role]) -> str:
    """Roles as people say them, in a stable order: "Supervisor, Worker"."""
    return ", ".join(sorted(ROLE_LABELS.get(r, r.value) for r in roles))
