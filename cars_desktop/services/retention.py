"""Retention: purge closed, old, server-held cases from this workstation (the server keeps them).

A workstation holds personal data only as long as the work needs it there. A person's records are
purged here when all of these hold:

* **Held by the server.** Every one of their records is in sync state `receipted` and none has an
  outbox row without a receipt. A record that is local only, queued, sent without a receipt or
  conflicted is never purged: this store may hold the only copy of it.
* **Closed.** The case is closed in one of two ways the data model can show:
  - *closed by form*: their latest case-closure form (an `Assessment` of kind `case_closure`,
    latest by `updated_at`) is live and finished (status completed, approved or amended), and no
    record about them was created after it was completed (a new arrest reopens the case); or
  - *dormant*: nothing is waiting for anyone: no live open action (status open or in progress),
    no live appointment still booked and no live form left as a draft or returned for changes.
  An explicit closure wins over leftovers (an action never ticked off before the case was closed);
  a case reopened after its closure (a new arrest) is closed again only once it is dormant.
* **Old.** Nothing about them (their own records, and supervisors' reviews of their assessments)
  has changed for more than `settings.retention_days` days.

What goes: the records (live and tombstoned), every revision in the history, the search keys,
the sync state and the receipted outbox rows. Each person purged gets one audit entry, an
`erasure` with their id and the number of records only; the audit log itself is never purged.
Records pulled again later (someone elsewhere adds to the case) simply come back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.retention_repository import PersonHoldings, RetentionRepository
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import (
    Action,
    ActionStatus,
    Appointment,
    AppointmentStatus,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    RecordBase,
    utc_now,
)

#: People judged and purged per transaction, so a large purge never holds the store for long.
BATCH_PEOPLE = 200

_FINISHED = {AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED, AssessmentStatus.AMENDED}
_UNFINISHED = {AssessmentStatus.DRAFT, AssessmentStatus.RETURNED}
_OPEN_ACTIONS = {ActionStatus.OPEN, ActionStatus.IN_PROGRESS}


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove): counts and person ids, no contents."""

    people: int
    records: int
    person_ids: tuple[str, ...]
    dry_run: bool
    retention_days: int


def closed_by_form(records: list[RecordBase]) -> bool:
    """Whether the latest case-closure form is finished and nothing new was made after it."""
    closures = [
        r
        for r in records
        if isinstance(r, Assessment) and r.kind is AssessmentKind.CASE_CLOSURE and r.is_live
    ]
    if not closures:
        return False
    latest = max(closures, key=lambda r: r.updated_at)
    if latest.status not in _FINISHED:
        return False
    closed_at = latest.completed_at or latest.updated_at
    return not any(r.created_at > closed_at for r in records if r.id != latest.id)


def dormant(records: list[RecordBase]) -> bool:
    """Whether nothing is waiting: no open action, booked appointment or unfinished form (live ones)."""
    for record in records:
        if not record.is_live:
            continue
        if isinstance(record, Action) and record.status in _OPEN_ACTIONS:
            return False
        if isinstance(record, Appointment) and record.status is AppointmentStatus.BOOKED:
            return False
        if isinstance(record, Assessment) and record.status in _UNFINISHED:
            return False
    return True


def _purgeable(repo: RetentionRepository, person_id: str, before: datetime) -> PersonHoldings | None:
    held = repo.holdings(person_id)
    if not held.all_receipted or held.last_change_at >= before:
        return None
    case = repo.case_records(person_id)
    return held if closed_by_form(case) or dormant(case) else None


def purge_expired(
    uow_factory: Callable[[], UnitOfWork],
    retention_days: int,
    now: datetime,
    dry_run: bool = False,
) -> PurgeReport:
    """Purge every person meeting the rules above, in batches, one erasure entry per person.

    `uow_factory` opens a unit of work (the session's `unit_of_work`); no access check here, the
    callers do that. A dry run judges the same way and changes nothing.
    """
    make = uow_factory
    before = now - timedelta(days=retention_days)
    with make() as uow:
        candidates = RetentionRepository(uow.session).people_unchanged_since(before)
    purged: list[str] = []
    records = 0
    for start in range(0, len(candidates), BATCH_PEOPLE):
        with make() as uow:
            repo = RetentionRepository(uow.session)
            for person_id in candidates[start : start + BATCH_PEOPLE]:
                held = _purgeable(repo, person_id, before)
                if held is None:
                    continue
                purged.append(person_id)
                records += len(held.record_ids)
                if dry_run:
                    continue
                repo.purge(held.record_ids)
                uow.audit(_erasure(held, retention_days), at=now)
            if not dry_run:
                uow.commit()
    return PurgeReport(len(purged), records, tuple(purged), dry_run, retention_days)


def _erasure(held: PersonHoldings, retention_days: int) -> AuditEvent:
    return AuditEvent(
        AuditOperation.ERASURE,
        "person",
        held.person_id,
        justification=f"retention period of {retention_days} days ended; the central server keeps the case",
        details={"action": "retention_purge", "records": len(held.record_ids)},
    )


def purge_retained(
    session: WorkstationSession, *, dry_run: bool = False, now: datetime | None = None
) -> PurgeReport:
    """Purge closed, server-held cases older than the retention period (administrators)."""
    require(session.actor, Permission.PURGE_RETAINED, "purge old cases from this workstation")
    return purge_expired(session.unit_of_work, session.settings.retention_days, now or utc_now(), dry_run)


#: The automatic purge runs at most this often; judging every person costs a scan of the store.
AUTOMATIC_PURGE_INTERVAL = timedelta(hours=24)
_LAST_AUTOMATIC_PURGE = "retention_last_run"


def purge_when_due(session: WorkstationSession, now: datetime | None = None) -> PurgeReport | None:
    """Run the retention purge after a good sync, at most once a day; None when it was not due.

    It runs only after a sync because "held by the server" is what makes a purge safe, and it runs
    as the signed-in user without a permission check on purpose: retention is the service's policy,
    not a user's choice, and every erasure is still written to the audit log.
    """
    moment = now or utc_now()
    with session.unit_of_work() as uow:
        last = uow.sync.fact(_LAST_AUTOMATIC_PURGE)
    if last is not None and moment - datetime.fromisoformat(last) < AUTOMATIC_PURGE_INTERVAL:
        return None
    report = purge_expired(session.unit_of_work, session.settings.retention_days, moment)
    with session.unit_of_work() as uow:
        uow.sync.set_fact(_LAST_AUTOMATIC_PURGE, moment.isoformat())
        uow.commit()
    return report
