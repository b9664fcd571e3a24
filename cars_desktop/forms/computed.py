"""Computed fields: scores worked out from other answers by a named scoring function.

A computed field stays empty until every answer it needs is given, so a half-finished AUDIT never
shows a misleading total; its value is the scorer's result as plain data (the shown part is
named by the spec).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.scoring import SCORERS
from cars_desktop.forms.spec import ComputedSource, FieldType, FormSpec


def _plain(result: Any) -> Any:
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        data = dataclasses.asdict(result)
        summary = getattr(result, "summary", None)
        if summary is not None:
            data["summary"] = summary
        return _json_ready(data)
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return _json_ready(result)


def _json_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_ready(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _arguments(source: ComputedSource, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = dict(source.constants)
    for name, fields in source.args.items():
        values: Any = [answers.get(f) for f in fields] if isinstance(fields, list) else answers.get(fields)
        parts = values if isinstance(fields, list) else [values]
        blank = any(v is None or v == "" for v in parts)
        if blank:
            if name in source.optional:
                continue
            return None
        kwargs[name] = values
    for name, field_id in source.flags.items():
        kwargs[name] = answers.get(field_id) == "yes"
    return kwargs


def compute(source: ComputedSource, answers: Mapping[str, Any]) -> Any:
    """The scorer's result for these answers, or None while inputs are missing or out of range."""
    kwargs = _arguments(source, answers)
    if kwargs is None:
        return None
    try:
        return _plain(SCORERS[source.scorer](**kwargs))
    except InvalidInput:
        return None  # the input field itself shows what is wrong


def with_computed(spec: FormSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with every computed field worked out, in form order (later scores may use earlier)."""
    result = dict(answers)
    for field in spec.all_fields():
        if field.type is FieldType.COMPUTED and field.computed is not None:
            result[field.id] = compute(field.computed, result)
    return result


def shown_value(source: ComputedSource, value: Any) -> str:
    """What the form shows for a computed value."""
    if value is None:
        return "(answer the questions above)"
    if isinstance(value, Mapping):
        part = value.get(source.show)
        return str(part) if part is not None else ""
    return str(value)
