"""Hypothesis: answers a spec accepts survive the encrypted store unchanged; rejected ones name a field."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cars_desktop.forms.catalogue import FormCatalogue
from cars_desktop.forms.spec import FieldSpec, FieldType
from cars_desktop.forms.validation import choices_for, validate
from cars_desktop.services.forms import FormIncomplete, open_form, save_draft, start_form
from cars_desktop.services.workstation import WorkstationSession
from tests.forms.test_validation import SPEC

CATALOGUE = FormCatalogue([SPEC])
TODAY = date.today()
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
junk = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200), text, st.lists(st.integers(0, 3), max_size=3)
)


def _valid_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    kind = spec.type
    if kind in (FieldType.SHORT_TEXT, FieldType.LOOKUP):
        return st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)
    if kind is FieldType.LONG_TEXT:
        return text
    if kind is FieldType.INTEGER:
        return st.integers(5, 90)
    if kind is FieldType.DECIMAL:
        return st.floats(0, 1000, allow_nan=False)
    if kind is FieldType.DATE:
        return st.dates(date(1990, 1, 1), TODAY).map(date.isoformat)
    if kind is FieldType.TIME:
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if kind is FieldType.DATETIME:
        return st.datetimes(datetime(2000, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)).map(
            datetime.isoformat
        )
    if kind is FieldType.YES_NO:
        return st.sampled_from(["yes", "no", "not_asked"])
    if kind in (FieldType.SINGLE_CHOICE, FieldType.SCALE):
        return st.sampled_from([c.code for c in choices_for(spec)])
    if kind is FieldType.MULTIPLE_CHOICE:
        return st.lists(st.sampled_from([c.code for c in choices_for(spec)]), unique=True)
    if kind is FieldType.SIGNATURE:
        return st.builds(
            lambda n: {"name": n, "signed_at": "2026-11-20T09:00:00+00:00"}, st.sampled_from(["Sam Worker"])
        )
    if kind is FieldType.REPEAT_GROUP:
        inner = st.fixed_dictionaries({}, optional={f.id: _valid_value(f) for f in spec.fields or []})
        return st.lists(inner, max_size=3)
    return st.none()


def answers_for_spec(valid_bias: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Answers per field: mostly well-formed values, some junk, some fields left out."""
    fields = {
        f.id: (_valid_value(f) if valid_bias else st.one_of(_valid_value(f), junk)) for f in SPEC.all_fields()
    }
    return st.fixed_dictionaries({}, optional=fields)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=st.one_of(answers_for_spec(True), answers_for_spec(False)))
def test_accepted_answers_round_trip_and_rejected_ones_name_a_field(
    session: WorkstationSession, answers: dict[str, Any]
) -> None:
    issues = validate(SPEC, answers, completing=False)
    form = start_form(session, SPEC.id, uuid.uuid4(), catalogue=CATALOGUE)
    labels = {f.label for f in SPEC.all_fields()} | {
        g.label for f in SPEC.all_fields() for g in f.fields or []
    }
    if issues:
        with pytest.raises(FormIncomplete) as refused:
            save_draft(session, form, answers)
        assert refused.value.issues == issues
        assert all(i.label in labels and i.message for i in issues)
        return
    saved = save_draft(session, form, answers)
    reopened = open_form(session, saved.record.id, catalogue=CATALOGUE)
    assert reopened.record.answers == answers
    assert reopened.record.form_id == SPEC.id and reopened.record.form_version == SPEC.version
