"""The vocabulary of the audit log (DPA 2018 s.62 and the workstation's own security events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AuditOperation(StrEnum):
    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"
    LOGIN = "login"
    FAILED_LOGIN = "failed_login"
    LOCK = "lock"
    ADMINISTRATION = "administration"
    SECURITY_ALERT = "security_alert"


@dataclass(frozen=True)
class AuditEvent:
    """What one log entry says, before the log gives it a place in the chain."""

    operation: AuditOperation
    record_type: str | None = None
    record_id: str | None = None
    justification: str | None = None
    recipient: str | None = None
    legal_basis: str | None = None
    details: dict[str, object] = field(default_factory=dict)
