"""The access policy, tested as the table it is."""

from __future__ import annotations

import pytest

from cars_desktop.domain.access import Permission, allows, may_print, may_view, permissions_of, require
from cars_desktop.domain.errors import NotPermitted
from cars_desktop.domain.users import Actor
from cars_protocol.records import Role
from tests import factories

P = Permission
W, C, S, A, K = Role.WORKER, Role.COURT_WORKER, Role.SUPERVISOR, Role.ADMIN, Role.CUSTODY_STAFF

# permission: roles that hold it (everything else must not)
EXPECTED: dict[Permission, set[Role]] = {
    P.VIEW_PEOPLE: {W, C, S},
    P.EDIT_PEOPLE: {W, C, S},
    P.VIEW_CASEWORK: {W, C, S},
    P.EDIT_CASEWORK: {W, C, S},
    P.REVIEW_CASEWORK: {S},
    P.MERGE_PEOPLE: {S},
    P.DELETE_RECORDS: {S},
    P.BOOK_APPOINTMENTS: {W, C, S, K},
    P.VIEW_ALL_APPOINTMENTS: {W, C, S},
    P.VIEW_OWN_BOOKINGS: {K},
    P.VIEW_KPIS: {S},
    P.EXPORT_RECORDS: {S, A},
    P.ENROL_USERS: {S, A},
    P.RESET_OTHERS_PASSWORDS: {A},
    P.CLEAR_LOCKOUTS: {S, A},
    P.LIST_USERS: {S, A},
    P.ROTATE_RECOVERY_KEY: {A},
    P.MANAGE_SETTINGS: {A},
    P.BACKUP_AND_RESTORE: {A},
    P.VERIFY_AUDIT: {S, A},
    P.RESOLVE_CONFLICTS: {S},
    P.PURGE_RETAINED: {A},
    P.PRINT_DOCUMENTS: {W, C, S},
    P.PRINT_OWN_APPOINTMENT_LETTERS: {K},
}


def _actor(*roles: Role, name: str = "someone") -> Actor:
    return Actor(username=name, roles=frozenset(roles), workstation_id="ws-test")


def test_table_covers_every_permission() -> None:
    assert set(EXPECTED) == set(Permission)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_policy_matches_the_table(role: Role, permission: Permission) -> None:
    assert allows(_actor(role), permission) == (role in EXPECTED[permission])


def test_roles_add_up() -> None:
    assert permissions_of([A, S]) == permissions_of([A]) | permissions_of([S])
    assert allows(_actor(A, S), P.VIEW_CASEWORK)
    assert not allows(_actor(A), P.VIEW_CASEWORK)


def test_require_names_what_was_refused() -> None:
    with pytest.raises(NotPermitted, match="export records"):
        require(_actor(W), P.EXPORT_RECORDS, "export records")


def test_record_level_need_to_know() -> None:
    from datetime import UTC, datetime

    from cars_protocol.records import Appointment

    person = factories.person()
    booking = Appointment(
        site_code="OLDBURY",
        author="pc.one",
        person_id=person.id,
        starts_at=datetime(2026, 12, 1, tzinfo=UTC),
        location_site_code="OLDBURY",
        booked_by="pc.one",
        booked_by_role=K,
    )
    assert may_view(_actor(K, name="pc.one"), booking)
    assert not may_view(_actor(K, name="pc.two"), booking)
    assert not may_view(_actor(K, name="pc.one"), person)
    assert not may_view(_actor(A), person)
    assert may_view(_actor(W), person)
    assert may_view(_actor(W), booking)


def test_custody_staff_print_only_the_appointment_letter_for_their_own_booking() -> None:
    from datetime import UTC, datetime

    from cars_protocol.records import Appointment

    person = factories.person()
    booking = Appointment(
        site_code="OLDBURY",
        author="pc.one",
        person_id=person.id,
        starts_at=datetime(2026, 12, 1, tzinfo=UTC),
        location_site_code="OLDBURY",
        booked_by="pc.one",
        booked_by_role=K,
    )
    assert may_print(_actor(K, name="pc.one"), "appointment_letter", booking)
    assert not may_print(_actor(K, name="pc.two"), "appointment_letter", booking)
    assert not may_print(_actor(K, name="pc.one"), "release_pack", booking)
    assert not may_print(_actor(K, name="pc.one"), "appointment_letter", person)
    assert may_print(_actor(W), "referral_provider", person)
    assert may_print(_actor(C), "appointment_letter", booking)
    assert not may_print(_actor(A), "appointment_letter", booking)
