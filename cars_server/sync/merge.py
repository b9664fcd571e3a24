"""Automatic three-way merge of concurrent edits, allowed only for fields that are independent.

Two workstations that edited the same revision offline may both be right when they changed
different, independent facts (one took a new phone number, the other a new address). Those merge.
Anything that carries a judgement or a legal fact (consent, risk findings and scores in assessment
answers, Naloxone supplies, drug results, referral outcomes, review decisions, appointment
status) never merges: both sides are kept and a supervisor decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from cars_protocol.records import RECORD_TYPES

#: Bookkeeping that every save changes; a difference there is not an edit of the record.
BOOKKEEPING_FIELDS = frozenset({"revision", "updated_at", "author"})

#: Per record type, the top-level fields two sides may change independently. A type missing here
#: (consent, Naloxone supply, assessment, drug test, review decision, day sign-off) never merges.
#: A day sign-off is never edited anyway: each supervisor's is its own record, so none conflict.
MERGEABLE_FIELDS: dict[str, frozenset[str]] = {
    "person": frozenset(
        {"address", "postcode", "phone", "language", "interpreter_needed", "aliases", "nationality"}
    ),
    "custody_episode": frozenset({"offences", "released_at", "release_type"}),
    # Status, time and place decide attendance and slot use; only the RA1 flag is independent.
    "appointment": frozenset({"ra1_issued"}),
    # The outcome fields and consent scope never merge; where and when the appointment is may.
    "referral": frozenset({"appointment_at", "appointment_place"}),
    "action": frozenset({"notes", "due_at"}),
}


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """Top-level fields whose values differ between two bodies, bookkeeping left out."""
    names = (set(before) | set(after)) - BOOKKEEPING_FIELDS
    return {name for name in names if before.get(name) != after.get(name)}


def three_way_merge(
    record_type: str,
    base: Mapping[str, Any],
    current: Mapping[str, Any],
    incoming: Mapping[str, Any],
) -> dict[str, Any] | None:
    """Merge `incoming` onto `current` (both edited from `base`), or None if they may not merge.

    Mergeable only when the two sides changed disjoint sets of fields and every changed field is in
    the type's allow-list. The result keeps `current`'s bookkeeping except `author` and
    `updated_at`, which come from the later of the two saves; the caller sets `revision`. The
    merged body is validated with the record model (cross-field rules may still refuse it).
    """
    allowed = MERGEABLE_FIELDS.get(record_type, frozenset())
    ours, theirs = changed_fields(base, current), changed_fields(base, incoming)
    if ours & theirs or not (ours | theirs) <= allowed:
        return None
    merged = dict(current)
    for name in theirs:
        if name in incoming:
            merged[name] = incoming[name]
        else:
            merged.pop(name, None)
    if _saved_at(incoming) > _saved_at(current):
        merged["updated_at"] = incoming.get("updated_at")
        merged["author"] = incoming.get("author")
    try:
        model = RECORD_TYPES[record_type]
        return model.model_validate(merged).model_dump(mode="json")
    except (KeyError, ValidationError):
        return None


def _saved_at(body: Mapping[str, Any]) -> datetime:
    """When a side was saved (its `updated_at`), for deciding whose bookkeeping the merge keeps."""
    value = body.get("updated_at")
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
