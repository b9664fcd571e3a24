"""Court list import: good and bad CSV files, header variants, matching people, and Today afterwards."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from cars_desktop.domain.errors import NotPermitted
from cars_desktop.services.court_list import (
    MatchKind,
    import_court_list,
    match_rows,
    parse_court_list,
    parse_date,
    parse_time,
    read_court_list_file,
)
from cars_desktop.services.records import save_records
from cars_desktop.services.today import Place, load_today, uk_today
from cars_desktop.services.workstation import WorkstationSession
from tests import factories
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation

TODAY = uk_today()
D = TODAY.strftime("%d/%m/%Y")

GOOD = f"""Date,Court,Courtroom,Surname,Forenames,Date of birth,PNC ID,Offence,Hearing time
{D},Sandwell Magistrates,1,Quillfeather,Marnie,17/04/1990,91/123456Q,Theft from a shop,10:00
{D},Sandwell Magistrates,2,Brightwater,Tobias,03/02/1985,,Possession of a Class A drug; Assault,10.30
{D},Sandwell Magistrates,2,Brightwater,Tobias,03/02/1985,,Breach of bail,2pm
"""

BAD = f"""hearing date;venue;room;family name;first names;DOB;pnc;charges;time
{D};Court;1;Ok;Person;01/01/1980;;Theft;09:30
31/02/2025;Court;1;Badday;Ann;01/01/1980;;Theft;09:30
{D};Court;1;;Ann;01/01/1980;;Theft;09:30
{D};Court;1;Future;Ann;01/01/2999;;Theft;09:30
{D};Court;1;Time;Ann;01/01/1980;;Theft;25:00
{D};Court;1;Pnc;Ann;01/01/1980;ABC;Theft;09:30
"""


def test_dates_and_times_as_courts_write_them() -> None:
    assert parse_date("03/02/1985") == date(1985, 2, 3)
    assert parse_date("1985-02-03") == date(1985, 2, 3)
    assert parse_date("3 February 1985") == date(1985, 2, 3)
    assert parse_date("3 Feb 1985") == date(1985, 2, 3)
    assert parse_time("10.30") == time(10, 30)
    assert parse_time("2pm") == time(14, 0)
    assert parse_time("1000") == time(10, 0)
    with pytest.raises(ValueError, match="no such date"):
        parse_date("31/02/2025")
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        parse_date("next Tuesday")


def test_good_file_reads_every_row() -> None:
    parsed = parse_court_list(GOOD)
    assert not parsed.file_problems and not parsed.problems
    assert [r.line for r in parsed.rows] == [2, 3, 4]
    second = parsed.rows[1]
    assert second.offences == ("Possession of a Class A drug", "Assault")
    assert second.hearing_time == time(10, 30) and second.courtroom == "2"


def test_bad_rows_say_line_column_and_what_is_wrong() -> None:
    parsed = parse_court_list(BAD)  # semicolons and other header names are accepted
    assert not parsed.file_problems
    assert [r.family_name for r in parsed.good_rows] == ["Ok"]
    said = [str(p) for p in parsed.problems]
    assert said == [
        "Line 3, date: there is no such date",
        "Line 4, surname: is empty",
        "Line 5, date of birth: is not in the past",
        "Line 6, hearing time: there is no such time",
        "Line 7, PNC ID: is not in the form yy/nnnnnnnL",
    ]


def test_a_file_of_another_layout_is_refused_whole() -> None:
    parsed = parse_court_list("name,when\nA,B\n")
    assert parsed.rows == ()
    assert "missing: date, surname, forenames, date of birth, hearing time" in parsed.file_problems[0]
    assert parse_court_list("").file_problems == ("The file is empty.",)


def test_reading_a_windows_file(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(GOOD.replace("Quillfeather", "Quillféather").encode("cp1252"))
    assert read_court_list_file(path).rows[0].family_name == "Quillféather"


def test_import_matches_creates_and_flags(session: WorkstationSession) -> None:
    known = factories.person()  # Quillfeather, PNC 91/123456Q
    twin_a = factories.person(
        family_name="Brightwater", given_names="Tobias", date_of_birth=date(1985, 2, 3), pnc_id=None
    )
    save_records(session, [known])
    text = GOOD + f"{D},Sandwell Magistrates,3,Newcome,Ada,09/09/1999,,Theft,11:00\n"
    matches = match_rows(session, parse_court_list(text))
    kinds = [(m.row.family_name, m.kind) for m in matches]
    assert kinds == [
        ("Quillfeather", MatchKind.EXISTING),
        ("Brightwater", MatchKind.NEW),
        ("Brightwater", MatchKind.NEW),
        ("Newcome", MatchKind.NEW),
    ]
    report = import_court_list(session, matches)
    assert report.listed == 4 and report.people_created == 2  # the two Brightwater rows are one person
    assert "court_list_entry" in report.changes.record_types
    court = [e for e in load_today(session) if e.place is Place.COURT]
    assert sorted(e.family_name for e in court) == ["Brightwater", "Brightwater", "Newcome", "Quillfeather"]

    # A second import of the same list adds nobody twice.
    again = match_rows(session, parse_court_list(text))
    assert all(m.already_listed for m in again)
    assert import_court_list(session, again).skipped_already_listed == 4

    # Two people now share a name and date of birth: a new listing for them is flagged, not merged.
    save_records(session, [twin_a])
    later = GOOD.replace("10.30", "15:00").splitlines()
    flagged = match_rows(session, parse_court_list("\n".join([later[0], later[2]])))
    assert flagged[0].kind is MatchKind.CHECK and "2 people" in flagged[0].note


def test_custody_staff_cannot_import(workstation: Workstation) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            match_rows(custody, parse_court_list(GOOD))
    finally:
        custody.lock()
