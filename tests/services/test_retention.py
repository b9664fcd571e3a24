"""The workstation retention purge: what goes (closed, old, held by the server) and what stays.

Real SQLCipher stores in tmp_path. "Held by the server" is set up by recording receipts for the
outbox through the store's own sync bookkeeping, exactly as a push cycle does on a receipt.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from cars_desktop.cli import main
from cars_desktop.domain.errors import NotPermitted
from cars_desktop.services.records import save_record
from cars_desktop.services.retention import purge_retained, purge_when_due
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.audit import verify_chain
from cars_desktop.storage.sync_repository import ReceiptFacts
from cars_protocol.records import (
    Action,
    ActionType,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Person,
    utc_now,
)
from tests.conftest import ADMIN, ADMIN_PASSWORD, CHEAP_KDF_ENV, WORKER, WORKER_PASSWORD, Workstation
from tests.factories import SITE, assessment, episode, person


def _receipt_everything(session: WorkstationSession) -> None:
    """Record the server's receipt for every queued change, as a push does."""
    with session.unit_of_work() as uow:
        batch = uow.sync.pending_batch(10_000, 1 << 30)
        uow.sync.mark_offered(batch, utc_now())
        uow.sync.record_receipts(
            [ReceiptFacts(e.change_id, "applied", e.revision, False) for e in batch], utc_now()
        )
        uow.commit()


def _closure(person_id: uuid.UUID, status: AssessmentStatus = AssessmentStatus.COMPLETED) -> Assessment:
    now = utc_now()
    return Assessment(
        site_code=SITE,
        author=WORKER,
        person_id=person_id,
        kind=AssessmentKind.CASE_CLOSURE,
        form_id="case_closure",
        form_version=1,
        answers={"closure_reason": "completed_treatment"},
        status=status,
        completed_at=now if status is AssessmentStatus.COMPLETED else None,
    )


def _open_action(person_id: uuid.UUID) -> Action:
    return Action(
        site_code=SITE, author=WORKER, person_id=person_id, action_type=ActionType.SAFEGUARDING, owner=WORKER
    )


def _case(
    session: WorkstationSession, family_name: str, closed: bool = True, leftover_action: bool = False
) -> list[uuid.UUID]:
    """A person with an episode and an assessment (and an open action), closed by a completed
    closure form if `closed`."""
    someone = save_record(session, person(family_name=family_name)).records[0]
    ids = [someone.id]
    ids.append(save_record(session, episode(someone.id)).records[0].id)
    done = assessment(someone.id).model_copy(
        update={"status": AssessmentStatus.COMPLETED, "completed_at": utc_now()}
    )
    ids.append(save_record(session, done).records[0].id)
    if leftover_action:
        ids.append(save_record(session, _open_action(someone.id)).records[0].id)
    if closed:
        ids.append(save_record(session, _closure(someone.id)).records[0].id)
    return ids


def _count(session: WorkstationSession, table: str, column: str, ids: list[uuid.UUID]) -> int:
    with session.unit_of_work() as uow:
        return sum(
            int(
                uow.session.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} = :i"), {"i": str(i)}
                ).scalar_one()
            )
            for i in ids
        )


def _held(session: WorkstationSession, ids: list[uuid.UUID]) -> int:
    return _count(session, "records", "id", ids)


def _later(session: WorkstationSession) -> datetime:
    return utc_now() + timedelta(days=session.settings.retention_days + 1)


def test_a_closed_old_receipted_case_is_purged_with_everything_kept_about_it(
    workstation: Workstation, session: WorkstationSession
) -> None:
    gone = _case(session, "Ashdown", leftover_action=True)  # the closure wins over a leftover
    _receipt_everything(session)
    session.lock()
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        report = purge_retained(admin, now=_later(admin))
        assert (report.people, report.records, report.dry_run) == (1, 5, False)
        assert report.person_ids == (str(gone[0]),)
        assert _held(admin, gone) == 0
        for table, column in (
            ("record_history", "record_id"),
            ("record_sync", "record_id"),
            ("outbox", "record_id"),
            ("person_index", "person_id"),
            ("episode_index", "episode_id"),
        ):
            assert _count(admin, table, column, gone) == 0, table
        with admin.unit_of_work() as uow:
            erasures = uow.session.execute(
                text("SELECT record_type, record_id, details FROM audit_log WHERE operation = 'erasure'")
            ).all()
            assert verify_chain(uow.session, admin.vault.device_public_key()) > 0
        assert [(r.record_type, r.record_id) for r in erasures] == [("person", str(gone[0]))]
        assert "Ashdown" not in (erasures[0].details or "")  # ids and counts only
        assert purge_retained(admin, now=_later(admin)).people == 0  # nothing left to do
    finally:
        admin.lock()


def test_unsent_open_recent_and_reopened_cases_are_kept(
    workstation: Workstation, session: WorkstationSession
) -> None:
    unsent = _case(session, "Beckwith")
    draft_closure = _case(session, "Carraway", closed=False)
    draft_closure.append(
        save_record(session, _closure(draft_closure[0], AssessmentStatus.DRAFT)).records[0].id
    )
    open_action = _case(session, "Dunmore", closed=False, leftover_action=True)
    reopened = _case(session, "Elderfield")
    _receipt_everything(session)
    # After the receipts: new work reopens Elderfield's case, an edit leaves Beckwith unsent.
    reopened.append(save_record(session, _open_action(reopened[0])).records[0].id)
    _receipt_everything(session)
    with session.unit_of_work() as uow:
        beckwith = uow.records.get(unsent[0])
    assert isinstance(beckwith, Person)
    save_record(session, beckwith.model_copy(update={"phone": "01210000033"}))
    session.lock()
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        assert purge_retained(admin).people == 0  # too recent: nothing has reached its age
        report = purge_retained(admin, now=_later(admin))
        assert report.people == 0, report
        for ids in (unsent, draft_closure, open_action, reopened):
            assert _held(admin, ids) == len(ids)
    finally:
        admin.lock()


def test_a_dormant_case_without_open_work_is_purged_and_a_dry_run_changes_nothing(
    workstation: Workstation, session: WorkstationSession
) -> None:
    dormant = _case(session, "Fairweather", closed=False)
    _receipt_everything(session)
    session.lock()
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        trial = purge_retained(admin, dry_run=True, now=_later(admin))
        assert (trial.people, trial.records, trial.dry_run) == (1, 3, True)
        assert _held(admin, dormant) == 3
        assert purge_retained(admin, now=_later(admin)).people == 1
        assert _held(admin, dormant) == 0
    finally:
        admin.lock()


def test_only_administrators_purge(session: WorkstationSession) -> None:
    with pytest.raises(NotPermitted, match="purge"):
        purge_retained(session)


def test_the_command_line_purge_reports_in_one_line_and_refuses_a_worker(
    workstation: Workstation, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in CHEAP_KDF_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(workstation.data_dir.parent))  # the log file stays in tmp_path
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    base = ["--data-dir", str(workstation.data_dir), "retention", "purge", "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{ADMIN_PASSWORD}\n"))
    assert main([*base, "--user", ADMIN, "--dry-run"]) == 0
    assert "Would purge 0 records of 0 people" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{WORKER_PASSWORD}\n"))
    assert main([*base, "--user", WORKER]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not allow you to purge" in err


def test_the_automatic_purge_after_sync_runs_at_most_once_a_day(session: WorkstationSession) -> None:
    gone = _case(session, "Brackley")
    _receipt_everything(session)
    first = _later(session)
    report = purge_when_due(session, now=first)
    assert report is not None and report.people == 1
    assert _held(session, gone) == 0
    assert purge_when_due(session, now=first + timedelta(hours=23)) is None  # not due yet
    again = purge_when_due(session, now=first + timedelta(hours=25))
    assert again is not None and again.people == 0
