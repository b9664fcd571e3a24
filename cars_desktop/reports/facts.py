"""The records a report counts: live, current revisions only, with merged people followed.

The workstation (records from its store) and the server (records from its database) both pass
plain records here, so both count the same things by construction:
- only the newest revision of each record counts, so an amended assessment is counted once;
- deleted and merged records (those with a tombstone) are not counted;
- a record about a person who was merged into another is counted for the surviving person (the
  local authority and "distinct people" follow the survivor); a record about a person who was
  deleted without being merged is not counted.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from cars_desktop.domain.report_months import StoredRow
from cars_desktop.reports.forms_facts import ANSWERS_UNREAD
from cars_desktop.reports.periods import uk_date_of
from cars_protocol.records import (
    Action,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
    assessment_outline_from_json,
    record_from_json,
)

R = TypeVar("R", bound=RecordBase)
T = TypeVar("T")

UNKNOWN = "unknown"

#: The record types any KPI reads (`Facts` keeps no other); people for merges and local authorities.
REPORTED_TYPES = ("person", "assessment", "referral", "naloxone_supply", "action")


def current_revisions(records: Iterable[RecordBase]) -> dict[int, RecordBase]:
    """The newest revision of each record (a source may hold several revisions of one record),
    keyed by the id's number (`UUID.int`: hashed in C, where a UUID hashes in Python)."""
    newest: dict[int, RecordBase] = {}
    for record in records:
        key = record.id.int
        held = newest.setdefault(key, record)
        if held is not record and (record.revision, record.updated_at) > (held.revision, held.updated_at):
            newest[key] = record
    return newest


PeopleById = Callable[[Collection[str]], Iterable[StoredRow]]
"""Reads the stored people with these ids (any order; ids not held are left out)."""


def _parse_stored(record_id: str, record_type: str, body: str) -> RecordBase:
    return record_from_json(record_type, body)


def parse_reported(
    rows: Iterable[StoredRow], parse: Callable[[str, str, str], RecordBase] = _parse_stored
) -> Iterator[RecordBase]:
    """Every stored row as a record (a full read: the commissioner's report, exports, checks).

    `parse` turns one row into a record (the server's names the record it cannot read).
    """
    for record_id, record_type, body in rows:
        yield parse(record_id, record_type, body)


def parse_indexed(
    rows: Iterable[StoredRow],
    people_by_id: PeopleById,
    parse: Callable[[str, str, str], RecordBase] = _parse_stored,
) -> Iterator[RecordBase]:
    """A report's records read through the report index, then the live people they need.

    `rows` are the records the index holds under the report's months, and every deleted or merged
    person (`domain.report_months`). Those are parsed; then the people they are about, and those
    merges lead to, are read by id (`people_by_id`) and parsed last. `Facts` then holds every
    person the counted records need, which is all a KPI whose events are dated by its own record
    needs (`compute.report_window`); the rest of the store is never read.
    """
    needed: dict[int, uuid.UUID] = {}  # by the id's number: hashed in C (see `current_revisions`)
    seen: set[int] = set()
    for record_id, record_type, body in rows:
        record = kpi_outline(record_type, body) or parse(record_id, record_type, body)
        if isinstance(record, Person):
            seen.add(record.id.int)
            merged_into = None if record.tombstone is None else record.tombstone.merged_into
            if merged_into is not None:
                needed[merged_into.int] = merged_into
        else:
            person_id = getattr(record, "person_id", None)
            if person_id is not None:
                needed[person_id.int] = person_id
        yield record
    wanted = sorted(str(person_id) for key, person_id in needed.items() if key not in seen)
    if wanted:
        for record_id, record_type, body in people_by_id(wanted):
            yield parse(record_id, record_type, body)


def kpi_outline(record_type: str, body: str) -> Assessment | None:
    """A form of a kind whose answers no KPI reads (`forms_facts.ANSWERS_UNREAD`), read without them;
    None for anything else, which is then parsed in full.

    Why: custody arrival forms are two thirds of a year's forms, and a KPI reads only who, when,
    where and whether they were completed (people engaged); their answers were 60% of the time
    spent validating them. The kind is first looked for in the text (as the store writes it); the
    outline's own validated kind then decides, so a form whose answers are read is never outlined
    (anything unusual is simply parsed in full). Reading `answers` on an outline raises
    AttributeError: a KPI that starts reading a kind's answers fails its tests until the kind is
    taken out of `ANSWERS_UNREAD`, rather than counting wrongly.
    """
    if record_type != "assessment":
        return None
    start = body.find(_KIND_MARK)
    if start < 0:
        return None
    start += len(_KIND_MARK)
    if body[start : body.find('"', start)] not in ANSWERS_UNREAD:
        return None
    try:
        outline = assessment_outline_from_json(body)
    except ValueError:  # pydantic's ValidationError: the full parse reports it
        return None
    return outline if outline.kind in ANSWERS_UNREAD else None


_KIND_MARK = '"kind":"'


def answer_date(answers: dict[str, Any], key: str) -> date | None:
    """A date answer ("2026-04-01"), or None when missing or not a date."""
    value = answers.get(key)
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def answer_time(answers: dict[str, Any], key: str) -> datetime | None:
    """A date-and-time answer stored as ISO text with its zone, or None when missing or naive."""
    value = answers.get(key)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def is_completed(assessment: Assessment) -> bool:
    """A form counts as done once it has been completed (later review or amendment does not undo it)."""
    return assessment.status is not AssessmentStatus.DRAFT and assessment.completed_at is not None


@dataclass
class Facts:
    """Live records by type, with people resolved through merges; built once per report.

    A report's KPIs read the same records over and over, and reading a field of a parsed record
    costs more than most of what is done with it, so what many KPIs derive from a record is worked
    out once per report and remembered here: the surviving person each record is about (found while
    sorting, by the record's identity: `Facts` holds every such record and is not changed after
    `from_records`, so the identity stays the record's), each kind's completed forms, the UK date
    of each time, and selections several KPIs share (`remembered`).
    """

    people: dict[uuid.UUID, Person] = field(default_factory=dict)
    #: The surviving person of every live or merged person, keyed by the person id's number
    #: (`UUID.int`): a number hashes and compares in C, a UUID in Python, for every record.
    survivor: dict[int, uuid.UUID] = field(default_factory=dict)
    forms: dict[AssessmentKind, list[Assessment]] = field(default_factory=lambda: defaultdict(list))
    referrals: list[Referral] = field(default_factory=list)
    naloxone: list[NaloxoneSupply] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    _completed: dict[AssessmentKind, tuple[Assessment, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    #: The surviving person each record held is about, by `id(record)` (see `person_of_record`).
    _persons: dict[int, uuid.UUID | None] = field(default_factory=dict, init=False, repr=False, compare=False)
    _uk_days: dict[datetime, date] = field(default_factory=dict, init=False, repr=False, compare=False)
    _remembered: dict[Callable[[Facts], Iterable[Any]], tuple[Any, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_records(cls, records: Iterable[RecordBase], sites: frozenset[str] | None = None) -> Facts:
        """Sort live records by type; casework outside `sites` is left out (people never are)."""
        facts = cls()
        casework: list[RecordBase] = []
        merged_into: dict[uuid.UUID, uuid.UUID] = {}
        for record in current_revisions(records).values():
            tombstone = record.tombstone  # None while the record is live (`RecordBase.is_live`)
            if not isinstance(record, Person):
                if tombstone is None and (sites is None or record.site_code in sites):
                    casework.append(record)
            elif tombstone is None:
                facts.people[record.id] = record
            elif tombstone.merged_into is not None:
                merged_into[record.id] = tombstone.merged_into
        facts.survivor = {pid.int: pid for pid in facts.people}
        for pid in merged_into:
            found = _follow(pid, merged_into, facts.people)
            if found is not None:
                facts.survivor[pid.int] = found
        survivor, persons = facts.survivor, facts._persons
        for record in casework:
            person_id = getattr(record, "person_id", None)
            person = None if person_id is None else survivor.get(person_id.int)
            if person_id is not None and person is None:
                continue  # about a person deleted without a merge
            if facts._add(record):
                persons[id(record)] = person  # only for records held, so the identity stays theirs
        return facts

    def _add(self, record: RecordBase) -> bool:
        """Keep a record a KPI reads (False for any other type: crime reads those for itself)."""
        if isinstance(record, Assessment):
            self.forms[record.kind].append(record)
        elif isinstance(record, Referral):
            self.referrals.append(record)
        elif isinstance(record, NaloxoneSupply):
            self.naloxone.append(record)
        elif isinstance(record, Action):
            self.actions.append(record)
        else:
            return False
        return True

    def completed(self, kind: AssessmentKind) -> Iterator[Assessment]:
        """Completed forms of one kind (picked out once per report, however many KPIs ask)."""
        found = self._completed.get(kind)
        if found is None:
            found = self._completed[kind] = tuple(a for a in self.forms.get(kind, ()) if is_completed(a))
        return iter(found)

    def completed_day(self, form: Assessment) -> date:
        """The UK date a completed form was completed (as `uk_day`, remembered)."""
        moment = form.completed_at
        assert moment is not None
        day = self._uk_days.get(moment)
        return self.uk_day(moment) if day is None else day

    def remembered(self, make: Callable[[Facts], Iterable[T]]) -> tuple[T, ...]:
        """What `make(facts)` gives, made once per report: for the selections of records (the
        assessments in the KPI sense, say) that several KPIs filter the same forms to find."""
        found = self._remembered.get(make)
        if found is None:
            found = self._remembered[make] = tuple(make(self))
        return found

    def uk_day(self, moment: datetime) -> date:
        """`periods.uk_date_of(moment)`, remembered: KPIs date the same records by the same times."""
        day = self._uk_days.get(moment)
        if day is None:
            day = self._uk_days[moment] = uk_date_of(moment)
        return day

    def person_of(self, person_id: uuid.UUID | None) -> uuid.UUID | None:
        """The surviving person a record is about (after merges)."""
        return None if person_id is None else self.survivor.get(person_id.int)

    def person_of_record(self, record: RecordBase) -> uuid.UUID | None:
        """`person_of` the record's person, found once when the facts were built."""
        try:
            return self._persons[id(record)]
        except KeyError:
            return self.person_of(getattr(record, "person_id", None))

    def local_authority_of(self, person_id: uuid.UUID | None) -> str:
        """The local authority of residence of the (surviving) person, or "unknown"."""
        return self._local_authority(self.person_of(person_id))

    def local_authority_of_record(self, record: RecordBase) -> str:
        """`local_authority_of` the record's person, through the survivor found for the record."""
        return self._local_authority(self.person_of_record(record))

    def _local_authority(self, survivor: uuid.UUID | None) -> str:
        person = self.people.get(survivor) if survivor is not None else None
        return (person.local_authority if person is not None else None) or UNKNOWN


def _follow(
    start: uuid.UUID, merged_into: dict[uuid.UUID, uuid.UUID], live: dict[uuid.UUID, Person]
) -> uuid.UUID | None:
    """Follow a chain of merges to the live person at its end (None if it ends at a deleted one)."""
    seen = {start}
    current = merged_into[start]
    while current not in live:
        if current in seen or current not in merged_into:
            return None
        seen.add(current)
        current = merged_into[current]
    return current
