"""Workstation status for supervisors: last contact and the queue each workstation reported."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, update

from cars_protocol.sync import PushRequest
from cars_server.storage.tables import WorkstationRow
from cars_server.sync.ingest import apply_push
from cars_server.sync.status import workstation_statuses
from tests.factories import SITE, person
from tests.server.sync.conftest import NOW, OTHER_SITE, add_workstation, change_of


def test_statuses_show_contact_queue_and_revocation(engine: Engine) -> None:
    custody = add_workstation(engine, label="Custody PC 1")
    court = add_workstation(engine, site=OTHER_SITE, label="Court PC", username="cal.court")
    oldest = datetime(2026, 11, 26, 7, 45, tzinfo=UTC)
    apply_push(
        engine,
        custody,
        PushRequest(changes=[change_of(person())], pending_count=3, oldest_pending_at=oldest),
        NOW,
    )
    with engine.begin() as connection:
        connection.execute(
            update(WorkstationRow).where(WorkstationRow.id == court.workstation_id).values(revoked_at=NOW)
        )

    everyone = workstation_statuses(engine, None)
    at_custody = workstation_statuses(engine, frozenset({SITE}))

    assert [s.label for s in everyone] == ["Custody PC 1", "Court PC"]
    [custody_status] = at_custody
    assert custody_status.workstation_id == uuid.UUID(custody.workstation_id)
    assert (
        custody_status.pending_count,
        custody_status.oldest_pending_at,
        custody_status.last_contact_at,
    ) == (3, oldest, NOW)
    assert custody_status.revoked is False
    court_status = everyone[1]
    assert (court_status.revoked, court_status.last_contact_at, court_status.pending_count) == (True, None, 0)
    assert court_status.enrolled_at == NOW
