"""Checks of a push batch that need no database: known type, valid body, consistent numbers.

Every invalid change in the batch is reported (up to the problem limit), each problem naming the
change id and the field; messages name fields and rules, never the values, so no record content
reaches a log or an error body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cars_protocol.records import RECORD_TYPES, RecordBase
from cars_protocol.sync import Change, ErrorCode, Problem, PushRequest
from cars_server.sync.errors import ChangesRefused


@dataclass(frozen=True, slots=True)
class CheckedChange:
    """A change whose record validated, with its canonical JSON body as the server stores it."""

    index: int
    change: Change
    record: RecordBase
    body: dict[str, Any]
    body_json: str


def dump_body(body: dict[str, Any]) -> str:
    """The one JSON form bodies are stored in."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def validate_record(record_type: str, record: dict[str, Any]) -> RecordBase:
    """Validate a record body with its model, exactly as it would parse off the wire (JSON mode)."""
    model = RECORD_TYPES[record_type]
    return model.model_validate_json(json.dumps(record))


def validation_problems(error: ValidationError, prefix: str, change_id: Any = None) -> list[Problem]:
    """Turn a pydantic error into problems that name fields and rules but never echo input."""
    problems = []
    for detail in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in detail["loc"])
        location = f"{prefix}.{where}" if where else prefix
        problems.append(
            Problem(location=location[:300], message=str(detail["msg"])[:500], change_id=change_id)
        )
    return problems


def check_batch(request: PushRequest) -> list[CheckedChange]:
    """Validate every change of a batch, or raise `ChangesRefused` naming each bad one."""
    checked: list[CheckedChange] = []
    problems: list[Problem] = []
    for index, change in enumerate(request.changes):
        found = _check_change(index, change)
        if isinstance(found, CheckedChange):
            checked.append(found)
        else:
            problems.extend(found)
    if problems:
        bad = len({problem.change_id for problem in problems})
        raise ChangesRefused(
            ErrorCode.INVALID_REQUEST,
            f"{bad} change(s) in the batch are not valid records; nothing was stored.",
            problems,
        )
    return checked


def _check_change(index: int, change: Change) -> CheckedChange | list[Problem]:
    """Check one change: type, body, id, revision numbers."""
    prefix = f"changes[{index}]"

    def problem(field: str, message: str) -> list[Problem]:
        return [Problem(location=f"{prefix}.{field}", message=message, change_id=change.change_id)]

    if change.record_type not in RECORD_TYPES:
        return problem("record_type", "unknown record type")
    try:
        record = validate_record(change.record_type, change.record)
    except ValidationError as exc:
        return validation_problems(exc, f"{prefix}.record", change.change_id)
    if record.id != change.record_id:
        return problem("record.id", "the record's id differs from the change's record_id")
    if record.revision != change.revision:
        return problem("record.revision", "the record's revision differs from the change's revision")
    if change.revision != change.base_revision + 1:
        return problem("revision", "revision must be base_revision + 1")
    if change.base_revision == 0 and change.base_change_id is not None:
        return problem("base_change_id", "a new record (base_revision 0) has no base change")
    body = record.model_dump(mode="json")
    return CheckedChange(index=index, change=change, record=record, body=body, body_json=dump_body(body))
