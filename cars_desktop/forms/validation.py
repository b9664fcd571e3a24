"""Checking answers against a form spec, with messages that name the field in the worker's words.

Drafts are checked only for well-formed values (a worker may stop half-way); completing also needs
every required, visible answer and every cross-field rule. Answers to questions hidden by skip logic
are not checked, and are left out of a completed record (`visible_answers`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from cars_desktop.forms.expressions import Scope, evaluate
from cars_desktop.forms.spec import YES_NO_CODES, Choice, FieldSpec, FieldType, FormSpec
from cars_desktop.resources import reference_list


@dataclass(frozen=True)
class Issue:
    """One problem with one answer, ready to show beside the field."""

    field_id: str
    label: str
    message: str
    item: int | None = None

    @property
    def text(self) -> str:
        where = f" (entry {self.item + 1})" if self.item is not None else ""
        return f"{self.label}{where}: {self.message}"


def choices_for(spec: FieldSpec, on: date | None = None) -> list[Choice]:
    """The coded answers offered, from the spec or from a versioned reference list."""
    if spec.choices is not None:
        return spec.choices
    if spec.choices_from:
        return [Choice(code=i.code, label=i.name) for i in reference_list(spec.choices_from).current(on)]
    return []


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def is_visible(spec: FieldSpec, scope: Scope) -> bool:
    return spec.shown_when is None or evaluate(spec.shown_when, scope)


def is_required(spec: FieldSpec, scope: Scope) -> bool:
    return spec.required or (spec.required_when is not None and evaluate(spec.required_when, scope))


def parse_date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("enter a date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("enter a real date, day month year") from None


def parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("enter a date and time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("enter a real date and time") from None
    if parsed.tzinfo is None:
        raise ValueError("the time must carry its time zone")
    return parsed


def _check_value(spec: FieldSpec, value: Any, today: date) -> str | None:
    """The problem with a non-blank value of this field's type, or None."""
    rules = spec.validation
    kind = spec.type
    try:
        if kind in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT, FieldType.LOOKUP):
            if not isinstance(value, str):
                return "enter text"
            limit = rules.max_length or (200 if kind is FieldType.SHORT_TEXT else 20_000)
            if len(value) > limit:
                return f"keep this to {limit} characters or fewer"
            if rules.min_length and len(value.strip()) < rules.min_length:
                return f"enter at least {rules.min_length} characters"
            if rules.pattern and not re.fullmatch(rules.pattern, value):
                return rules.pattern_message or "this is not in the expected format"
        elif kind in (FieldType.INTEGER, FieldType.DECIMAL):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return "enter a number"
            if kind is FieldType.INTEGER and not float(value).is_integer():
                return "enter a whole number"
            if rules.min is not None and value < rules.min:
                return f"must be {rules.min:g} or more"
            if rules.max is not None and value > rules.max:
                return f"must be {rules.max:g} or less"
        elif kind is FieldType.DATE:
            day = parse_date(value)
            if rules.not_in_future and day > today:
                return "cannot be in the future"
        elif kind is FieldType.TIME:
            if not isinstance(value, str):
                return "enter a time"
            time.fromisoformat(value)
        elif kind is FieldType.DATETIME:
            moment = parse_datetime(value)
            if rules.not_in_future and moment.date() > today:
                return "cannot be in the future"
        elif kind in (FieldType.SINGLE_CHOICE, FieldType.SCALE):
            codes = [c.code for c in choices_for(spec, today)]
            if value not in codes:
                return "choose one of the options"
        elif kind is FieldType.MULTIPLE_CHOICE:
            codes = [c.code for c in choices_for(spec, today)]
            if not isinstance(value, list) or any(v not in codes for v in value):
                return "choose from the options"
            if len(set(map(str, value))) != len(value):
                return "each option can be chosen once"
            if rules.min_items is not None and len(value) < rules.min_items:
                return f"choose at least {rules.min_items}"
            if rules.max_items is not None and len(value) > rules.max_items:
                return f"choose at most {rules.max_items}"
        elif kind is FieldType.YES_NO:
            if value not in YES_NO_CODES:
                return "answer yes, no or not asked"
        elif kind is FieldType.SIGNATURE:
            if not isinstance(value, Mapping) or not str(value.get("name", "")).strip():
                return "type the name of the person signing"
            parse_datetime(value.get("signed_at"))
        elif kind is FieldType.REPEAT_GROUP:
            if not isinstance(value, list) or any(not isinstance(v, Mapping) for v in value):
                return "entries are missing"
            if rules.max_items is not None and len(value) > rules.max_items:
                return f"at most {rules.max_items} entries"
    except ValueError as exc:
        return str(exc) or "this is not a valid answer"
    return None


def _check_field(
    spec: FieldSpec,
    answers: Mapping[str, Any],
    item: Mapping[str, Any] | None,
    index: int | None,
    completing: bool,
    today: date,
    labels: Mapping[str, str],
) -> list[Issue]:
    scope = Scope(answers, item)
    if not is_visible(spec, scope) or spec.type is FieldType.COMPUTED:
        return []
    source = item if item is not None else answers
    value = source.get(spec.id)
    if _blank(value):
        if completing and spec.type is FieldType.REPEAT_GROUP and spec.validation.min_items:
            return [Issue(spec.id, spec.label, f"add at least {spec.validation.min_items}", index)]
        if completing and is_required(spec, scope):
            return [Issue(spec.id, spec.label, "this must be answered", index)]
        return []
    problem = _check_value(spec, value, today)
    if problem is None:
        problem = _check_order(spec, value, scope, labels)
    issues = [Issue(spec.id, spec.label, problem, index)] if problem else []
    if spec.type is FieldType.REPEAT_GROUP and not problem and isinstance(value, list):
        if completing and spec.validation.min_items and len(value) < spec.validation.min_items:
            issues.append(Issue(spec.id, spec.label, f"add at least {spec.validation.min_items}", index))
        for position, entry in enumerate(value):
            for inner in spec.fields or []:
                issues += _check_field(inner, answers, entry, position, completing, today, labels)
    return issues


def _check_order(spec: FieldSpec, value: Any, scope: Scope, labels: Mapping[str, str]) -> str | None:
    """Dates that must come after (or before) another answer, for example expiry after supply."""
    for other_id, must_be_after in (
        (spec.validation.after_field, True),
        (spec.validation.before_field, False),
    ):
        if other_id is None:
            continue
        other = scope.lookup(other_id)
        if _blank(other) or not isinstance(other, str) or not isinstance(value, str):
            continue
        if (value <= other) if must_be_after else (value >= other):
            word = "after" if must_be_after else "before"
            return f"must be {word} {labels.get(other_id, other_id.replace('_', ' ')).lower()}"
    return None


def settle(spec: FormSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers that count: an answer left on a question that skip logic now hides is blank.

    Hiding one answer can hide questions that depended on it, so this repeats until nothing more
    changes (answers only ever drop out, so it ends within as many rounds as there are answers).
    Computed results are kept as they are; callers work them out from the settled answers.
    """
    current = dict(answers)
    computed_ids = {f.id for f in spec.all_fields() if f.type is FieldType.COMPUTED}
    for _ in range(len(current) + 1):
        settled = {
            **visible_answers(spec, current),
            **{k: v for k, v in current.items() if k in computed_ids},
        }
        if settled == current:
            break
        current = settled
    return current


def validate(
    spec: FormSpec, answers: Mapping[str, Any], *, completing: bool, today: date | None = None
) -> list[Issue]:
    """Every problem with these answers, in form order; empty means acceptable.

    Conditions and cross-field rules read the settled answers, so a stale answer on a hidden
    question can neither show a branch nor trip a rule.
    """
    day = today or date.today()
    issues: list[Issue] = []
    known = {f.id for f in spec.all_fields()}
    for unknown in sorted(set(answers) - known):
        issues.append(Issue(unknown, unknown, "this question is not on this version of the form"))
    answers = settle(spec, {k: v for k, v in answers.items() if k in known})
    labels = {f.id: f.label for f in spec.all_fields()} | {
        g.id: g.label for f in spec.all_fields() for g in f.fields or []
    }
    for section in spec.sections:
        if section.shown_when is not None and not evaluate(section.shown_when, Scope(answers)):
            continue
        for field in section.fields:
            issues += _check_field(field, answers, None, None, completing, day, labels)
    if completing:
        for check in spec.checks:
            scope = Scope(answers)
            if (check.when is None or evaluate(check.when, scope)) and not evaluate(check.require, scope):
                issues.append(Issue(check.field, spec.field(check.field).label, check.message))
    return issues


def visible_answers(spec: FormSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to questions that are shown; what a completed record keeps."""
    kept: dict[str, Any] = {}
    for section in spec.sections:
        if section.shown_when is not None and not evaluate(section.shown_when, Scope(answers)):
            continue
        for field in section.fields:
            if field.id not in answers or not is_visible(field, Scope(answers)):
                continue
            value = answers[field.id]
            if field.type is FieldType.REPEAT_GROUP and isinstance(value, list):
                value = [
                    {
                        inner.id: entry[inner.id]
                        for inner in field.fields or []
                        if inner.id in entry and is_visible(inner, Scope(answers, entry))
                    }
                    if isinstance(entry, Mapping)
                    else entry  # malformed entries stay, so validation reports them
                    for entry in value
                ]
            kept[field.id] = value
    return kept
