"""`cars-server admin reference import FILE`: check a reference data file and store it as a new version.

A bad file is refused as a whole with one line naming the file's line and the field at fault
(JSON syntax errors by their own position; schema errors by walking to the offending value).
Nothing is stored then. A file identical to the kind's newest version is refused too, so a
repeated import never makes workstations download the same data again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cars_server.audit_log import write_audit
from cars_server.errors import AdminError
from cars_server.reference.locate import line_of
from cars_server.reference.schemas import model_for
from cars_server.storage.tables import ReferenceDataRow

#: Larger files are refused before reading: the biggest shipped list is a few tens of KiB.
MAX_FILE_BYTES = 4 * 1024 * 1024


class ReferenceFileError(AdminError):
    """A reference data file cannot be imported; the message names the line and field."""


@dataclass(frozen=True, slots=True)
class ParsedReference:
    """A checked file: its kind and its content, canonicalised for storage."""

    kind: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportedVersion:
    """What an import stored."""

    seq: int
    kind: str
    version: int
    effective_from: date


def parse_reference(text: str, name: str = "the file") -> ParsedReference:
    """Decode and check one reference file; raise `ReferenceFileError` naming the line and field."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReferenceFileError(
            f"{name} line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    kind, model = model_for(raw)
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        raise ReferenceFileError(_describe(exc, text, name)) from None
    if not isinstance(raw, dict):  # pragma: no cover - every model above requires an object
        raise ReferenceFileError(f"{name} line 1: a reference file must be a JSON object")
    return ParsedReference(kind=kind, body=raw)


def _describe(exc: ValidationError, text: str, name: str) -> str:
    """The first problem as `FILE line N: field PATH: message` (and how many more there are)."""
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    path = [part for part in first["loc"] if isinstance(part, str | int)]
    field = _dotted(path) or "(the whole file)"
    message = str(first["msg"]).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{name} line {line_of(text, path)}: field {field}: {message}{more}"


def _dotted(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def read_reference_file(path: Path) -> ParsedReference:
    """Read and check `path`; unreadable, oversized or non-UTF-8 files are refused in one line."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ReferenceFileError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReferenceFileError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ReferenceFileError(f"cannot read {path}: {exc.strerror}") from None
    return parse_reference(text, str(path))


def import_reference(
    engine: Engine, parsed: ParsedReference, effective_from: date, actor: str, now: datetime
) -> ImportedVersion:
    """Store `parsed` as its kind's next version, in effect from `effective_from`, and log it."""
    body = json.dumps(parsed.body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with Session(engine) as session, session.begin():
        latest = session.execute(
            select(ReferenceDataRow.version, ReferenceDataRow.body)
            .where(ReferenceDataRow.kind == parsed.kind)
            .order_by(ReferenceDataRow.version.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.body == body:
            raise AdminError(
                f"{parsed.kind} is the same as version {latest.version} already imported; nothing was changed"
            )
        version = (latest.version if latest is not None else 0) + 1
        row = ReferenceDataRow(
            kind=parsed.kind,
            version=version,
            effective_from=effective_from,
            body=body,
            imported_at=now,
            imported_by=actor,
        )
        session.add(row)
        write_audit(
            session,
            actor=actor,
            operation="reference_imported",
            detail={"kind": parsed.kind, "version": version, "effective_from": effective_from.isoformat()},
            at=now,
        )
        session.flush()
        return ImportedVersion(seq=row.id, kind=parsed.kind, version=version, effective_from=effective_from)


def version_count(engine: Engine) -> int:
    """How many reference versions the server holds (all kinds)."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(ReferenceDataRow)).scalar_one())
