"""`cars-server admin retention`: old s.62 entries, expired sessions and codes go; records stay."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cars_server.audit_log import write_audit
from cars_server.cli import main
from cars_server.clock import utc_now
from cars_server.storage.tables import EnrolmentCodeRow, RecordRow, ServerAuditRow, SessionRow
from tests.factories import person
from tests.server.helpers import WORKER, RunningServer, api_headers, enrol, push_body, sign_in


def counts(server: RunningServer) -> dict[str, int]:
    with server.engine.connect() as connection:
        return {
            table.__tablename__: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (ServerAuditRow, SessionRow, EnrolmentCodeRow, RecordRow)
        }


def test_retention_purges_by_policy_and_only_reports_records(
    live_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    station = enrol(live_server, live_server.enrolment_code())
    token = sign_in(live_server, station, WORKER)
    pushed = httpx.post(
        f"{live_server.base_url}/v1/push",
        json=push_body(person()),
        headers=api_headers(station, token),
        timeout=30,
    )
    assert pushed.status_code == 200
    live_server.enrolment_code()  # unused and still valid: kept
    long_ago = utc_now() - timedelta(days=400)
    with Session(live_server.engine) as session, session.begin():
        for _ in range(3):
            write_audit(session, actor="cli:someone", operation="report_run", detail={}, at=long_ago)
        session.execute(update(SessionRow).values(expires_at=long_ago))  # every session has expired
        session.execute(update(RecordRow).values(updated_at=long_ago))
        used = EnrolmentCodeRow.used_at.is_not(None)
        session.execute(update(EnrolmentCodeRow).where(used).values(used_at=long_ago))
    before = counts(live_server)
    argv = ["admin", "retention", "--older-than-days", "365", "--db", live_server.settings.database_url]

    assert main([*argv, "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert dry.startswith("would purge 1 expired sessions, 1 enrolment codes and 3 s.62 entries older than")
    assert "kept 1 case records last changed before then (0 deleted or merged)" in dry
    assert counts(live_server) == before

    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("purged 1 expired sessions, 1 enrolment codes and 3 s.62")
    after = counts(live_server)
    assert after["sessions"] == 0
    assert after["enrolment_codes"] == before["enrolment_codes"] - 1
    assert after["records"] == before["records"] == 1
    with live_server.engine.connect() as connection:
        operations = connection.scalars(select(ServerAuditRow.operation)).all()
    assert "report_run" not in operations
    assert "retention_applied" in operations
    refused = httpx.post(
        f"{live_server.base_url}/v1/push",
        json=push_body(person()),
        headers=api_headers(station, token),
        timeout=30,
    )
    assert refused.status_code == 401  # the purged session is gone


def test_a_too_short_period_is_refused(
    live_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(live_server)

    code = main(["admin", "retention", "--older-than-days", "5", "--db", live_server.settings.database_url])

    assert code == 1
    assert capsys.readouterr().err == "cars-server: error: --older-than-days must be at least 30, not 5\n"
    assert counts(live_server) == before
