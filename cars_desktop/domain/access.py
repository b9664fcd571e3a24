"""Who may see and do what: one table, enforced by the services (Caldicott: need-to-know).

The UI hides what a role cannot use, but the services check this policy on every call, so a
command-line user or a bug in a page cannot reach past it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum

from cars_desktop.domain.errors import NotPermitted
from cars_desktop.domain.users import Actor
from cars_protocol.records import Appointment, Assessment, AssessmentKind, RecordBase, Role


class Permission(StrEnum):
    VIEW_PEOPLE = "view_people"
    EDIT_PEOPLE = "edit_people"
    VIEW_CASEWORK = "view_casework"
    EDIT_CASEWORK = "edit_casework"
    REVIEW_CASEWORK = "review_casework"
    MERGE_PEOPLE = "merge_people"
    DELETE_RECORDS = "delete_records"
    BOOK_APPOINTMENTS = "book_appointments"
    VIEW_ALL_APPOINTMENTS = "view_all_appointments"
    VIEW_OWN_BOOKINGS = "view_own_bookings"
    VIEW_KPIS = "view_kpis"
    EXPORT_RECORDS = "export_records"
    ENROL_USERS = "enrol_users"
    RESET_OTHERS_PASSWORDS = "reset_others_passwords"
    CLEAR_LOCKOUTS = "clear_lockouts"
    LIST_USERS = "list_users"
    ROTATE_RECOVERY_KEY = "rotate_recovery_key"
    MANAGE_SETTINGS = "manage_settings"
    BACKUP_AND_RESTORE = "backup_and_restore"
    VERIFY_AUDIT = "verify_audit"
    RESOLVE_CONFLICTS = "resolve_conflicts"
    PURGE_RETAINED = "purge_retained"
    PRINT_DOCUMENTS = "print_documents"
    PRINT_OWN_APPOINTMENT_LETTERS = "print_own_appointment_letters"


P = Permission

_CASEWORK = {
    P.PRINT_DOCUMENTS,
    P.VIEW_PEOPLE,
    P.EDIT_PEOPLE,
    P.VIEW_CASEWORK,
    P.EDIT_CASEWORK,
    P.BOOK_APPOINTMENTS,
    P.VIEW_ALL_APPOINTMENTS,
}

POLICY: dict[Role, frozenset[Permission]] = {
    Role.WORKER: frozenset(_CASEWORK),
    Role.COURT_WORKER: frozenset(_CASEWORK),
    Role.SUPERVISOR: frozenset(
        _CASEWORK
        | {
            P.REVIEW_CASEWORK,
            P.MERGE_PEOPLE,
            P.DELETE_RECORDS,
            P.VIEW_KPIS,
            P.EXPORT_RECORDS,
            P.ENROL_USERS,
            P.CLEAR_LOCKOUTS,
            P.LIST_USERS,
            P.VERIFY_AUDIT,
            P.RESOLVE_CONFLICTS,
        }
    ),
    # An administrator runs the workstation but reads no casework unless also a supervisor.
    Role.ADMIN: frozenset(
        {
            P.EXPORT_RECORDS,
            P.ENROL_USERS,
            P.RESET_OTHERS_PASSWORDS,
            P.CLEAR_LOCKOUTS,
            P.LIST_USERS,
            P.ROTATE_RECOVERY_KEY,
            P.MANAGE_SETTINGS,
            P.BACKUP_AND_RESTORE,
            P.VERIFY_AUDIT,
            P.PURGE_RETAINED,
        }
    ),
    # Custody staff book out-of-hours appointments, see only those they booked and print only the
    # appointment letter for them (the person leaves custody with it).
    Role.CUSTODY_STAFF: frozenset(
        {P.BOOK_APPOINTMENTS, P.VIEW_OWN_BOOKINGS, P.PRINT_OWN_APPOINTMENT_LETTERS}
    ),
}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    """Roles add up: the union of what each allows."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= POLICY[role]
    return frozenset(granted)


def allows(actor: Actor, permission: Permission) -> bool:
    """Whether any of the actor's roles grants the permission."""
    return permission in permissions_of(actor.roles)


def require(actor: Actor, permission: Permission, doing: str) -> None:
    """Stop a use case the actor's roles do not allow, naming what was refused."""
    if not allows(actor, permission):
        raise NotPermitted(f"your role does not allow you to {doing}")


def _is_booking(record: RecordBase) -> bool:
    """Appointments, and the out-of-hours booking form custody staff fill in, follow booking rules."""
    return isinstance(record, Appointment) or (
        isinstance(record, Assessment) and record.kind is AssessmentKind.OUT_OF_HOURS_BOOKING
    )


def _booked_by(record: RecordBase) -> str:
    return record.booked_by if isinstance(record, Appointment) else record.author


#: Set only while `booking_in_progress` runs: the saves inside belong to making a booking. A context
#: variable rather than a flag threaded through `services.records.save_records`, so the ordinary
#: save path keeps its signature; it is per thread (and per task), so a booking on the task runner
#: never lends the grant to another save running at the same time.
_BOOKING: ContextVar[bool] = ContextVar("cars_booking_in_progress", default=False)


@contextmanager
def booking_in_progress() -> Iterator[None]:
    """Mark the saves inside as part of making a booking: the one way custody staff add a person."""
    token = _BOOKING.set(True)
    try:
        yield
    finally:
        _BOOKING.reset(token)


def may_view(actor: Actor, record: RecordBase) -> bool:
    """Record-level need-to-know: which records this actor may open."""
    granted = permissions_of(actor.roles)
    if _is_booking(record):
        if P.VIEW_ALL_APPOINTMENTS in granted:
            return True
        return P.VIEW_OWN_BOOKINGS in granted and _booked_by(record) == actor.username
    if record.record_type == "person":
        return P.VIEW_PEOPLE in granted
    return P.VIEW_CASEWORK in granted


def may_save(actor: Actor, record: RecordBase) -> bool:
    """Record-level rule for creating or changing a record of this type."""
    granted = permissions_of(actor.roles)
    if _is_booking(record):
        if P.EDIT_CASEWORK in granted:
            return True
        return P.BOOK_APPOINTMENTS in granted and _booked_by(record) == actor.username
    if record.record_type in ("review_decision", "day_sign_off"):
        return P.REVIEW_CASEWORK in granted
    if record.record_type == "person":
        # Custody staff add the detainee they book (out of hours nobody else can), and only while
        # a booking is being made; changing an existing person also needs `may_view`, which they
        # never have, so they cannot edit anyone.
        return P.EDIT_PEOPLE in granted or (P.BOOK_APPOINTMENTS in granted and _BOOKING.get())
    return P.EDIT_CASEWORK in granted


#: The document kind custody staff may print (the value of `documents.DocumentKind.APPOINTMENT_LETTER`;
#: the domain sits below the documents package, so it names the kind by its audit value).
APPOINTMENT_LETTER = "appointment_letter"


def may_print(actor: Actor, document_kind: str, source: RecordBase) -> bool:
    """Whether the actor may print or save this kind of document made from `source`.

    Casework roles print any document about a person they may see; custody staff print only the
    appointment letter for an appointment they booked themselves.
    """
    granted = permissions_of(actor.roles)
    if P.PRINT_DOCUMENTS in granted:
        return may_view(actor, source)
    return (
        P.PRINT_OWN_APPOINTMENT_LETTERS in granted
        and document_kind == APPOINTMENT_LETTER
        and isinstance(source, Appointment)
        and source.booked_by == actor.username
    )
