# ruff: noqa: E501 - the records are a table, one per line
"""Crime-impact tables for a hand-built set of invented people, expected values reasoned from the records.

The report period is April 2026 (UK dates). British Summer Time: 23:30 UTC on 31 March is 00:30 on
1 April in the UK, and 23:30 UTC on 30 April is 00:30 on 1 May.

- Q1: arrested 2 April (episode E1: theft, possession of heroin, a specified Class A drug), assessed
  the same day in that episode (heroin, AUDIT-C 3, lower risk); a second arrival the same day for
  begging that the assessment must not be linked to, and a drug test in episode E1 at 00:30 BST on
  3 April; neither is a re-arrest. Entered treatment 10 April. Re-arrested 15 July (a custody
  episode).
- Q2: arrested 5 April for possessing cannabis (an MDA code, but not a specified Class A drug, so
  not a trigger offence); assessed 6 April in that custody episode (the episode record, not the
  arrival form, carries its id; an arrival for begging at 08:00 that day is not the one linked) (no problem use; the stored AUDIT band is possible
  dependence). Drug test on arrest 1 December: re-arrested within 12 months, not within 6.
- Q3: at Perry Barr; an arrest on 1 March (more than 28 days before) and one on 10 May (after);
  assessed 20 April (crack, AUDIT 17, higher risk). Treatment started 1 November: outside the
  6-month window (to 20 October), inside the 12-month one.
- Q4 was merged into Q5. Q4 assessed at 00:30 BST on 1 April (heroin, AUDIT 0); Q5 arrested
  30 March (burglary, fraud); Q5's court suitability assessment 15 April (alcohol, AUDIT 26,
  possible dependence). Q4 re-arrested 1 June (counts for Q5).
- Q6 was deleted (not merged): nothing of theirs counts. Q1's deleted assessment does not count.
- Q7: assessed at 23:59 BST on 31 March and at 00:30 BST on 1 May: neither is in April.
"""

from __future__ import annotations

import csv
import io
import subprocess
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import SimpleDocTemplate

from cars_desktop.reports.crime import CRIME_RECORD_TYPES, crime_tables
from cars_desktop.reports.pdf_crime import crime_flowables
from cars_protocol.records import (
    CustodyEpisode,
    DrugTest,
    Person,
    RecordBase,
    ReferralOutcome,
    Tombstone,
)
from tests.reports.casebook import COURT, GONE, OLDBURY, PERRY, K, form, person, referral, utc

Q1, Q2, Q3, Q5, Q7 = (person(n, "BIRMINGHAM") for n in ("Quin", "Rory", "Sian", "Tamsin", "Ula"))
Q4 = person(
    "Tam",
    "WALSALL",
    Tombstone(at=utc("2026-05-01T09:00"), by="sue.sup", reason="duplicate", merged_into=Q5.id),
)
Q6 = person("Vic", "DUDLEY", GONE)
E1 = uuid.UUID(int=901)

THEFT, HEROIN = (
    {"offence": "Shoplifting", "trigger_offence_code": "TA1968-S1"},
    {"offence": "Possession of heroin", "trigger_offence_code": "MDA1971-S5-2", "specified_class_a": "yes"},
)
CANNABIS = {
    "offence": "Possession of cannabis",
    "trigger_offence_code": "MDA1971-S5-2",
    "specified_class_a": "no",
}
BURGLARY, FRAUD = (
    {"offence": "Burglary", "trigger_offence_code": "TA1968-S9"},
    {"offence": "Fraud", "trigger_offence_code": "FA2006-S1"},
)
BEGGING = {"offence": "Begging", "trigger_offence_code": "VA1824-S3"}
LOWER = {"audit_1": 1, "audit_2": 1, "audit_3": 1}  # AUDIT-C 3: lower risk, no more questions
ZERO = {"audit_1": 0, "audit_2": 0, "audit_3": 0}
HIGHER = {
    **{f"audit_{n}": v for n, v in zip(range(1, 9), (4, 4, 4, 1, 1, 1, 1, 1), strict=True)},
    "audit_9": 0,
    "audit_10": 0,
}  # 17
DEPENDENT = {
    **{f"audit_{n}": v for n, v in zip(range(1, 9), (4, 4, 4, 2, 2, 2, 2, 2), strict=True)},
    "audit_9": 4,
    "audit_10": 0,
}  # 26


def arrival(who: Person, site: str, arrived: str, offences: list[dict[str, str]], **extra: Any) -> RecordBase:
    return form(
        K.CUSTODY_ARRIVAL,
        who,
        site,
        "w.one",
        arrived,
        {"arrived_at": utc(arrived).isoformat(), "offences": offences},
        **extra,
    )


def lifestyle(
    who: Person, site: str, done: str, substance: str | None, audit: dict[str, int], **extra: Any
) -> RecordBase:
    answers: dict[str, Any] = {
        "assessment_type": "voluntary_custody",
        "problem_use": "no" if substance is None else "yes",
        **audit,
    }
    if substance is not None:
        answers["substances"] = [{"substance": substance, "route": "smoked"}]
    return form(K.LIFESTYLE, who, site, "w.one", done, answers, **extra)


def episode(who: Person, arrived: str) -> CustodyEpisode:
    at = utc(arrived)
    return CustodyEpisode(
        person_id=who.id,
        custody_record_number="CR1",
        arrived_at=at,
        site_code=OLDBURY,
        author="w.one",
        created_at=at,
        updated_at=at,
    )


RECORDS: list[RecordBase] = [
    Q1, Q2, Q3, Q4, Q5, Q6, Q7,
    arrival(Q1, OLDBURY, "2026-04-02T07:00", [THEFT, HEROIN], episode_id=E1),
    arrival(Q1, OLDBURY, "2026-04-02T09:00", [BEGGING]),
    lifestyle(Q1, OLDBURY, "2026-04-02T10:00", "heroin", LOWER, episode_id=E1),
    lifestyle(Q1, OLDBURY, "2026-04-12T10:00", "cannabis", LOWER, tombstone=GONE),
    referral(Q1, OLDBURY, "w.one", "2026-04-02T11:00", outcome=ReferralOutcome.ENTERED_TREATMENT, entered_treatment_on=date(2026, 4, 10)),
    DrugTest(person_id=Q1.id, episode_id=E1, sample_taken_at=utc("2026-04-02T23:30"), site_code=OLDBURY, author="w.one", created_at=utc("2026-04-02T23:30"), updated_at=utc("2026-04-02T23:30")),
    Q1_REARREST := episode(Q1, "2026-07-15T08:00"),
    arrival(Q2, OLDBURY, "2026-04-05T20:00", [CANNABIS]),
    Q2_EPISODE := episode(Q2, "2026-04-05T20:00"),
    arrival(Q2, OLDBURY, "2026-04-06T08:00", [BEGGING]),
    form(K.LIFESTYLE, Q2, OLDBURY, "w.one", "2026-04-06T09:00", episode_id=Q2_EPISODE.id, answers={"assessment_type": "voluntary_custody", "problem_use": "no", "audit_score": {"total": 21, "band": {"code": "possible_dependence"}}}),
    DrugTest(person_id=Q2.id, episode_id=uuid.UUID(int=902), sample_taken_at=utc("2026-12-01T10:00"), site_code=OLDBURY, author="w.one", created_at=utc("2026-12-01T10:00"), updated_at=utc("2026-12-01T10:00")),
    arrival(Q3, PERRY, "2026-03-01T10:00", [THEFT]),
    arrival(Q3, PERRY, "2026-05-10T10:00", [BURGLARY]),
    lifestyle(Q3, PERRY, "2026-04-20T10:00", "crack_cocaine", HIGHER),
    referral(Q3, PERRY, "w.one", "2026-04-20T11:00", outcome=ReferralOutcome.ENTERED_TREATMENT, entered_treatment_on=date(2026, 11, 1)),
    arrival(Q5, OLDBURY, "2026-03-30T10:00", [BURGLARY, FRAUD]),
    lifestyle(Q4, OLDBURY, "2026-03-31T23:30", "heroin", ZERO),
    form(K.COURT_SUITABILITY, Q5, COURT, "w.three", "2026-04-15T10:00", {"outcome": "suitable_recommended", "problem_use": "yes", "substances": [{"substance": "alcohol"}], **DEPENDENT}),
    episode(Q4, "2026-06-01T08:00"),
    arrival(Q6, OLDBURY, "2026-04-09T10:00", [THEFT]),
    lifestyle(Q6, OLDBURY, "2026-04-10T10:00", "heroin", LOWER),
    lifestyle(Q7, OLDBURY, "2026-03-31T22:59", "heroin", LOWER),
    lifestyle(Q7, OLDBURY, "2026-04-30T23:30", "heroin", LOWER),
]  # fmt: skip

APRIL = (date(2026, 4, 1), date(2026, 4, 30))
TA, MDA, FA = "Theft Act 1968", "Misuse of Drugs Act 1971", "Fraud Act 2006"


def _cells(table: Any) -> dict[str, dict[str, int]]:
    """Every non-zero cell by row, plus the row's total under "total"."""
    out: dict[str, dict[str, int]] = {}
    for row, _label in table.rows:
        cells = {c: table.count(row, c) for c, _ in table.columns if table.count(row, c)}
        if table.totals[row]:
            out[row] = {"total": table.totals[row], **cells}
    return out


def test_offence_groups_by_main_substance() -> None:
    tables = crime_tables(RECORDS, *APRIL, as_of=date(2027, 4, 5))
    assert _cells(tables.by_substance) == {
        "heroin": {"total": 2, TA: 2, MDA: 1, FA: 1},  # Q1 (episode E1, not the begging), Q4 via Q5's arrest
        "crack_cocaine": {"total": 1, "no_arrest_recorded": 1},  # Q3's arrests are too early or later
        "alcohol": {"total": 1, TA: 1, FA: 1},  # Q5 at court, arrested 16 days before
        "none": {"total": 1, "not_trigger": 1},  # Q2: cannabis is not a specified Class A drug
    }


def test_offence_groups_by_audit_band() -> None:
    tables = crime_tables(RECORDS, *APRIL, as_of=date(2027, 4, 5))
    assert _cells(tables.by_audit_band) == {
        "lower_risk": {"total": 2, TA: 2, MDA: 1, FA: 1},  # Q1 (AUDIT-C 3), Q4 (0)
        "higher_risk": {"total": 1, "no_arrest_recorded": 1},  # Q3 (17)
        "possible_dependence": {"total": 2, "not_trigger": 1, TA: 1, FA: 1},  # Q2 (stored band), Q5 (26)
    }
    assert [code for code, _ in tables.by_audit_band.rows] == [
        "lower_risk", "increasing_risk", "higher_risk", "possible_dependence", "not_recorded",
    ]  # fmt: skip


def test_rearrest_within_6_and_12_months_by_treatment() -> None:
    # People (first assessment in April): Q1 2 Apr, Q2 6 Apr, Q3 20 Apr, Q5 1 Apr (Q4's, merged).
    # On 5 April 2027 every 6-month window has passed; of the 12-month ones only Q1's (to 2 April
    # 2027) and Q5's (to 1 April 2027).
    tables = crime_tables(RECORDS, *APRIL, as_of=date(2027, 4, 5))
    got = {
        (r.months, r.entered_treatment): (r.followed_up, r.rearrested, r.awaiting) for r in tables.rearrest
    }
    assert got == {
        (6, True): (1, 1, 0),  # Q1, re-arrested 15 July
        (6, False): (3, 2, 0),  # Q2 (drug test only in December), Q3 (10 May), Q5 (Q4's 1 June)
        (6, None): (4, 3, 0),
        (12, True): (1, 1, 0),  # Q1
        (12, False): (1, 1, 0),  # Q5
        (12, None): (2, 2, 2),  # Q2 and Q3 await
    }
    assert tables.rearrest_row(6, None).rate == pytest.approx(3 / 4)


def test_the_same_day_and_the_same_episode_are_not_rearrests() -> None:
    without_july = [r for r in RECORDS if r is not Q1_REARREST]
    tables = crime_tables(without_july, *APRIL, as_of=date(2027, 4, 5))
    row = tables.rearrest_row(6, True)
    assert (row.followed_up, row.rearrested) == (1, 0)  # Q1: the begging arrival is the same day


def test_a_later_as_of_follows_everyone_up_for_12_months() -> None:
    tables = crime_tables(RECORDS, *APRIL, as_of=date(2027, 4, 20))
    got = {
        g: (r.followed_up, r.rearrested) for g in (True, False, None) for r in [tables.rearrest_row(12, g)]
    }
    # Q3 entered treatment on 1 November: inside the 12-month window; Q2's December drug test counts.
    assert got == {True: (2, 2), False: (2, 2), None: (4, 4)}


def test_sites_limit_the_assessments_but_not_the_rearrests() -> None:
    tables = crime_tables(RECORDS, *APRIL, sites=frozenset({PERRY}), as_of=date(2027, 4, 20))
    assert _cells(tables.by_substance) == {"crack_cocaine": {"total": 1, "no_arrest_recorded": 1}}
    assert (tables.rearrest_row(6, False).followed_up, tables.rearrest_row(6, False).rearrested) == (1, 1)
    assert tables.rearrest_row(12, True).followed_up == 1


def test_march_holds_the_boundary_cases() -> None:
    tables = crime_tables(RECORDS, date(2026, 3, 1), date(2026, 3, 31), as_of=date(2027, 4, 5))
    # Only Q7 at 23:59 BST on 31 March (Q4's 23:30 UTC is 1 April in the UK).
    assert _cells(tables.by_substance) == {"heroin": {"total": 1, "no_arrest_recorded": 1}}


def test_the_same_records_repeated_and_reordered_give_the_same_tables() -> None:
    once = crime_tables(RECORDS, *APRIL, as_of=date(2027, 4, 5))
    again = crime_tables(iter(list(reversed(RECORDS)) + RECORDS), *APRIL, as_of=date(2027, 4, 5))
    assert once == again
    assert set(CRIME_RECORD_TYPES) >= {type(r).record_type for r in RECORDS}
    with pytest.raises(ValueError, match="before its first"):
        crime_tables(RECORDS, date(2026, 4, 30), date(2026, 4, 1))


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csvs_show_counts_and_suppress_small_ones() -> None:
    tables = crime_tables(RECORDS, *APRIL, as_of=date(2027, 4, 5))
    plain = tables.to_csvs(None)
    assert set(plain) == {
        "offences_by_main_substance.csv", "offences_by_audit_band.csv", "rearrest.csv", "crime_definitions.csv",
    }  # fmt: skip
    heroin = next(r for r in _read(plain["offences_by_main_substance.csv"]) if r["code"] == "heroin")
    assert (heroin["assessments"], heroin[TA], heroin[MDA], heroin["Not a trigger offence"]) == (
        "2",
        "2",
        "1",
        "0",
    )
    rearrest = {(r["months"], r["group"]): r for r in _read(plain["rearrest.csv"])}
    assert rearrest[("6", "everyone")] == {
        "months": "6", "group": "everyone", "people_followed_up": "4", "people_rearrested": "3",
        "rate": "0.75", "people_awaiting": "0",
    }  # fmt: skip
    hidden = tables.to_csvs(3)
    heroin = next(r for r in _read(hidden["offences_by_main_substance.csv"]) if r["code"] == "heroin")
    assert (heroin["assessments"], heroin[TA], heroin[MDA], heroin["Not a trigger offence"]) == (
        "<3",
        "<3",
        "<3",
        "0",
    )
    rows = {(r["months"], r["group"]): r for r in _read(hidden["rearrest.csv"])}
    assert rows[("6", "everyone")]["people_followed_up"] == "4"  # 3 and over are shown
    assert rows[("6", "everyone")]["rate"] == "0.75"
    # Entered treatment (1 person) is hidden, so the other group (3) is hidden too: it would give it away.
    assert rows[("6", "entered treatment")]["people_followed_up"] == "<3"
    assert rows[("6", "did not enter treatment")]["people_followed_up"] == "suppressed"
    assert rows[("6", "did not enter treatment")]["rate"] == "suppressed"
    definitions = {r["table"]: r["definition"] for r in _read(hidden["crime_definitions.csv"])}
    assert (
        "05/04/2027" in definitions["rearrest.csv"] and "28 days" in definitions["offences_by_audit_band.csv"]
    )


def test_the_pdf_section_renders_with_its_tables_and_notes(tmp_path: Path) -> None:
    tables = crime_tables(RECORDS, *APRIL, as_of=date(2027, 4, 5))
    heading = ParagraphStyle(
        "h", fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=8, spaceAfter=4
    )
    body = ParagraphStyle("b", fontName="Helvetica", fontSize=10, leading=13)
    pdf = tmp_path / "crime.pdf"
    SimpleDocTemplate(str(pdf), pagesize=A4).build(crime_flowables(tables, None, heading, body))
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for words in (
        "Drugs, alcohol and crime",
        "Trigger offence groups by main substance",
        "Trigger offence groups by AUDIT band",
        "Re-arrest within 6 and 12 months",
        "Crack cocaine",
        "Possible dependence",
        "75.0%",
        "05/04/2027",
        "01/04/2026 to 30/04/2026",
    ):
        assert words in text, words
    small = tmp_path / "small.pdf"
    SimpleDocTemplate(str(small), pagesize=A4).build(crime_flowables(tables, 3, heading, body))
    shown = subprocess.run(["pdftotext", str(small), "-"], capture_output=True, text=True, check=True).stdout
    assert "<3" in shown and "suppressed" in shown and "75.0%" in shown
