"""Forms whose answers no KPI reads are read without them in a KPI report (`facts.kpi_outline`).

An outline must count exactly as the whole form does, must never be made of a form whose answers a
KPI reads (even when the text misleads), and must fail loudly if a KPI reads its answers.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import date

import pytest

from cars_desktop.domain.report_months import StoredRow
from cars_desktop.reports.compute import GroupBy, compute_kpis
from cars_desktop.reports.facts import kpi_outline, parse_indexed
from cars_desktop.reports.forms_facts import ANSWERS_UNREAD
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_protocol.records import Assessment, AssessmentKind, RecordBase, record_from_json
from tests.reports.casebook import OLDBURY, RECORDS, form, person

ARRIVED = {"arrived_at": "2026-04-02T09:00:00+01:00", "offences": ["theft_shop"]}


def stored(records: list[RecordBase]) -> list[StoredRow]:
    return [(str(r.id), r.record_type, r.model_dump_json()) for r in records]


def test_an_outline_is_the_form_without_its_answers() -> None:
    someone = person("Ada", "E08000025")
    arrival = form(
        AssessmentKind.CUSTODY_ARRIVAL, someone, OLDBURY, "wes.worker", "2026-04-02T08:30", ARRIVED
    )
    outline = kpi_outline("assessment", arrival.model_dump_json())
    assert outline is not None
    assert {name: getattr(outline, name) for name in outline.model_fields_set} == {
        name: getattr(arrival, name) for name in outline.model_fields_set
    }
    assert outline.id == arrival.id and outline.completed_at == arrival.completed_at
    with pytest.raises(AttributeError, match="answers"):
        _ = outline.answers


def test_forms_whose_answers_are_read_are_parsed_whole() -> None:
    someone = person("Bea", "E08000025")
    for kind in AssessmentKind:
        body = form(kind, someone, OLDBURY, "wes.worker", "2026-04-02T08:30", {"x": 1}).model_dump_json()
        outline = kpi_outline("assessment", body)
        assert (outline is not None) == (kind in ANSWERS_UNREAD), kind
    assert kpi_outline("person", someone.model_dump_json()) is None


def test_misleading_text_never_outlines_a_form_whose_answers_are_read() -> None:
    someone = person("Cy", "E08000025")
    lifestyle = form(AssessmentKind.LIFESTYLE, someone, OLDBURY, "wes.worker", "2026-04-02T08:30", {"a": "b"})
    fields = json.loads(lifestyle.model_dump_json())
    # The answers come first and hold the text a custody arrival form's kind would have.
    misleading = {
        "answers": {"kind": "custody_arrival"},
        **{k: v for k, v in fields.items() if k != "answers"},
    }
    body = json.dumps(misleading, separators=(",", ":"))
    assert body.index('"kind":"custody_arrival"') < body.index('"kind":"lifestyle"')
    assert kpi_outline("assessment", body) is None
    # A body the outline refuses is left to the full parse, which names the problem.
    assert kpi_outline("assessment", body.replace('"status":"completed"', '"status":"done"')) is None


def test_a_report_with_outlines_counts_as_one_over_whole_records() -> None:
    someone = person("Dee", "E08000025")
    arrivals: list[RecordBase] = [
        form(AssessmentKind.CUSTODY_ARRIVAL, p, OLDBURY, "wes.worker", f"2026-04-0{day}T08:30", ARRIVED)
        for day, p in ((2, someone), (3, someone))
    ]
    records = [*RECORDS, someone, *arrivals]
    rows = stored([r for r in records if r.record_type != "person"])
    people = {
        str(r.id): (str(r.id), r.record_type, r.model_dump_json())
        for r in records
        if r.record_type == "person"
    }

    def people_by_id(ids: Collection[str]) -> Iterator[StoredRow]:
        return (people[i] for i in ids if i in people)

    parsed = list(parse_indexed(rows, people_by_id))
    outlines = [r for r in parsed if isinstance(r, Assessment) and "answers" not in r.__dict__]
    assert len(outlines) == 1 + len(arrivals)  # the casebook's own custody arrival form too
    whole = [record_from_json(t, b) for _i, t, b in stored(records)]
    periods = periods_between(date(2026, 3, 1), date(2026, 4, 30), PeriodKind.MONTH)
    for group_by in GroupBy:
        assert compute_kpis(parsed, periods, group_by) == compute_kpis(whole, periods, group_by), group_by
    engaged = compute_kpis(parsed, periods).row("assessment_conversion", periods[1])
    assert engaged.denominator is not None and engaged.denominator >= 1
