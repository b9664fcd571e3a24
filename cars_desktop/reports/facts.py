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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from cars_desktop.reports.periods import DateWindow
from cars_protocol.records import (
    Action,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
    record_from_json,
)

R = TypeVar("R", bound=RecordBase)

UNKNOWN = "unknown"

#: The record types any KPI reads (`Facts` keeps no other); people for merges and local authorities.
REPORTED_TYPES = ("person", "assessment", "referral", "naloxone_supply", "action")

#: How a stored record that is neither deleted nor merged says so ("tombstone" is a top-level
#: field; inside a JSON string its quotes would be escaped, so text cannot imitate it).
_LIVE = '"tombstone":null'


def current_revisions(records: Iterable[RecordBase]) -> dict[uuid.UUID, RecordBase]:
    """The newest revision of each record (a source may hold several revisions of one record)."""
    newest: dict[uuid.UUID, RecordBase] = {}
    for record in records:
        held = newest.get(record.id)
        if held is None or (record.revision, record.updated_at) > (held.revision, held.updated_at):
            newest[record.id] = record
    return newest


def may_count_in(record_type: str, body: str, window: DateWindow | None) -> bool:
    """Whether a stored record could change a report over `window`, judged from its JSON unparsed.

    People always could (merges, local authorities). Any other record could only if it holds a
    date inside the window, and every date or time a KPI reads starts a JSON string ("2026-04-01",
    "2026-04-01T09:30:00Z", typed fields and form answers alike), so a record none of whose strings
    starts in one of the window's months cannot count (`DateWindow.month_prefixes`). A report
    whose KPIs all date their events by the counted record's own dates (`compute.report_window`)
    never needs the rest, so sources skip them before the costly validation. With no window every
    record is kept.
    """
    if window is None or record_type == "person":
        return True
    return window.prefix_pattern.search(body) is not None


StoredRow = tuple[str, str, str]
"""A stored record as a source reads it: (record id, record type, JSON body)."""


def _parse_stored(record_id: str, record_type: str, body: str) -> RecordBase:
    return record_from_json(record_type, body)


def parse_reported(
    rows: Iterable[StoredRow],
    window: DateWindow | None = None,
    parse: Callable[[str, str, str], RecordBase] = _parse_stored,
) -> Iterator[RecordBase]:
    """Stored rows as records, leaving unparsed those that cannot change a report over `window`.

    Without a window every row is parsed. With one, a record other than a person is parsed only if
    it holds a date in the window (`may_count_in`); a live person only if a parsed record is about
    them or a merge leads to them (they are kept aside and parsed at the end, so people come last);
    deleted and merged people always. `Facts` then holds every person the counted records need,
    which is all a KPI whose events are dated by its own record reads (`compute.report_window`).
    `parse` turns one row into a record (the server's names the record it cannot read).
    """
    if window is None:
        for record_id, record_type, body in rows:
            yield parse(record_id, record_type, body)
        return
    live_people: list[StoredRow] = []
    needed: set[str] = set()
    for row in rows:
        record_id, record_type, body = row
        if record_type == "person":
            if _LIVE in body:
                live_people.append(row)
                continue
            person = parse(record_id, record_type, body)
            if person.tombstone is not None and person.tombstone.merged_into is not None:
                needed.add(str(person.tombstone.merged_into))
            yield person
        elif may_count_in(record_type, body, window):
            record = parse(record_id, record_type, body)
            person_id = getattr(record, "person_id", None)
            if person_id is not None:
                needed.add(str(person_id))
            yield record
    for record_id, record_type, body in live_people:
        if record_id in needed:
            yield parse(record_id, record_type, body)


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
    """Live records by type, with people resolved through merges; built once per report."""

    people: dict[uuid.UUID, Person] = field(default_factory=dict)
    survivor: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    forms: dict[AssessmentKind, list[Assessment]] = field(default_factory=lambda: defaultdict(list))
    referrals: list[Referral] = field(default_factory=list)
    naloxone: list[NaloxoneSupply] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    @classmethod
    def from_records(cls, records: Iterable[RecordBase], sites: frozenset[str] | None = None) -> Facts:
        """Sort live records by type; casework outside `sites` is left out (people never are)."""
        facts = cls()
        everything = current_revisions(records)
        merged_into: dict[uuid.UUID, uuid.UUID] = {}
        for record in everything.values():
            if isinstance(record, Person):
                if record.is_live:
                    facts.people[record.id] = record
                elif record.tombstone is not None and record.tombstone.merged_into is not None:
                    merged_into[record.id] = record.tombstone.merged_into
        facts.survivor = {pid: pid for pid in facts.people}
        for pid in merged_into:
            found = _follow(pid, merged_into, facts.people)
            if found is not None:
                facts.survivor[pid] = found
        for record in everything.values():
            if not record.is_live or isinstance(record, Person):
                continue
            if sites is not None and record.site_code not in sites:
                continue
            person_id = getattr(record, "person_id", None)
            if person_id is not None and person_id not in facts.survivor:
                continue  # about a person deleted without a merge
            facts._add(record)
        return facts

    def _add(self, record: RecordBase) -> None:
        if isinstance(record, Assessment):
            self.forms[record.kind].append(record)
        elif isinstance(record, Referral):
            self.referrals.append(record)
        elif isinstance(record, NaloxoneSupply):
            self.naloxone.append(record)
        elif isinstance(record, Action):
            self.actions.append(record)

    def completed(self, kind: AssessmentKind) -> Iterator[Assessment]:
        """Completed forms of one kind."""
        return (a for a in self.forms.get(kind, ()) if is_completed(a))

    def person_of(self, person_id: uuid.UUID | None) -> uuid.UUID | None:
        """The surviving person a record is about (after merges)."""
        return None if person_id is None else self.survivor.get(person_id)

    def local_authority_of(self, person_id: uuid.UUID | None) -> str:
        """The local authority of residence of the (surviving) person, or "unknown"."""
        survivor = self.person_of(person_id)
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
