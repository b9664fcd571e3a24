"""Saving, opening, finding, deleting and merging records, with access checks and audit entries.

Every save writes the record, its history row, its outbox row and its audit entry in one
transaction. Callers pass the record as they last read it (its revision); the service stores the
next revision, so two people editing the same record cannot silently overwrite each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from cars_desktop.domain.access import Permission, may_save, may_view, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput, NotPermitted, RecordNotFound
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import Person, RecordBase, Tombstone, utc_now

RESULT_IDS_LOGGED = 50


@dataclass(frozen=True)
class Saved:
    """The stored revisions and what changed, for the UI to refresh."""

    records: tuple[RecordBase, ...]
    changes: Changes


def _changed_fields(before: RecordBase, after: RecordBase) -> list[str]:
    skip = {"revision", "updated_at"}
    old, new = before.model_dump(), after.model_dump()
    return sorted(k for k in new if k not in skip and old.get(k) != new.get(k))


def _store_one(
    uow: UnitOfWork, session: WorkstationSession, record: RecordBase, justification: str | None
) -> RecordBase:
    if not may_save(session.actor, record):
        raise NotPermitted(f"your role does not allow you to save a {record.record_type.replace('_', ' ')}")
    now = utc_now()
    stored = uow.records.get(record.id)
    if stored is None:
        if record.revision != 1:
            raise InvalidInput("a new record must start at revision 1")
        to_save = record.model_copy(update={"updated_at": max(now, record.created_at)})
        event = AuditEvent(
            AuditOperation.COLLECTION, record.record_type, str(record.id), justification=justification
        )
    else:
        if not may_view(session.actor, stored):
            raise NotPermitted("your role does not allow you to change this record")
        if record.revision != stored.revision:
            raise InvalidInput("this record was changed by someone else since you opened it; reopen it")
        to_save = record.model_copy(
            update={"revision": stored.revision + 1, "updated_at": max(now, stored.updated_at)}
        )
        to_save = type(record).model_validate(to_save.model_dump())
        event = AuditEvent(
            AuditOperation.ALTERATION,
            record.record_type,
            str(record.id),
            justification=justification,
            details={"fields": _changed_fields(stored, to_save)},
        )
    uow.records.save(to_save, session.user.username)
    uow.outbox.add(to_save, now)
    uow.audit(event, at=now)
    return to_save


def save_records(
    session: WorkstationSession, records: Iterable[RecordBase], justification: str | None = None
) -> Saved:
    """Save several records in one transaction: all or none (used by forms and by seeding)."""
    with session.unit_of_work() as uow:
        saved = tuple(_store_one(uow, session, r, justification) for r in records)
        uow.commit()
    return Saved(saved, Changes.of_records(saved))


def save_record(session: WorkstationSession, record: RecordBase, justification: str | None = None) -> Saved:
    """Save one record (new at revision 1, or the next revision of the one opened)."""
    return save_records(session, [record], justification)


def open_record(
    session: WorkstationSession, record_id: uuid.UUID, justification: str | None = None
) -> RecordBase:
    """Open a record to read it: a consultation, logged with who and when."""
    with session.unit_of_work() as uow:
        record = uow.records.get(record_id)
        if record is None or not may_view(session.actor, record):
            raise RecordNotFound("no record with that reference is available to you")
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION, record.record_type, str(record.id), justification=justification
            )
        )
        uow.commit()
    return record


def record_history(session: WorkstationSession, record_id: uuid.UUID) -> list[RecordBase]:
    """Every revision of a record, oldest first (amendments and review); logged as a consultation."""
    with session.unit_of_work() as uow:
        history = uow.records.history(record_id)
        if not history or not may_view(session.actor, history[-1]):
            raise RecordNotFound("no record with that reference is available to you")
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                history[-1].record_type,
                str(record_id),
                details={"history": True},
            )
        )
        uow.commit()
    return history


def find_people(
    session: WorkstationSession,
    family_name: str = "",
    date_of_birth: date | None = None,
    given_names: str = "",
    pnc_id: str = "",
) -> list[Person]:
    """Search by name and date of birth, or by PNC id; the search and its results are logged."""
    require(session.actor, Permission.VIEW_PEOPLE, "search for people")
    if not family_name.strip() and not pnc_id.strip():
        raise InvalidInput("give a family name (with a date of birth if known) or a PNC id to search")
    with session.unit_of_work() as uow:
        if pnc_id.strip():
            found = uow.records.find_people_by_pnc(pnc_id)
        else:
            found = uow.records.find_people(family_name, date_of_birth, given_names)
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                "person",
                details={
                    "search": "pnc" if pnc_id.strip() else "name_dob",
                    "results": len(found),
                    "ids": [str(p.id) for p in found[:RESULT_IDS_LOGGED]],
                },
            )
        )
        uow.commit()
    return found


def delete_record(session: WorkstationSession, record_id: uuid.UUID, reason: str) -> Saved:
    """Soft-delete with a reason: the record becomes a tombstone and its history stays."""
    require(session.actor, Permission.DELETE_RECORDS, "delete records")
    if len(reason.strip()) < 3:
        raise InvalidInput("say why the record is being deleted")
    with session.unit_of_work() as uow:
        record = uow.records.get(record_id)
        if record is None or not record.is_live:
            raise RecordNotFound("no live record with that reference exists")
        now = utc_now()
        tomb = Tombstone(at=now, by=session.user.username, reason=reason.strip())
        dead = record.model_copy(
            update={"tombstone": tomb, "revision": record.revision + 1, "updated_at": now}
        )
        uow.records.save(dead, session.user.username)
        uow.outbox.add(dead, now)
        uow.audit(
            AuditEvent(AuditOperation.ERASURE, record.record_type, str(record.id), justification=reason),
            at=now,
        )
        uow.commit()
    return Saved((dead,), Changes.of(dead.record_type, dead.id))


def merge_people(
    session: WorkstationSession, keep_id: uuid.UUID, duplicate_id: uuid.UUID, reason: str
) -> Saved:
    """Merge a duplicate person into another: their records move across, the duplicate is tombstoned.

    Both people's histories stay: each moved record gets a new revision, and the duplicate keeps
    every earlier revision behind its tombstone.
    """
    require(session.actor, Permission.MERGE_PEOPLE, "merge people")
    if keep_id == duplicate_id:
        raise InvalidInput("choose two different people to merge")
    if len(reason.strip()) < 3:
        raise InvalidInput("say why these two records are the same person")
    with session.unit_of_work() as uow:
        keep, duplicate = uow.records.get(keep_id), uow.records.get(duplicate_id)
        if (
            not isinstance(keep, Person)
            or not isinstance(duplicate, Person)
            or not (keep.is_live and duplicate.is_live)
        ):
            raise RecordNotFound("both people must exist and be live to merge them")
        now = utc_now()
        changed: list[RecordBase] = []
        for record in uow.records.for_person(duplicate_id):
            if isinstance(record, Person):
                continue
            moved = record.model_copy(
                update={"person_id": keep_id, "revision": record.revision + 1, "updated_at": now}
            )
            changed.append(moved)
        aliases = list(
            dict.fromkeys(
                [*keep.aliases, f"{duplicate.given_names} {duplicate.family_name}", *duplicate.aliases]
            )
        )
        merged_keep = keep.model_copy(
            update={"aliases": aliases[:20], "revision": keep.revision + 1, "updated_at": now}
        )
        tomb = Tombstone(at=now, by=session.user.username, reason=reason.strip(), merged_into=keep_id)
        dead = duplicate.model_copy(
            update={"tombstone": tomb, "revision": duplicate.revision + 1, "updated_at": now}
        )
        for record in [*changed, merged_keep, dead]:
            uow.records.save(record, session.user.username)
            uow.outbox.add(record, now)
        uow.audit(
            AuditEvent(
                AuditOperation.COMBINATION,
                "person",
                str(keep_id),
                justification=reason,
                details={"merged": str(duplicate_id), "moved_records": len(changed)},
            ),
            at=now,
        )
        uow.commit()
    all_saved: Sequence[RecordBase] = (*changed, merged_keep, dead)
    return Saved(tuple(all_saved), Changes.of_records(all_saved))
