"""Drugs, alcohol and crime: offence categories by main substance and AUDIT band, and re-arrest.

"To help understand the impact of drugs and alcohol on crime" (issue 7). Qt-free, from plain
records, so the server and a workstation count the same things; deleted and merged records are
handled as in facts.py (newest revision only, tombstoned records left out, merged people followed
to the survivor, records about a person deleted without a merge left out).

Offence tables. The assessments counted are completed lifestyle assessments (every type, because a
"required" lifestyle form holds the substances of a required assessment) and completed court
suitability assessments with an outcome other than "not completed", each on the UK date it was
completed, at the chosen sites. Each is linked to the arrest it followed: the custody arrival form
of the same custody episode when the assessment names one, else the person's latest completed
custody arrival form in the ARREST_LINK_DAYS days up to the assessment's date. The arrest's offences
give its trigger offence groups (the Act each matched trigger offence is under; Misuse of Drugs Act
offences only for a specified Class A drug); an assessment counts once in each of its groups, so a
row's groups can add up to more than its assessments.

Re-arrest. People are counted once, at their first assessment in the period (the KPI sense: a
required initial assessment attended and stayed for, a lifestyle assessment of any type but
"required", or a court suitability assessment as above). A re-arrest is a new detention recorded
for the same person (merges followed) at any site on a later UK date than that assessment and
within 6 (or 12) calendar months of it: a custody episode's arrival, a completed custody arrival
form's arrival time, or a drug test on arrest's sample time; records of the assessment's own
custody episode are not re-arrests. "Entered treatment" means a referral for the person recorded as
entered treatment with treatment starting from the assessment's date to the end of the same window.
Only people whose window had fully passed by `as_of` are in the denominator; the others are counted
as awaiting follow-up. Detentions outside the West Midlands blocks the service covers, or not
recorded by the service, cannot be seen, so the rates are lower bounds.
"""

from __future__ import annotations

import calendar
import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from cars_desktop.reports import forms_facts as ff
from cars_desktop.reports.export import SUPPRESSED, csv_cell, suppressed_breakdown, suppressed_count
from cars_desktop.reports.facts import Facts, answer_time, current_revisions
from cars_desktop.reports.kpi_events import kpi_assessments, suitability_done
from cars_desktop.reports.periods import uk_date_of
from cars_protocol.records import (
    Assessment,
    AssessmentKind,
    CustodyEpisode,
    DrugTest,
    RecordBase,
    ReferralOutcome,
    utc_now,
)

CRIME_RECORD_TYPES: tuple[str, ...] = ("person", "assessment", "referral", "custody_episode", "drug_test")
"""The record types crime_tables reads (the server loads only these)."""

ARREST_LINK_DAYS = 28
"""How far back an assessment without a custody episode looks for the arrest it followed."""
FOLLOW_UP_MONTHS: tuple[int, ...] = (6, 12)
NO_ARREST = "no_arrest_recorded"
"""The offence column for an assessment with no custody arrival form to link to."""

K = AssessmentKind


@dataclass(frozen=True)
class CrossTable:
    """Assessments by a row category (main substance or AUDIT band) and trigger offence group."""

    name: str
    title: str
    row_heading: str
    rows: tuple[tuple[str, str], ...]  # (code, label), in the order shown
    columns: tuple[tuple[str, str], ...]  # (code, label)
    totals: dict[str, int]  # assessments per row, each once
    counts: dict[tuple[str, str], int]  # (row code, column code) -> assessments
    notes: str

    def count(self, row: str, column: str) -> int:
        """Assessments in one cell (zero when none)."""
        return self.counts.get((row, column), 0)


@dataclass(frozen=True)
class RearrestRow:
    """Re-arrest within `months` of the first assessment in the period, for one treatment group.

    `entered_treatment` is True or False for the two groups and None for everyone; `awaiting`
    (people whose window has not fully passed) is given on the everyone row only, because whether
    they will enter treatment within the window is not yet known.
    """

    months: int
    entered_treatment: bool | None
    followed_up: int
    rearrested: int
    awaiting: int

    @property
    def rate(self) -> float | None:
        """Re-arrested / followed up, or None when nobody could be followed up yet."""
        return self.rearrested / self.followed_up if self.followed_up else None


@dataclass(frozen=True)
class CrimeTables:
    """The crime-impact tables for one report period, with the definitions that made them."""

    first: date
    last: date
    as_of: date
    by_substance: CrossTable
    by_audit_band: CrossTable
    rearrest: tuple[RearrestRow, ...]
    rearrest_notes: str

    def rearrest_row(self, months: int, entered_treatment: bool | None) -> RearrestRow:
        """The re-arrest row for one window and treatment group."""
        return next(
            r for r in self.rearrest if (r.months, r.entered_treatment) == (months, entered_treatment)
        )

    def to_csvs(self, suppress_below: int | None) -> dict[str, str]:
        """File name -> CSV text for every table, plus the definitions; small counts suppressed."""
        files = {
            f"{t.name}.csv": _cross_csv(t, suppress_below) for t in (self.by_substance, self.by_audit_band)
        }
        files["rearrest.csv"] = _rearrest_csv(self, suppress_below)
        files["crime_definitions.csv"] = _definitions_csv(self)
        return files


# --- the indexes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Arrival:
    day: date
    episode: uuid.UUID | None
    form: Assessment | None


class _Arrests:
    """Every recorded detention, by surviving person: custody episodes, arrival forms, drug tests."""

    def __init__(self, facts: Facts, everything: Iterable[RecordBase], people: set[uuid.UUID]) -> None:
        """Index the detentions of `people` (surviving ids) only: the rest are never asked about."""
        self.by_person: dict[uuid.UUID, list[_Arrival]] = defaultdict(list)
        self.episodes: dict[uuid.UUID, CustodyEpisode] = {}
        for record in everything:
            kind = type(record)
            if (kind is not CustodyEpisode and kind is not DrugTest) or not record.is_live:
                continue
            assert isinstance(record, CustodyEpisode | DrugTest)
            person = facts.person_of(record.person_id)
            if person not in people:
                continue
            if isinstance(record, CustodyEpisode):
                self.episodes[record.id] = record
                self.by_person[person].append(_Arrival(uk_date_of(record.arrived_at), record.id, None))
            else:
                arrival = _Arrival(uk_date_of(record.sample_taken_at), record.episode_id, None)
                self.by_person[person].append(arrival)
        for form in facts.completed(K.CUSTODY_ARRIVAL):
            person = facts.person_of(form.person_id)
            arrived = answer_time(form.answers, "arrived_at") if person in people else None
            if arrived is not None and person is not None:
                self.by_person[person].append(_Arrival(uk_date_of(arrived), form.episode_id, form))
        for arrivals in self.by_person.values():
            arrivals.sort(key=lambda a: a.day)

    def arrest_before(self, person: uuid.UUID, assessment: Assessment, day: date) -> Assessment | None:
        """The custody arrival form of the arrest an assessment followed (see the module notes)."""
        forms = [a for a in self.by_person.get(person, ()) if a.form is not None]
        if assessment.episode_id is not None:
            for arrival in forms:
                if arrival.episode == assessment.episode_id:
                    return arrival.form
            episode = self.episodes.get(assessment.episode_id)
            if episode is not None:
                for arrival in forms:
                    assert arrival.form is not None
                    if answer_time(arrival.form.answers, "arrived_at") == episode.arrived_at:
                        return arrival.form
        earliest = day - timedelta(days=ARREST_LINK_DAYS)
        linked = [a for a in forms if earliest <= a.day <= day]
        return linked[-1].form if linked else None

    def rearrested(self, person: uuid.UUID, assessment: Assessment, day: date, end: date) -> bool:
        """Whether a detention other than the assessment's own is recorded after `day`, up to `end`."""
        own = assessment.episode_id
        return any(
            day < a.day <= end and (own is None or a.episode != own) for a in self.by_person.get(person, ())
        )


def _entered_treatment(facts: Facts) -> dict[uuid.UUID, list[date]]:
    """Dates treatment started, by surviving person, from referrals recorded as entered treatment."""
    started: dict[uuid.UUID, list[date]] = defaultdict(list)
    for referral in facts.referrals:
        person = facts.person_of(referral.person_id)
        if (
            person is not None
            and referral.outcome is ReferralOutcome.ENTERED_TREATMENT
            and referral.entered_treatment_on is not None
        ):
            started[person].append(referral.entered_treatment_on)
    return started


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# --- the tables -----------------------------------------------------------------------------


def _completed_on(assessment: Assessment) -> date:
    assert assessment.completed_at is not None
    return uk_date_of(assessment.completed_at)


def _in(assessment: Assessment, first: date, last: date, sites: frozenset[str] | None) -> bool:
    return (sites is None or assessment.site_code in sites) and first <= _completed_on(assessment) <= last


def _offence_assessments(facts: Facts) -> Iterator[Assessment]:
    yield from facts.completed(K.LIFESTYLE)
    yield from suitability_done(facts)


_OFFENCE_NOTES = (
    "Assessments: completed lifestyle assessments (every type) and court suitability assessments "
    'completed with an outcome other than "not completed", on the UK date completed. Offences come '
    "from the custody arrival form of the same custody episode, else the person's latest custody "
    f"arrival in the {ARREST_LINK_DAYS} days up to the assessment. Each trigger offence group is the "
    "Act the matched trigger offence is under (Misuse of Drugs Act offences only for a specified "
    "Class A drug); an arrest with offences in two groups counts in both, so a row's groups can add "
    'up to more than its assessments. "Not a trigger offence": no offence matched the list. '
    '"No arrest recorded": no custody arrival form to link to (for example a court assessment long '
    "after the arrest)."
)


Dated = tuple[uuid.UUID, date, Assessment]
"""An assessment in the period with its surviving person and UK date."""


def _offence_assessments_in(
    facts: Facts, first: date, last: date, sites: frozenset[str] | None
) -> list[Dated]:
    out: list[Dated] = []
    for assessment in _offence_assessments(facts):
        if _in(assessment, first, last, sites):
            person = facts.person_of(assessment.person_id)
            assert person is not None  # Facts keeps only records about live or merged people
            out.append((person, _completed_on(assessment), assessment))
    return out


def _cross_tables(arrests: _Arrests, assessments: list[Dated], last: date) -> tuple[CrossTable, CrossTable]:
    columns = (
        *((g, g) for g in ff.trigger_offence_groups()),
        (ff.NOT_TRIGGER, "Not a trigger offence"),
        (NO_ARREST, "No arrest recorded"),
    )
    substance: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    band: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for person, day, assessment in assessments:
        arrival = arrests.arrest_before(person, assessment, day)
        groups = ff.offence_groups(arrival) if arrival is not None else frozenset({NO_ARREST})
        for table, row in (
            (substance, ff.main_substance(assessment)),
            (band, ff.audit_band(assessment, day)),
        ):
            table[row][""] += 1
            for group in groups:
                table[row][group] += 1
    names = ff.substance_names()
    substance_rows = [(code, name) for code, name in names.items() if code in substance]
    substance_rows += [
        (c, lbl) for c, lbl in ((ff.NONE, "No problem use"), (ff.NOT_RECORDED, "Not recorded"))
    ]
    substance_rows += [(code, code) for code in sorted(substance) if code not in dict(substance_rows)]
    band_rows = (*ff.audit_bands(last), (ff.NOT_RECORDED, "Not recorded"))
    return (
        _cross("offences_by_main_substance", "Trigger offence groups by main substance", "Main substance",
               tuple(substance_rows), columns, substance, _OFFENCE_NOTES + " Main substance: the first "
               'problem substance recorded; "no problem use" when the person has no current problem.'),
        _cross("offences_by_audit_band", "Trigger offence groups by AUDIT band", "AUDIT band",
               band_rows, columns, band, _OFFENCE_NOTES + " AUDIT band: the band stored with the "
               "assessment's AUDIT score (AUDIT-C alone when under 5), else the AUDIT answers scored."),
    )  # fmt: skip


def _cross(
    name: str,
    title: str,
    heading: str,
    rows: tuple[tuple[str, str], ...],
    columns: tuple[tuple[str, str], ...],
    tally: dict[str, dict[str, int]],
    notes: str,
) -> CrossTable:
    counts = {(r, c): n for r, cells in tally.items() for c, n in cells.items() if c}
    totals = {r: tally[r][""] if r in tally else 0 for r, _ in rows}
    return CrossTable(name, title, heading, rows, columns, totals, counts, notes)


def _first_assessments(
    facts: Facts, first: date, last: date, sites: frozenset[str] | None
) -> dict[uuid.UUID, tuple[date, Assessment]]:
    """Each surviving person's first assessment (KPI sense) in the period, with its UK date."""
    index: dict[uuid.UUID, tuple[date, Assessment]] = {}
    for assessment in kpi_assessments(facts):
        if not _in(assessment, first, last, sites):
            continue
        person = facts.person_of(assessment.person_id)
        assert person is not None
        day = _completed_on(assessment)
        held = index.get(person)
        if held is None or (day, assessment.completed_at, str(assessment.id)) < (
            held[0],
            held[1].completed_at,
            str(held[1].id),
        ):
            index[person] = (day, assessment)
    return index


def _rearrest(
    facts: Facts, arrests: _Arrests, index: dict[uuid.UUID, tuple[date, Assessment]], as_of: date
) -> tuple[RearrestRow, ...]:
    started = _entered_treatment(facts)
    rows: list[RearrestRow] = []
    for months in FOLLOW_UP_MONTHS:
        tally: dict[bool | None, list[int]] = {True: [0, 0], False: [0, 0], None: [0, 0]}
        awaiting = {True: 0, False: 0, None: 0}
        for person, (day, assessment) in index.items():
            end = add_months(day, months)
            treated = any(day <= s <= end for s in started.get(person, ()))
            if end > as_of:
                awaiting[None] += 1
                continue
            again = arrests.rearrested(person, assessment, day, end)
            for group in (treated, None):
                tally[group][0] += 1
                tally[group][1] += int(again)
        for group in (True, False, None):
            rows.append(RearrestRow(months, group, tally[group][0], tally[group][1], awaiting[group]))
    return tuple(rows)


def _rearrest_notes(as_of: date) -> str:
    return (
        "People are counted once, at their first assessment in the period (required initial "
        'assessments attended and stayed for, lifestyle assessments of any type but "required", court '
        "suitability assessments with an outcome). Re-arrested: a custody arrival or a drug test on "
        "arrest recorded for the same person at any site on a later UK date than that assessment and "
        "within 6 (or 12) calendar months of it, not in the assessment's own custody episode. Entered "
        "treatment: a referral recorded as entered treatment, treatment starting from the assessment "
        f"date to the end of the same window. Only people whose window had fully passed by "
        f"{as_of:%d/%m/%Y} are counted; the rest are shown as awaiting follow-up. Arrests the service "
        "did not record cannot be seen, so re-arrest rates are lower bounds."
    )


def crime_tables(
    records: Iterable[RecordBase],
    first: date,
    last: date,
    sites: frozenset[str] | None = None,
    as_of: date | None = None,
) -> CrimeTables:
    """The crime-impact tables for assessments completed from `first` to `last` (UK dates).

    `sites` limits the assessments counted (re-arrests and treatment at any site still count);
    `as_of` (default today in the UK) decides whose follow-up window has fully passed.
    """
    if last < first:
        raise ValueError("the report's last date is before its first")
    as_of = as_of or uk_date_of(utc_now())
    everything = current_revisions(records)
    facts = Facts.from_records(everything.values())
    assessed = _offence_assessments_in(facts, first, last, sites)
    index = _first_assessments(facts, first, last, sites)
    arrests = _Arrests(facts, everything.values(), {p for p, _, _ in assessed} | set(index))
    by_substance, by_band = _cross_tables(arrests, assessed, last)
    rearrest = _rearrest(facts, arrests, index, as_of)
    return CrimeTables(first, last, as_of, by_substance, by_band, rearrest, _rearrest_notes(as_of))


# --- CSV, with the export's small-number rule -------------------------------------------------

GROUP_WORDS: dict[bool | None, str] = {
    True: "entered treatment",
    False: "did not enter treatment",
    None: "everyone",
}


def shown_cross_row(table: CrossTable, row: str, threshold: int | None) -> tuple[int | str | None, list[str]]:
    """One row's total and cells as they may be shown (cells in column order), small counts hidden.

    The cells are treated like a breakdown (export.py): when exactly one is hidden, the next
    smallest is hidden too.
    """
    cells = suppressed_breakdown({c: table.count(row, c) for c, _ in table.columns}, threshold)
    return suppressed_count(table.totals[row], threshold), [csv_cell(cells[c]) for c, _ in table.columns]


def _cross_csv(table: CrossTable, threshold: int | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", table.row_heading, "assessments", *(label for _, label in table.columns)])
    for code, label in table.rows:
        total, cells = shown_cross_row(table, code, threshold)
        writer.writerow([code, label, csv_cell(total), *cells])
    return out.getvalue()


def shown_rearrest(
    tables: CrimeTables, months: int, threshold: int | None
) -> dict[bool | None, dict[str, str]]:
    """The re-arrest rows of one window as they may be shown: counts, rate and awaiting.

    The two treatment groups add up to everyone, so when one group's count is hidden the other's
    is hidden too (the breakdown rule of export.py); a rate on a hidden count is withheld.
    """
    rows = {g: tables.rearrest_row(months, g) for g in (True, False, None)}
    shown: dict[bool | None, dict[str, str]] = {}
    followed = suppressed_breakdown({str(g): rows[g].followed_up for g in (True, False)}, threshold)
    again = suppressed_breakdown({str(g): rows[g].rearrested for g in (True, False)}, threshold)
    for group, row in rows.items():
        people = suppressed_count(row.followed_up, threshold) if group is None else followed[str(group)]
        rearrested = suppressed_count(row.rearrested, threshold) if group is None else again[str(group)]
        hidden = not isinstance(people, int) or not isinstance(rearrested, int)
        shown[group] = {
            "followed_up": csv_cell(people),
            "rearrested": csv_cell(rearrested),
            "rate": SUPPRESSED if hidden and row.rate is not None else csv_cell(row.rate),
            "awaiting": csv_cell(suppressed_count(row.awaiting, threshold)) if group is None else "",
        }
    return shown


def _rearrest_csv(tables: CrimeTables, threshold: int | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["months", "group", "people_followed_up", "people_rearrested", "rate", "people_awaiting"])
    for months in FOLLOW_UP_MONTHS:
        for group, cells in shown_rearrest(tables, months, threshold).items():
            writer.writerow([months, GROUP_WORDS[group], *cells.values()])
    return out.getvalue()


def _definitions_csv(tables: CrimeTables) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "title", "definition"])
    for table in (tables.by_substance, tables.by_audit_band):
        writer.writerow([f"{table.name}.csv", table.title, table.notes])
    writer.writerow(
        ["rearrest.csv", "Re-arrest within 6 and 12 months of an assessment", tables.rearrest_notes]
    )
    return out.getvalue()
