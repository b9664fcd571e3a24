"""Finding a person however typed, and the duplicate warning before creating one (real encrypted store)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.services.person_search import (
    NewPerson,
    PersonMatch,
    PersonQuery,
    create_person,
    edit_distance,
    likely_duplicates,
    name_score,
    search_people,
    sound_key,
)
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.tables import AuditRow
from cars_protocol.records import Person
from tests import factories
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation

People = dict[str, Person]


@pytest.fixture
def people(session: WorkstationSession) -> People:
    made = {
        "smith": factories.person(family_name="Smith", given_names="Jonathan", pnc_id="01/111111A"),
        "smyth": factories.person(
            family_name="Smyth", given_names="Joanne", date_of_birth=date(1985, 2, 3), pnc_id=None
        ),
        "oneil": factories.person(
            family_name="O'Neil", given_names="Kathryn", date_of_birth=date(1979, 6, 1), pnc_id=None
        ),
        "phillips": factories.person(
            family_name="Phillips", given_names="Dean", date_of_birth=date(2000, 1, 9), pnc_id=None
        ),
        "other": factories.person(
            family_name="Zander", given_names="Bo", date_of_birth=date(1990, 4, 17), pnc_id=None
        ),
    }
    save_records(session, list(made.values()))
    episode = factories.episode(made["phillips"].id)
    save_records(session, [episode])
    return made


def _names(found: list[PersonMatch]) -> list[str]:
    return [m.person.family_name for m in found]


def test_pure_ranking_helpers() -> None:
    assert edit_distance("smith", "smtih") == 1  # a transposition is one slip
    assert edit_distance("smith", "smyth") == 1
    assert sound_key("phillips") == sound_key("filips")
    assert name_score(["john", "smith"], "smith", ["jonathan"]) > 0.85
    assert name_score(["smith", "john"], "smith", ["jonathan"]) > 0.85  # either order
    assert name_score(["brown"], "smith", ["jonathan"]) < 0.5


def test_name_search_tolerates_spelling_and_order(
    session: WorkstationSession, people: dict[str, Person]
) -> None:
    assert _names(search_people(session, PersonQuery(name="Smith")))[:2] == ["Smith", "Smyth"]
    assert _names(search_people(session, PersonQuery(name="jon smyth")))[0] in {"Smith", "Smyth"}
    assert "O'Neil" in _names(search_people(session, PersonQuery(name="oneill kathryn")))
    assert _names(search_people(session, PersonQuery(name="Filips")))[0] == "Phillips"
    assert "Zander" not in _names(search_people(session, PersonQuery(name="Smith")))


def test_date_of_birth_narrows_and_finds_alone(
    session: WorkstationSession, people: dict[str, Person]
) -> None:
    found = search_people(session, PersonQuery(name="Smith", date_of_birth=date(1990, 4, 17)))
    assert _names(found)[0] == "Smith"
    assert "same date of birth" in found[0].why
    alone = search_people(session, PersonQuery(date_of_birth=date(1990, 4, 17)))
    assert set(_names(alone)) == {"Smith", "Zander"}


def test_pnc_and_custody_record_number_find_exactly(
    session: WorkstationSession, people: dict[str, Person]
) -> None:
    assert _names(search_people(session, PersonQuery(pnc_id="01/111111a"))) == ["Smith"]
    found = search_people(session, PersonQuery(custody_record_number="20-00123"))
    assert _names(found) == ["Phillips"]
    assert found[0].custody_record_number == "20-0012345"
    assert search_people(session, PersonQuery()) == []


def test_search_is_logged_without_what_was_typed(
    session: WorkstationSession, people: dict[str, Person]
) -> None:
    search_people(session, PersonQuery(name="Smith"))
    with session.unit_of_work() as uow:
        row = uow.session.execute(
            select(AuditRow.operation, AuditRow.details).order_by(AuditRow.seq.desc())
        ).first()
    assert row is not None and row.operation == "consultation"
    assert "smith" not in (row.details or "").casefold()


def test_likely_duplicates_before_creating(session: WorkstationSession, people: People) -> None:
    dupes = likely_duplicates(session, NewPerson("Smyth", "Jon", date(1990, 4, 17)))
    assert _names(dupes) == ["Smith"]
    assert likely_duplicates(session, NewPerson("Newman", "Ann", date(1970, 1, 1))) == []
    created = create_person(session, NewPerson("Newman", "Ann", date(1970, 1, 1), pnc_id="02/2222b"))
    assert created.person.pnc_id == "02/2222B"
    assert "person" in created.changes.record_types
    with pytest.raises(InvalidInput, match="future"):
        create_person(session, NewPerson("Newman", "Ann", date(2999, 1, 1)))


def test_custody_staff_cannot_search(workstation: Workstation) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            search_people(custody, PersonQuery(name="Smith"))
    finally:
        custody.lock()
