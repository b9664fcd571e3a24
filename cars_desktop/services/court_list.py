"""Importing a magistrates' court's daily list (CSV) as court-list entries on Today.

The expected file, one defendant a row, with a header row (column order does not matter, header
case and punctuation do not matter, and the common names below are accepted):

========================  =========================================================  ==========
Column                    Also accepted as                                           Required
========================  =========================================================  ==========
date                      hearing date, list date, court date                        yes
court                     court name, venue                                          no
courtroom                 court room, room, ctroom                                   no
surname                   family name, last name                                     yes
forenames                 forename, first name(s), given names                       yes
date of birth             dob, birth date                                            yes
PNC ID                    pnc, pnc number, pnc no                                    no
offence                   offences, charge, charges (several split by ";")           no
hearing time              time, listed time, list time                               yes
========================  =========================================================  ==========

Dates as dd/mm/yyyy (also d/m/yy, yyyy-mm-dd and "3 March 2025"); times as 10:00, 10.00 or 10am, in
UK local time. A bad row is reported with its line number, the column and what is wrong, and is
not imported; the good rows are. Each row is matched to a person by PNC ID, else by name and date
of birth; otherwise a new person is created. A row that matches more than one person, or that
resembles someone without matching exactly, is flagged for a supervisor to check on the Duplicates
page: nobody is merged silently.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.domain.names import normalise_name
from cars_desktop.services.person_search import (
    DUPLICATE_THRESHOLD,
    NewPerson,
    PersonMatch,
    PersonQuery,
    log_search,
    match_people,
)
from cars_desktop.services.records import save_records
from cars_desktop.services.today import COURT_LIST_WINDOW, uk_day_bounds, uk_zone
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.lookup_repository import LookupRepository
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import CourtListEntry, Person, RecordBase

MAX_BYTES = 2_000_000
MAX_ROWS = 2_000

COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "hearingdate", "listdate", "courtdate"),
    "court": ("court", "courtname", "venue"),
    "courtroom": ("courtroom", "room", "ctroom", "courtno"),
    "surname": ("surname", "familyname", "lastname"),
    "forenames": ("forenames", "forename", "firstname", "firstnames", "givennames", "givenname"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate"),
    "pnc_id": ("pncid", "pnc", "pncnumber", "pncno"),
    "offence": ("offence", "offences", "charge", "charges", "offense"),
    "hearing_time": ("hearingtime", "time", "listedtime", "listtime"),
}
REQUIRED = ("date", "surname", "forenames", "date_of_birth", "hearing_time")
LABELS = {
    "date": "date",
    "court": "court",
    "courtroom": "courtroom",
    "surname": "surname",
    "forenames": "forenames",
    "date_of_birth": "date of birth",
    "pnc_id": "PNC ID",
    "offence": "offence",
    "hearing_time": "hearing time",
}
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for m in names
}


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell: the file's line number, the column and the reason."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, {self.column}: {self.message}"


@dataclass(frozen=True)
class CourtListRow:
    """One defendant as read from the file (None where a cell could not be read)."""

    line: int
    hearing_date: date | None
    hearing_time: time | None
    court: str
    courtroom: str
    family_name: str
    given_names: str
    date_of_birth: date | None
    pnc_id: str
    offences: tuple[str, ...]
    problems: tuple[RowProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def hearing_at(self) -> datetime:
        """The hearing's UTC time (the list gives UK local time)."""
        assert self.hearing_date is not None and self.hearing_time is not None
        return datetime.combine(self.hearing_date, self.hearing_time, tzinfo=uk_zone()).astimezone(UTC)


@dataclass(frozen=True)
class ParsedList:
    """Every row read, and problems with the file as a whole (an unknown layout)."""

    rows: tuple[CourtListRow, ...]
    file_problems: tuple[str, ...] = ()

    @property
    def good_rows(self) -> list[CourtListRow]:
        return [r for r in self.rows if r.ok]

    @property
    def problems(self) -> list[RowProblem]:
        return [p for r in self.rows for p in r.problems]


def parse_date(text: str) -> date:
    """A UK-written date; ValueError with a plain reason otherwise."""
    value = text.strip()
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
        year, month, day = (int(g) for g in match.groups())
    elif match := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", value):
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000 if year <= date.today().year % 100 else 1900
    elif match := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]+)[\s\-,]+(\d{4})", value):
        day, year = int(match.group(1)), int(match.group(3))
        month = _MONTHS.get(match.group(2).casefold(), 0)
        if not month:
            raise ValueError(f"“{match.group(2)}” is not a month")
    else:
        raise ValueError("write the date as dd/mm/yyyy")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("there is no such date") from None


def parse_time(text: str) -> time:
    """10:00, 10.00, 1000, 10am or 2.30pm; ValueError with a plain reason otherwise."""
    value = text.strip().casefold().replace(" ", "")
    match = re.fullmatch(r"(\d{1,2})(?:[:.]?(\d{2}))?(am|pm)?", value)
    if not match:
        raise ValueError("write the time as hh:mm, for example 10:00")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3) == "pm" and hour < 12:
        hour += 12
    elif match.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise ValueError("there is no such time")
    return time(hour, minute)


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    keys = [re.sub(r"[^a-z0-9]", "", h.casefold()) for h in header]
    found: dict[str, int] = {}
    for column, names in COLUMNS.items():
        for index, key in enumerate(keys):
            if key in names and column not in found:
                found[column] = index
    missing = [LABELS[c] for c in REQUIRED if c not in found]
    return found, missing


def decode(data: bytes) -> str:
    """Court systems export UTF-8 (often with a byte-order mark) or Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_court_list_file(path: Path) -> ParsedList:
    """Read and parse a court list file (refused if it is far too big to be one day's list)."""
    if path.stat().st_size > MAX_BYTES:
        raise InvalidInput("that file is too big to be a court's daily list")
    return parse_court_list(decode(path.read_bytes()))


def parse_court_list(text: str, today: date | None = None) -> ParsedList:
    """Read a court list, checking every cell; bad rows carry their problems."""
    today = today or date.today()
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        return ParsedList((), ("The file is empty.",))
    columns, missing = _header_map(header)
    if missing:
        return ParsedList(
            (),
            (
                "The first row must name the columns; missing: "
                + ", ".join(missing)
                + ". See the list of expected columns.",
            ),
        )
    rows: list[CourtListRow] = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            return ParsedList(tuple(rows), (f"Only the first {MAX_ROWS} rows were read.",))
        rows.append(_row(reader.line_num, record, columns, today))
    if not rows:
        return ParsedList((), ("The file has a header row but no defendants.",))
    return ParsedList(tuple(rows))


def _row(line: int, cells: list[str], columns: dict[str, int], today: date) -> CourtListRow:
    problems: list[RowProblem] = []

    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def required(column: str) -> str:
        value = cell(column)
        if not value and column in REQUIRED:
            problems.append(RowProblem(line, LABELS[column], "is empty"))
        return value

    def as_date(column: str) -> date | None:
        value = required(column)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            problems.append(RowProblem(line, LABELS[column], str(exc)))
            return None

    hearing_date = as_date("date")
    dob = as_date("date_of_birth")
    if dob is not None and dob >= today:
        problems.append(RowProblem(line, "date of birth", "is not in the past"))
    elif dob is not None and dob.year < today.year - 110:
        problems.append(RowProblem(line, "date of birth", "is more than 110 years ago"))
    hearing_time: time | None = None
    if value := required("hearing_time"):
        try:
            hearing_time = parse_time(value)
        except ValueError as exc:
            problems.append(RowProblem(line, "hearing time", str(exc)))
    family, given = required("surname"), required("forenames")
    for column, value, limit in (("surname", family, 100), ("forenames", given, 150)):
        if value and not normalise_name(value):
            problems.append(RowProblem(line, LABELS[column], "has no letters"))
        if len(value) > limit:
            problems.append(RowProblem(line, LABELS[column], f"is longer than {limit} characters"))
    pnc = cell("pnc_id").upper()
    if pnc and not re.fullmatch(r"[0-9]{2,4}/[0-9]{1,7}[A-Z]", pnc):
        problems.append(RowProblem(line, "PNC ID", "is not in the form yy/nnnnnnnL"))
    offences = tuple(o.strip()[:200] for o in cell("offence").split(";") if o.strip())[:30]
    return CourtListRow(
        line=line,
        hearing_date=hearing_date,
        hearing_time=hearing_time,
        court=cell("court")[:200],
        courtroom=cell("courtroom")[:200],
        family_name=family,
        given_names=given,
        date_of_birth=dob,
        pnc_id=pnc,
        offences=offences,
        problems=tuple(problems),
    )


# -- matching and importing ---------------------------------------------------------------------


class MatchKind(StrEnum):
    EXISTING = "existing"  # one person matched by PNC ID or by name and date of birth
    NEW = "new"  # nobody like them: a new person is created
    CHECK = "check"  # imported, but flagged for a supervisor to check for a duplicate


@dataclass(frozen=True)
class RowMatch:
    """Who a good row will be listed as, and why."""

    row: CourtListRow
    kind: MatchKind
    person_id: uuid.UUID | None
    note: str
    already_listed: bool = False


def _exact(person: Person, row: CourtListRow) -> bool:
    return (
        normalise_name(person.family_name) == normalise_name(row.family_name)
        and normalise_name(person.given_names) == normalise_name(row.given_names)
        and person.date_of_birth == row.date_of_birth
    )


def match_rows(session: WorkstationSession, parsed: ParsedList) -> list[RowMatch]:
    """Decide, for every good row, the person it lists (a read: nothing is saved)."""
    require(session.actor, Permission.VIEW_PEOPLE, "import a court list")
    out: list[RowMatch] = []
    with session.unit_of_work() as uow:
        listed = {
            (r.person_id, r.hearing_at)
            for r in LookupRepository(uow.session).created_since(
                [CourtListEntry.record_type], datetime.now(UTC) - COURT_LIST_WINDOW * 2
            )
            if isinstance(r, CourtListEntry) and r.site_code == session.site_code
        }
        seen: list[PersonMatch] = []
        for row in parsed.good_rows:
            match = _match_one(uow, row, seen)
            already = match.person_id is not None and (match.person_id, row.hearing_at()) in listed
            out.append(
                RowMatch(match.row, match.kind, match.person_id, match.note, already) if already else match
            )
        log_search(uow, "court_list", seen)
        uow.commit()
    return out


def _match_one(uow: UnitOfWork, row: CourtListRow, seen: list[PersonMatch]) -> RowMatch:
    if row.pnc_id:
        by_pnc = uow.records.find_people_by_pnc(row.pnc_id)
        if len(by_pnc) == 1:
            return RowMatch(row, MatchKind.EXISTING, by_pnc[0].id, "same PNC ID")
        if len(by_pnc) > 1:
            first = sorted(by_pnc, key=lambda p: p.updated_at)[-1]
            return RowMatch(row, MatchKind.CHECK, first.id, f"{len(by_pnc)} people have this PNC ID: check")
    query = PersonQuery(name=f"{row.given_names} {row.family_name}", date_of_birth=row.date_of_birth)
    similar = [m for m in match_people(uow, query) if m.score >= DUPLICATE_THRESHOLD]
    seen.extend(similar)
    exact = [m.person for m in similar if _exact(m.person, row)]
    if len(exact) == 1:
        person = exact[0]
        if row.pnc_id and person.pnc_id and person.pnc_id != row.pnc_id:
            return RowMatch(
                row, MatchKind.NEW, None, "same name and date of birth but another PNC ID: new person"
            )
        return RowMatch(row, MatchKind.EXISTING, person.id, "same name and date of birth")
    if len(exact) > 1:
        newest = sorted(exact, key=lambda p: p.updated_at)[-1]
        return RowMatch(
            row, MatchKind.CHECK, newest.id, f"{len(exact)} people with this name and date of birth: check"
        )
    if similar:
        return RowMatch(row, MatchKind.CHECK, None, f"new person, like {len(similar)} already known: check")
    return RowMatch(row, MatchKind.NEW, None, "new person")


@dataclass(frozen=True)
class ImportReport:
    """What the import did, for the page and the change bus."""

    listed: int
    people_created: int
    skipped_already_listed: int
    flagged: tuple[RowMatch, ...]
    changes: Changes = field(default_factory=Changes)


def import_court_list(session: WorkstationSession, matches: list[RowMatch]) -> ImportReport:
    """Create the people and the court-list entries of the matched rows, in one transaction."""
    require(session.actor, Permission.EDIT_CASEWORK, "import a court list")
    records: list[RecordBase] = []
    created: dict[tuple[str, str, date], uuid.UUID] = {}
    skipped = 0
    for match in matches:
        row = match.row
        if match.already_listed:
            skipped += 1
            continue
        person_id = match.person_id
        if person_id is None:
            assert row.date_of_birth is not None
            key = (normalise_name(row.family_name), normalise_name(row.given_names), row.date_of_birth)
            person_id = created.get(key)
            if person_id is None:
                details = NewPerson(row.family_name, row.given_names, row.date_of_birth, row.pnc_id)
                person = Person(
                    site_code=session.site_code,
                    author=session.user.username,
                    family_name=details.family_name,
                    given_names=details.given_names,
                    date_of_birth=details.date_of_birth,
                    pnc_id=details.pnc_id or None,
                )
                records.append(person)
                person_id = created[key] = person.id
        records.append(
            CourtListEntry(
                site_code=session.site_code,
                author=session.user.username,
                person_id=person_id,
                hearing_at=row.hearing_at(),
                courtroom=row.courtroom or None,
                offences=list(row.offences),
            )
        )
    saved = save_records(session, records) if records else None
    entries = sum(1 for r in records if isinstance(r, CourtListEntry))
    return ImportReport(
        listed=entries,
        people_created=len(created),
        skipped_already_listed=skipped,
        flagged=tuple(m for m in matches if m.kind is MatchKind.CHECK),
        changes=saved.changes if saved else Changes(),
    )


def day_of(parsed: ParsedList) -> tuple[datetime, datetime] | None:
    """The UTC bounds of the list's day when all good rows share one date (for the page's title)."""
    days = {r.hearing_date for r in parsed.good_rows}
    if len(days) != 1:
        return None
    (day,) = days
    return uk_day_bounds(day) if day else None
