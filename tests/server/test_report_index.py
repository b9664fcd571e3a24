"""The server's report index (`report_months`) follows every write, and migration 0005 builds it.

Records reach a real server over HTTP, as workstations send them: a new record, an amendment that
moves a date into another month, a deletion, a merge of two people, two concurrent edits merged
automatically, and a conflict a supervisor resolves. After each step the index must hold exactly
the months the rule (`domain.report_months`) gives for each stored body, and the months the test
expects by hand. Then a database taken back to schema 0004 with those records in it and upgraded
again must get the same rows as the writes made. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, delete, select

from cars_desktop.domain.report_months import ALWAYS, month_key, report_months
from cars_protocol.records import (
    AssessmentStatus,
    RecordBase,
    Referral,
    Tombstone,
)
from cars_protocol.sync import Change
from cars_server.storage.migrate import MIGRATIONS_DIR, current_revision, upgrade_to_head
from cars_server.storage.tables import Base, RecordRow, ReportMonthRow
from tests.factories import assessment, person
from tests.server.helpers import (
    SUPERVISOR,
    WORKER,
    RunningServer,
    api_headers,
    enrol,
    running_server,
    sign_in,
)

Row = tuple[int, str, str]  # (month, record type, record id), as report_months stores it


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


NOV_2025 = month_key(date(2025, 11, 1))
DEC_2025 = month_key(date(2025, 12, 1))
JAN_2026 = month_key(date(2026, 1, 1))
FEB_2026 = month_key(date(2026, 2, 1))
APR_2026 = month_key(date(2026, 4, 1))
MAY_2026 = month_key(date(2026, 5, 1))
JUN_2026 = month_key(date(2026, 6, 1))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """A live server on a SQLite file or on a fresh PostgreSQL database."""
    url = None if request.param == "sqlite" else request.getfixturevalue("postgresql_db_url")
    with running_server(tmp_path, database_url=url) as running:
        yield running


class Desk:
    """One enrolled workstation pushing over HTTP, remembering the server's receipt per record."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        station = enrol(server, server.enrolment_code())
        self.worker = api_headers(station, sign_in(server, station, WORKER))
        self.supervisor = api_headers(station, sign_in(server, station, SUPERVISOR))
        self.based_on: dict[uuid.UUID, tuple[int, str]] = {}  # record id -> (revision, change id)

    def push(self, *records: RecordBase, base: tuple[int, str] | None = None) -> list[str]:
        """Push these revisions (each on the server's last receipt for it, or on `base`)."""
        changes = []
        for record in records:
            revision, change_id = base or self.based_on.get(record.id, (0, None))
            change = Change(
                change_id=uuid.uuid4(),
                record_type=record.record_type,
                record_id=record.id,
                revision=record.revision,
                base_revision=revision,
                base_change_id=None if change_id is None else uuid.UUID(change_id),
                record=record.model_dump(mode="json"),
            )
            changes.append(change.model_dump(mode="json"))
        response = httpx.post(
            f"{self.server.base_url}/v1/push",
            json={"changes": changes, "pending_count": 0},
            headers=self.worker,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        receipts = response.json()["receipts"]
        for receipt in receipts:
            self.based_on[uuid.UUID(receipt["record_id"])] = (
                receipt["server_revision"],
                receipt["server_change_id"],
            )
        return [receipt["status"] for receipt in receipts]

    def resolve_only_conflict(self, record: dict[str, Any]) -> None:
        """Resolve the one open conflict with `record`, as a supervisor does."""
        listed = httpx.get(f"{self.server.base_url}/v1/conflicts", headers=self.supervisor, timeout=30)
        assert listed.status_code == 200, listed.text
        [conflict] = listed.json()
        resolved = httpx.post(
            f"{self.server.base_url}/v1/conflicts/{conflict['conflict_id']}/resolve",
            json={"record": record, "reason": "Checked the custody record"},
            headers=self.supervisor,
            timeout=30,
        )
        assert resolved.status_code == 200, resolved.text


def next_revision(record: RecordBase, **fields: Any) -> RecordBase:
    """The record's next revision with `fields` changed (validated, as a workstation saves it)."""
    values = record.model_dump() | fields | {"revision": record.revision + 1}
    return type(record).model_validate(values)


def index_rows(engine: Engine) -> set[Row]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(ReportMonthRow.month, ReportMonthRow.record_type, ReportMonthRow.record_id)
        )
        return {(month, record_type, record_id) for month, record_type, record_id in rows}


def rule_rows(engine: Engine) -> set[Row]:
    """What the index must hold: the rule applied to every stored body."""
    with engine.connect() as connection:
        rows = connection.execute(select(RecordRow.id, RecordRow.record_type, RecordRow.body)).all()
    return {
        (month, record_type, record_id)
        for record_id, record_type, body in rows
        for month in report_months(record_type, body)
    }


def months_of(engine: Engine, record: RecordBase) -> set[int]:
    return {month for month, _, record_id in index_rows(engine) if record_id == str(record.id)}


def assert_index_right(engine: Engine) -> None:
    held = index_rows(engine)
    assert held == rule_rows(engine)
    assert held, "an empty index would agree with anything"


def test_the_index_follows_every_kind_of_write_over_http(server: RunningServer) -> None:
    engine, desk = server.engine, Desk(server)
    keep = person(created_at=at(date(2026, 1, 10)), updated_at=at(date(2026, 1, 10)))
    duplicate = person(
        family_name="Quilfeather", created_at=at(date(2026, 1, 11)), updated_at=at(date(2026, 1, 11))
    )
    seen = at(date(2025, 11, 2))
    first_look = assessment(keep.id).model_copy(
        update={
            "created_at": seen,
            "updated_at": seen,
            "status": AssessmentStatus.COMPLETED,
            "completed_at": seen,
        }
    )
    referral = Referral(
        site_code=keep.site_code,
        author=keep.author,
        person_id=keep.id,
        provider_code="CGL_SANDWELL",
        local_authority="SANDWELL",
        appointment_at=at(date(2026, 2, 3)),
        created_at=at(date(2026, 1, 12)),
        updated_at=at(date(2026, 1, 12)),
    )

    # New records: dated records under their months, live people under none.
    assert desk.push(keep, duplicate, first_look, referral) == ["applied"] * 4
    assert_index_right(engine)
    assert months_of(engine, first_look) == {NOV_2025}
    assert months_of(engine, referral) == {JAN_2026, FEB_2026}
    assert months_of(engine, keep) == months_of(engine, duplicate) == set()

    # An amendment moves the appointment from February to April: February's row goes.
    moved = next_revision(referral, appointment_at=at(date(2026, 4, 7)), updated_at=at(date(2026, 1, 20)))
    assert desk.push(moved) == ["applied"]
    assert_index_right(engine)
    assert months_of(engine, referral) == {JAN_2026, APR_2026}

    # A deleted record keeps its months (the KPIs decide what it counts for); a person merged into
    # another is read by every report.
    deleted_at = at(date(2025, 11, 5))
    gone = next_revision(
        first_look,
        tombstone=Tombstone(at=deleted_at, by=WORKER, reason="entered twice"),
        updated_at=deleted_at,
    )
    merged = next_revision(
        duplicate,
        tombstone=Tombstone(at=at(date(2026, 1, 21)), by=WORKER, reason="same person", merged_into=keep.id),
        updated_at=at(date(2026, 1, 21)),
    )
    assert desk.push(gone, merged) == ["applied", "applied"]
    assert_index_right(engine)
    assert months_of(engine, first_look) == {NOV_2025}
    assert months_of(engine, duplicate) == {ALWAYS}
    assert months_of(engine, keep) == set()

    # Two workstations edited the same revision: the place, and the appointment again (to May).
    # The server merges them, and the merged body is what gets indexed.
    base = desk.based_on[referral.id]
    placed = next_revision(moved, appointment_place="Bearwood hub")
    rebooked = next_revision(moved, appointment_at=at(date(2026, 5, 11)))
    assert desk.push(placed) == ["applied"]
    assert desk.push(rebooked, base=base) == ["merged"]
    assert_index_right(engine)
    assert months_of(engine, referral) == {JAN_2026, MAY_2026}

    # An assessment edited twice from one revision is a conflict: the index keeps the server's
    # body until a supervisor's resolution (which moves it to June) becomes the next revision.
    december = at(date(2025, 12, 1))
    second_look = assessment(keep.id).model_copy(update={"created_at": december, "updated_at": december})
    assert desk.push(second_look) == ["applied"]
    base = desk.based_on[second_look.id]
    ours = next_revision(second_look, status=AssessmentStatus.COMPLETED, completed_at=at(date(2025, 12, 20)))
    theirs = next_revision(second_look, status=AssessmentStatus.COMPLETED, completed_at=at(date(2026, 6, 1)))
    assert desk.push(ours) == ["applied"]
    assert desk.push(theirs, base=base) == ["conflict"]
    assert_index_right(engine)
    assert months_of(engine, second_look) == {DEC_2025}
    desk.resolve_only_conflict(theirs.model_dump(mode="json") | {"revision": 3})
    assert_index_right(engine)
    assert {DEC_2025, JUN_2026} <= months_of(engine, second_look)


def test_a_deleted_records_row_takes_its_index_rows_with_it(server: RunningServer) -> None:
    desk = Desk(server)
    kept, removed = (assessment(uuid.uuid4()) for _ in range(2))
    assert desk.push(person(), kept, removed) == ["applied"] * 3
    with server.engine.begin() as connection:
        connection.execute(delete(RecordRow).where(RecordRow.id == str(removed.id)))
    assert_index_right(server.engine)
    assert months_of(server.engine, removed) == set()
    assert months_of(server.engine, kept)


def _alembic(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def test_the_migration_indexes_records_stored_before_it_as_writing_them_does(server: RunningServer) -> None:
    engine, desk = server.engine, Desk(server)
    someone = person(created_at=at(date(2026, 1, 10)), updated_at=at(date(2026, 1, 10)))
    twin = person(family_name="Quilfeather")
    looks = [
        assessment(someone.id).model_copy(update={"created_at": at(day), "updated_at": at(day)})
        for day in (date(2024, 3, 31), date(2025, 10, 1), date(2026, 2, 28))
    ]
    assert desk.push(someone, twin, *looks) == ["applied"] * 5
    merged = next_revision(
        twin, tombstone=Tombstone(at=twin.updated_at, by=WORKER, reason="same person", merged_into=someone.id)
    )
    amended = next_revision(
        looks[0], answers={"notes": "Moved", "audit_c": 4}, updated_at=at(date(2026, 3, 2))
    )
    assert desk.push(merged, amended) == ["applied", "applied"]
    written = index_rows(engine)
    assert written == rule_rows(engine)
    assert {ALWAYS, month_key(date(2024, 3, 1)), month_key(date(2026, 3, 1))} <= {m for m, _, _ in written}

    with engine.begin() as connection:
        command.downgrade(_alembic(connection), "0004")
    with engine.connect() as connection:
        assert current_revision(connection) == "0004"
    upgrade_to_head(engine)

    assert index_rows(engine) == written
    with engine.connect() as connection:
        assert current_revision(connection) == "0005"
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in differences if "report_months" in repr(d)] == [], "migration and model differ"
