"""Make the small store at schema revision 0001 that the migration test upgrades (run by hand, once).

    PYTHONPATH=. python tests/storage/make_fixture_store.py

It holds invented people only; its user's password is the test suite's documented fixture password.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from cars_desktop.config import KdfCost, Settings
from cars_desktop.services.records import save_records
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import init_workstation, unlock
from cars_protocol.records import Role
from tests import factories

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "store_rev0001"
FIXTURE_USER = "fixture.supervisor"
FIXTURE_PASSWORD = "fixture password 0001"
FIXTURE_PEOPLE = [
    ("Ashgrove", date(1984, 2, 29)),
    ("Brackenbury", date(1977, 12, 1)),
    ("Cindervale", date(2001, 7, 9)),
]


def main() -> None:
    settings = Settings(kdf=KdfCost(memory_kib=1024, time_cost=1, parallelism=1))
    shutil.rmtree(FIXTURE_DIR, ignore_errors=True)
    init_workstation(settings, FIXTURE_DIR, "COVENTRY", "fixture.admin", FIXTURE_PASSWORD)
    admin = unlock(settings, FIXTURE_DIR, "fixture.admin", FIXTURE_PASSWORD)
    enrol_user(admin, FIXTURE_USER, "Fixture Supervisor", frozenset({Role.SUPERVISOR}), FIXTURE_PASSWORD)
    admin.lock()
    session = unlock(settings, FIXTURE_DIR, FIXTURE_USER, FIXTURE_PASSWORD)
    records = []
    for family, dob in FIXTURE_PEOPLE:
        person = factories.person(
            author=FIXTURE_USER, family_name=family, date_of_birth=dob, site_code="COVENTRY"
        )
        records += [person, factories.assessment(person.id, author=FIXTURE_USER)]
    save_records(session, records)
    session.store.checkpoint()
    session.lock()
    for side in ("cars.db-wal", "cars.db-shm"):
        (FIXTURE_DIR / side).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
