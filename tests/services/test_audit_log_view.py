"""The audit log viewer's service: filters, keyset paging, and the consultation it logs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.services.audit_check import verify_audit_log
from cars_desktop.services.audit_log_view import (
    AuditFilter,
    audit_choices,
    details_text,
    operation_label,
    read_audit_page,
)
from cars_desktop.services.workstation import WorkstationSession
from tests.conftest import ADMIN, CUSTODY, CUSTODY_PASSWORD, WORKER, Workstation


def _write(
    session: WorkstationSession, count: int, *, at: datetime | None = None, record_id: str = ""
) -> None:
    with session.unit_of_work() as uow:
        for n in range(count):
            uow.audit(
                AuditEvent(
                    AuditOperation.CONSULTATION,
                    "person",
                    record_id or f"00000000-0000-0000-0000-{n:012d}",
                    details={"n": n},
                ),
                at=at,
            )
        uow.commit()


def test_pages_newest_first_without_gaps_or_repeats(session: WorkstationSession) -> None:
    _write(session, 45)
    flt = AuditFilter(operation="consultation", record_type="person")
    first = read_audit_page(session, flt, page_size=20)
    assert first.total == 45 and first.has_older and len(first.entries) == 20
    seqs = [e.seq for e in first.entries]
    assert seqs == sorted(seqs, reverse=True)
    seen = list(seqs)
    page = first
    while page.older_cursor is not None:
        page = read_audit_page(session, flt, before_seq=page.older_cursor, page_size=20)
        seen.extend(e.seq for e in page.entries)
    assert len(seen) == 45 == len(set(seen))
    assert not page.has_older and page.older_cursor is None


def test_filters_by_user_operation_record_and_uk_day(session: WorkstationSession) -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time: it belongs to 1 July.
    _write(
        session,
        1,
        at=datetime(2025, 6, 30, 23, 30, tzinfo=UTC),
        record_id="aaaaaaaa-0000-0000-0000-000000000001",
    )
    _write(
        session,
        1,
        at=datetime(2025, 6, 30, 22, 30, tzinfo=UTC),
        record_id="aaaaaaaa-0000-0000-0000-000000000002",
    )
    july = read_audit_page(session, AuditFilter(date_from=date(2025, 7, 1), date_to=date(2025, 7, 1)))
    assert [e.record_id for e in july.entries] == ["aaaaaaaa-0000-0000-0000-000000000001"]
    june = read_audit_page(session, AuditFilter(date_to=date(2025, 6, 30)))
    assert [e.record_id for e in june.entries] == ["aaaaaaaa-0000-0000-0000-000000000002"]

    by_id = read_audit_page(session, AuditFilter(record_id=" AAAAAAAA-0000-0000-0000-000000000002 "))
    assert by_id.total == 1
    logins = read_audit_page(session, AuditFilter(username=WORKER, operation="login"))
    assert logins.total >= 1 and all(e.operation == "login" and e.username == WORKER for e in logins.entries)
    assert logins.entries[0].operation_label == "Unlocked"
    assert read_audit_page(session, AuditFilter(username="nobody")).total == 0


def test_opening_and_filtering_is_logged_with_the_filters_only(session: WorkstationSession) -> None:
    flt = AuditFilter(date_from=date(2025, 1, 1), username=ADMIN, record_id="x-1")
    read_audit_page(session, flt, log_consultation=True)
    newest = read_audit_page(session, AuditFilter(record_type="audit_log"))
    entry = newest.entries[0]
    assert (entry.operation, entry.username, entry.record_type) == ("consultation", WORKER, "audit_log")
    assert entry.details == "date_from: 2025-01-01; record_id: x-1; username: admin1; viewed: audit_log"
    # turning a page under the same filter is not logged again
    before = newest.total
    read_audit_page(session, AuditFilter(), before_seq=5)
    assert read_audit_page(session, AuditFilter(record_type="audit_log")).total == before
    assert verify_audit_log(session) > 0  # the chain still verifies after the viewer wrote to it


def test_bad_filters_and_permission(session: WorkstationSession, workstation: Workstation) -> None:
    with pytest.raises(InvalidInput, match="after the 'to' date"):
        read_audit_page(session, AuditFilter(date_from=date(2025, 2, 1), date_to=date(2025, 1, 1)))
    with pytest.raises(InvalidInput, match="not a kind"):
        read_audit_page(session, AuditFilter(operation="reading"))
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            read_audit_page(custody, AuditFilter())
        with pytest.raises(NotPermitted):
            audit_choices(custody)
    finally:
        custody.lock()


def test_choices_and_wording(session: WorkstationSession) -> None:
    choices = audit_choices(session)
    assert set(choices.usernames) == {ADMIN, WORKER, CUSTODY}
    assert ("security_alert", "Security alert") in choices.operations
    assert operation_label("something_new") == "something_new"
    assert details_text('{"fields": ["a", "b"], "n": 1}') == "fields: a, b; n: 1"
    assert details_text("not json") == "not json"
    assert details_text(None) == ""


def test_entries_carry_utc_times(session: WorkstationSession) -> None:
    page = read_audit_page(session, AuditFilter(), page_size=1)
    assert page.entries[0].at.tzinfo is not None
    assert datetime.now(UTC) - page.entries[0].at < timedelta(minutes=5)
    assert page.newest_seq == page.entries[0].seq
