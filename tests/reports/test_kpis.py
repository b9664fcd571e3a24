"""KPI values for the hand-built casebook, worked out by reading its records (see casebook.py).

March and April 2026; A1's RA1 at 23:30 BST on 31 March is March, its completion at 00:30 BST on
1 April is April; P3 was merged into P2 (Sandwell), P4 and several records were deleted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cars_desktop.reports.compute import GroupBy, compute_kpis, kpi_table
from cars_desktop.reports.facts import Facts
from cars_desktop.reports.kpi_events import kpi_assessments
from cars_desktop.reports.kpis import KPIS
from cars_desktop.reports.periods import Period, PeriodIndex, PeriodKind, periods_between, uk_date_of
from cars_protocol.records import NaloxoneProduct, NaloxoneSupply, Person, RecordBase, Sex
from tests.reports.casebook import (
    COURT,
    GONE,
    NDTMS,
    OLDBURY,
    P1,
    P2,
    P3,
    P4,
    P6,
    PERRY,
    RECORDS,
    K,
    form,
    person,
    referral,
)

MARCH, APRIL = periods_between(date(2026, 3, 1), date(2026, 4, 30), PeriodKind.MONTH)

# kpi_id: (March, April), each reasoned from the casebook's records.
EXPECTED: dict[str, tuple[float | int | None, float | int | None]] = {
    "voluntary_assessments": (1, 1),  # L1 at 23:59 BST 31 Mar; L2
    "required_assessments_requested": (2, 2),  # A1 (RA1 31 Mar BST), A4 | A2, A3 (draft)
    "required_assessments_completed": (1, 1),  # A4 | A1 (00:30 BST 1 Apr), once despite 3 revisions
    "suitability_assessments_requested": (2, 3),  # C5, C1 (hearing 30 Mar) | C2, C3, C4
    "suitability_assessments_completed": (1, 2),  # C5 | C1, C2 (C4 not completed)
    "suitability_adjournments": (0, 2),  # C1, C4
    "assessed_suitable_drr_atr": (0, 2),  # C1 (DRR+ATR), C2 (ATR); C5 did not consent
    "drr_made": (0, 1),  # C1 combined, sentenced 24 Apr
    "atr_made": (0, 1),  # C1 combined; C2's ATR was made in May
    "referrals_into_treatment": (2, 4),  # R7, R2 | R1 (00:30 BST 1 Apr), R3, R4, R5; R6 deleted
    "entries_into_treatment": (1, 2),  # R7 | R1, R2
    "referrals_not_converted": (0, 2),
    "cases_closed": (0, 2),  # K2 (00:10 BST 1 Apr), K1 (closed_on 30 Apr, completed in May)
    "naloxone_kits_supplied": (2, 1),
    "vulnerability_screens_completed": (1, 1),
    "onward_referrals": (1, 1),  # MARAC | L&D (NRM cancelled, police notification is not onward)
    "assessment_conversion": (2 / 2, 3 / 4),  # P1,P2 of P1,P2 | P1,P2,P5 of P1,P2,P5,P6
    "statutory_share": (1 / 3, 1 / 5),  # A4 of A4,L1,C5 | A1 of A1,L2,L4,C1,C2
    "required_assessment_compliance": (2 / 2, 0 / 2),
    "transfer_into_treatment": (2 / 2, 1 / 4),
    "median_days_to_treatment": (1.0, 11.0),  # R7 1 day | R1 5 days, R2 17 days
    "naloxone_to_opiate_users": (1 / 1, 1 / 2),  # P1 supplied | P5 supplied, P2 not
    "vulnerability_screen_rate": (1 / 2, 1 / 3),  # P2 of P1,P2 | P1 of P1,P2,P5
    # L1 of A4,L1,C5 | A1 (L3 answers it the same UK day, 1 Apr BST), L2, L4 of A1,L2,L4,C1,C2
    "consent_recorded_rate": (1 / 3, 3 / 5),
    "ndtms_fields_complete_rate": (0 / 1, 1 / 3),  # L1 | L2 of L2, L3 (sex not stated), L4 (no route)
    "harm_reduction_interventions": (1, 3),  # P1's kit | P5's kit, overdose risk, needle exchange
    "naloxone_replacements_for_used": (0, 0),  # no replacements in the casebook itself
    "drr_order_rate": (None, 1 / 1),  # C5 not recommended | C1 recommended DRR+ATR, combined made
    "atr_order_rate": (None, 2 / 2),  # C1 combined made, C2 ATR made
    # P2 (R7, R2) of P1, P2 (P1's R1 is 00:30 BST 1 April) | P1 (R1, R5), P2 (R3 via P3), P5 (R4)
    "referral_rate": (1 / 2, 3 / 3),
    "naloxone_offered_to_opiate_users": (1 / 1, 2 / 2),  # P1 supplied | P5 supplied, P2 offered (declined)
    "suitability_recommended_rate": (0 / 1, 2 / 2),  # C5 suitable, no consent | C1, C2
}
FRACTIONS = {  # numerator, denominator of the rates, March and April
    "assessment_conversion": ((2, 2), (3, 4)),
    "statutory_share": ((1, 3), (1, 5)),
    "naloxone_to_opiate_users": ((1, 1), (1, 2)),
    "consent_recorded_rate": ((1, 3), (3, 5)),
    "ndtms_fields_complete_rate": ((0, 1), (1, 3)),
    "drr_order_rate": ((0, 0), (1, 1)),
    "atr_order_rate": ((0, 0), (2, 2)),
    "referral_rate": ((1, 2), (3, 3)),
    "naloxone_offered_to_opiate_users": ((1, 1), (2, 2)),
    "suitability_recommended_rate": ((0, 1), (2, 2)),
}


def test_every_kpi_is_defined_once_and_has_an_expected_value() -> None:
    ids = [k.kpi_id for k in KPIS]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(EXPECTED)
    for kpi in KPIS:
        assert len(kpi.definition) > 60, kpi.kpi_id
        assert (kpi.numerator is not None) == (kpi.kind in ("rate", "median")), kpi.kpi_id


@pytest.mark.parametrize("kpi_id", sorted(EXPECTED))
def test_values_by_month(kpi_id: str) -> None:
    table = compute_kpis(RECORDS, [MARCH, APRIL])
    for period, expected in zip((MARCH, APRIL), EXPECTED[kpi_id], strict=True):
        assert table.row(kpi_id, period).value == pytest.approx(expected), (kpi_id, period.label)


def test_rates_carry_their_numerator_and_denominator() -> None:
    table = compute_kpis(RECORDS, [MARCH, APRIL])
    for kpi_id, pairs in FRACTIONS.items():
        for period, (num, den) in zip((MARCH, APRIL), pairs, strict=True):
            row = table.row(kpi_id, period)
            assert (row.numerator, row.denominator) == (num, den), kpi_id


def test_breakdowns() -> None:
    table = compute_kpis(RECORDS, [MARCH, APRIL])
    assert table.row("referrals_not_converted", APRIL).breakdown == {"declined": 1, "did_not_attend": 1}
    assert table.row("referrals_not_converted", MARCH).breakdown == {}
    assert table.row("onward_referrals", MARCH).breakdown == {"marac": 1}
    assert table.row("onward_referrals", APRIL).breakdown == {"liaison_and_diversion": 1}
    assert table.row("harm_reduction_interventions", MARCH).breakdown == {"naloxone_supply": 1}
    assert table.row("harm_reduction_interventions", APRIL).breakdown == {
        "naloxone_supply": 1,
        "needle_exchange": 1,
        "overdose_risk": 1,
    }


def test_the_same_records_in_any_order_and_repeated_give_the_same_table() -> None:
    once = compute_kpis(RECORDS, [MARCH, APRIL])
    again = compute_kpis(list(reversed(RECORDS)) + RECORDS, [MARCH, APRIL])
    assert once.rows == again.rows


def test_by_site() -> None:
    table = compute_kpis(RECORDS, [MARCH, APRIL], GroupBy.SITE)
    assert table.groups == (COURT, OLDBURY, PERRY)
    referrals = {g: table.row("referrals_into_treatment", APRIL, g).value for g in table.groups}
    assert referrals == {OLDBURY: 2, PERRY: 1, COURT: 1}  # R1, R5 | R3 | R4
    requested = {g: table.row("required_assessments_requested", APRIL, g).value for g in table.groups}
    assert requested == {OLDBURY: 1, PERRY: 1, COURT: 0}
    assert table.row("transfer_into_treatment", APRIL, OLDBURY).value == 0.5  # R1 entered, R5 pending
    # Naloxone: P5 assessed at court and supplied; P2 screened at Perry Barr, not supplied.
    assert table.row("naloxone_to_opiate_users", APRIL, COURT).value == 1.0
    assert table.row("naloxone_to_opiate_users", APRIL, PERRY).value == 0.0
    assert table.row("naloxone_to_opiate_users", APRIL, OLDBURY).value is None  # nobody to divide by


def test_by_local_authority_follows_merges() -> None:
    table = compute_kpis(RECORDS, [MARCH, APRIL], GroupBy.LOCAL_AUTHORITY)
    assert "WALSALL" not in table.groups and "DUDLEY" not in table.groups  # merged away, deleted
    assert table.row("required_assessments_completed", MARCH, "SANDWELL").value == 1  # A4 via P3 -> P2
    referrals = {g: table.row("referrals_into_treatment", APRIL, g).value for g in table.groups}
    assert referrals == {"BIRMINGHAM": 2, "SANDWELL": 1, "unknown": 1, "WOLVERHAMPTON": 0}


def test_by_worker() -> None:
    table = compute_kpis(RECORDS, [MARCH, APRIL], GroupBy.WORKER)
    assert table.row("voluntary_assessments", APRIL, "w.two").value == 1
    assert table.row("voluntary_assessments", MARCH, "w.one").value == 1
    assert table.row("suitability_assessments_completed", APRIL, "w.three").value == 2


def test_sites_filter_keeps_only_their_casework() -> None:
    table = compute_kpis(RECORDS, [MARCH, APRIL], sites=frozenset({OLDBURY}))
    assert table.row("referrals_into_treatment", MARCH).value == 1  # R7
    assert table.row("referrals_into_treatment", APRIL).value == 2  # R1, R5
    assert table.row("suitability_assessments_completed", APRIL).value == 0


def test_quarter_and_financial_year_split_at_april() -> None:
    q4, q1 = periods_between(date(2026, 3, 1), date(2026, 6, 30), PeriodKind.QUARTER)
    assert (q4.label, q1.label) == ("1 March 2026 to 31 March 2026", "Q1 2026/27")
    table = compute_kpis(RECORDS, [q4, q1])
    assert table.row("referrals_into_treatment", q4).value == 2
    assert table.row("referrals_into_treatment", q1).value == 4
    fy = periods_between(date(2025, 4, 1), date(2026, 3, 31), PeriodKind.FINANCIAL_YEAR)
    assert [p.label for p in fy] == ["2025/26"]
    assert compute_kpis(RECORDS, fy).row("entries_into_treatment", fy[0]).value == 1  # R7 only


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "uk_day"),
    [
        ("2026-03-28T23:30", date(2026, 3, 28)),  # GMT, the night before the change
        ("2026-03-29T00:59", date(2026, 3, 29)),  # 00:59 GMT, a minute before the clocks go forward
        ("2026-03-29T23:30", date(2026, 3, 30)),  # 00:30 BST
        ("2026-10-24T23:30", date(2026, 10, 25)),  # 00:30 BST on the day the clocks go back
        ("2026-10-25T23:30", date(2026, 10, 25)),  # 23:30 GMT
        ("2026-12-31T23:59", date(2026, 12, 31)),  # GMT at the year end
    ],
)
def test_uk_dates_across_the_clock_changes(moment: str, uk_day: date) -> None:
    assert uk_date_of(at(moment)) == uk_day


def test_daily_counts_across_the_clock_changes() -> None:
    records = [P1] + [
        referral(P1, OLDBURY, "w.one", t)
        for t in (
            "2026-03-28T23:30",
            "2026-03-29T23:30",
            "2026-10-24T23:30",
            "2026-10-25T23:30",
            "2026-10-25T23:59",
        )
    ]
    days = [Period(PeriodKind.DAY, d, d) for d in (date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30))]
    days += [Period(PeriodKind.DAY, d, d) for d in (date(2026, 10, 24), date(2026, 10, 25))]
    table = compute_kpis(records, days)
    assert [table.row("referrals_into_treatment", d).value for d in days] == [1, 0, 1, 0, 3]


def test_period_labels_and_weeks() -> None:
    weeks = periods_between(date(2026, 4, 6), date(2026, 4, 19), PeriodKind.WEEK)
    assert [w.label for w in weeks] == ["Week beginning 6 April 2026", "Week beginning 13 April 2026"]
    assert periods_between(date(2026, 4, 1), date(2026, 4, 30), PeriodKind.MONTH)[0].label == "April 2026"
    assert periods_between(date(2027, 1, 1), date(2027, 3, 31), PeriodKind.QUARTER)[0].label == "Q4 2026/27"
    with pytest.raises(ValueError, match="zone"):
        uk_date_of(datetime(2026, 4, 1, 12, 0))


def _supply(who: Person, on: date, reason: str, **extra: Any) -> NaloxoneSupply:
    at = datetime.combine(on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    return NaloxoneSupply(
        person_id=who.id, product=NaloxoneProduct.NYXOID, batch_number="B9", expiry_date=date(2028, 1, 1),
        supplied_on=on, reason="first_supply" if reason == "first_supply" else "replacement",
        replacement_reason=None if reason == "first_supply" else reason, site_code=OLDBURY, author="w.one",
        created_at=at, updated_at=at, **extra,
    )  # fmt: skip


# Beyond the casebook: a consent form for P3 (merged into P2) on the day of A4, a deleted one on
# C5's day; Naloxone replacements (two for kits used in April, one lost in March, one used but
# deleted, one used on 1 May); and a DRR recommended for P6 with no sentence recorded yet.
EXTRA: list[RecordBase] = [
    form(K.CONSENT, P3, PERRY, "w.two", "2026-03-05T14:00", {"given_on": "2026-03-05"}),
    form(K.CONSENT, P1, COURT, "w.three", "2026-03-20T14:00", {"given_on": "2026-03-20"}, tombstone=GONE),
    _supply(P6, date(2026, 4, 20), "used_on_self"),
    _supply(P1, date(2026, 4, 10), "used_on_other"),
    _supply(P1, date(2026, 3, 10), "lost"),
    _supply(P1, date(2026, 4, 12), "used_on_self", tombstone=GONE),
    _supply(P1, date(2026, 5, 1), "used_on_self"),
    form(K.COURT_SUITABILITY, P6, COURT, "w.three", "2026-04-20T10:00",
         {"hearing_date": "2026-04-20", "outcome": "suitable_recommended", "requirement_type": "drr",
          "adjourned": "no", "sentence_known": "no"}),
]  # fmt: skip


def test_consent_decisions_follow_merges_and_ignore_deleted_forms() -> None:
    table = compute_kpis([*RECORDS, *EXTRA], [MARCH, APRIL])
    row = table.row("consent_recorded_rate", MARCH)
    assert (row.numerator, row.denominator) == (2, 3)  # A4 (P3's consent form, merged), L1; not C5


def test_replacements_for_kits_used_by_reason_on_the_supply_date() -> None:
    table = compute_kpis([*RECORDS, *EXTRA], [MARCH, APRIL])
    assert table.row("naloxone_replacements_for_used", MARCH).value == 0  # the March one was lost
    april = table.row("naloxone_replacements_for_used", APRIL)
    assert (april.value, april.breakdown) == (2, {"used_on_other": 1, "used_on_self": 1})
    hr = table.row("harm_reduction_interventions", APRIL)
    assert hr.breakdown == {"naloxone_supply": 3, "needle_exchange": 1, "overdose_risk": 1}
    assert table.row("harm_reduction_interventions", MARCH).value == 2  # P1's first kit and the lost one


def test_order_rates_count_recommendations_awaiting_sentence_as_not_made() -> None:
    table = compute_kpis([*RECORDS, *EXTRA], [MARCH, APRIL])
    drr = table.row("drr_order_rate", APRIL)
    assert (drr.numerator, drr.denominator) == (1, 2)  # C1 made; P6's recommendation has no sentence
    atr = table.row("atr_order_rate", APRIL)
    assert (atr.numerator, atr.denominator) == (2, 2)


def test_ndtms_fields_need_the_main_substance_row_and_the_persons_sex() -> None:
    someone = person("Fen", "DUDLEY", sex=Sex.FEMALE)
    answers = {"assessment_type": "voluntary_custody", **NDTMS, "problem_use": "yes"}
    whole = {"substance": "heroin", "route": "smoked", "age_first_used": 22}
    forms = [
        form(K.LIFESTYLE, someone, OLDBURY, "w.one", f"2026-04-0{n + 1}T10:00", {**answers, **change})
        for n, change in enumerate(
            [
                {"substances": [whole]},  # complete
                {"substances": [{**whole, "age_first_used": None}]},  # age first used missing
                {"problem_use": "no"},  # complete: no substance needed
                {"substances": [whole], "employment": ""},  # employment blank
                {"problem_use": None, "substances": [whole]},  # not answered
            ]
        )
    ]
    row = compute_kpis([someone, *forms], [APRIL]).row("ndtms_fields_complete_rate", APRIL)
    assert (row.numerator, row.denominator) == (2, 5)


# The computation makes each event source's events once per report and shares them between KPIs,
# and remembers what it works out from each record; none of that may change a number.


@pytest.mark.parametrize("group_by", [GroupBy.SITE, GroupBy.LOCAL_AUTHORITY, GroupBy.WORKER])
def test_grouped_counts_add_up_to_the_whole(group_by: GroupBy) -> None:
    records = [*RECORDS, *EXTRA]
    whole = compute_kpis(records, [MARCH, APRIL])
    grouped = compute_kpis(records, [MARCH, APRIL], group_by)
    assert len(grouped.groups) > 1
    for kpi in KPIS:
        if kpi.kind not in ("count", "breakdown"):
            continue
        for period in (MARCH, APRIL):
            rows = [grouped.row(kpi.kpi_id, period, g) for g in grouped.groups]
            assert (
                sum(r.value for r in rows if isinstance(r.value, int)) == whole.row(kpi.kpi_id, period).value
            )
            if kpi.kind == "breakdown":
                lines: dict[str, int] = {}
                for r in rows:
                    for line, n in (r.breakdown or {}).items():
                        lines[line] = lines.get(line, 0) + n
                assert lines == whole.row(kpi.kpi_id, period).breakdown


@pytest.mark.parametrize("group_by", [GroupBy.NONE, GroupBy.SITE])
def test_each_kpi_alone_gives_its_rows_of_the_whole_table(group_by: GroupBy) -> None:
    records = [*RECORDS, *EXTRA]
    whole = compute_kpis(records, [MARCH, APRIL], group_by)
    for kpi in KPIS:
        alone = compute_kpis(records, [MARCH, APRIL], group_by, kpis=[kpi])
        for row in alone.rows:
            assert whole.row(row.kpi_id, row.period, row.group) == row


def test_period_index_positions_and_gaps() -> None:
    first = Period(PeriodKind.DAY, date(2026, 4, 1), date(2026, 4, 1))
    later = Period(PeriodKind.MONTH, date(2026, 4, 10), date(2026, 4, 30))
    index = PeriodIndex([later, first])
    assert index.periods == (first, later)
    days = [date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 5), date(2026, 4, 10), date(2026, 4, 30)]
    for _ in range(2):  # the second time from what was remembered
        assert [index.position(d) for d in days] == [None, 0, None, 1, 1]
        assert [index.find(d) for d in days] == [None, first, None, later, later]
    assert index.position(None) is None and index.find(None) is None
    with pytest.raises(ValueError, match="overlap"):
        PeriodIndex([later, Period(PeriodKind.DAY, date(2026, 4, 30), date(2026, 4, 30))])


def test_facts_find_each_records_person_through_merges() -> None:
    facts = Facts.from_records(RECORDS)
    assessments = list(kpi_assessments(facts))
    assert assessments == list(kpi_assessments(facts))  # remembered, not used up
    held = {a.person_id: facts.person_of_record(a) for a in assessments}
    assert held[P3.id] == P2.id and held[P1.id] == P1.id
    # A record the facts do not hold is looked up as it comes; one about a deleted person has nobody.
    assert facts.person_of_record(referral(P3, OLDBURY, "w.one", "2026-04-02T10:00")) == P2.id
    assert facts.person_of_record(referral(P4, OLDBURY, "w.one", "2026-04-02T10:00")) is None
    assert {facts.local_authority_of_record(a) for a in assessments if a.person_id == P3.id} == {"SANDWELL"}
    assert facts.local_authority_of_record(referral(P4, OLDBURY, "w.one", "2026-04-02T10:00")) == "unknown"
    moment = at("2026-03-31T23:30")
    assert facts.uk_day(moment) == facts.uk_day(at("2026-03-31T23:30")) == date(2026, 4, 1)


def test_facts_built_once_serve_tables_for_other_periods() -> None:
    records = [*RECORDS, *EXTRA]
    facts = Facts.from_records(records, frozenset({OLDBURY, PERRY}))
    quarters = periods_between(date(2026, 3, 1), date(2026, 6, 30), PeriodKind.QUARTER)
    for periods, group_by in (
        ([MARCH, APRIL], GroupBy.SITE),
        (quarters, GroupBy.NONE),
        ([APRIL], GroupBy.LOCAL_AUTHORITY),
    ):
        again = compute_kpis(records, periods, group_by, frozenset({OLDBURY, PERRY}))
        assert kpi_table(facts, periods, group_by).rows == again.rows
