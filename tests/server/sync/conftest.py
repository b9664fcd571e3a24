"""Fixtures for the sync core: a migrated server database (SQLite and PostgreSQL) and workstations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from cars_protocol.records import RecordBase, Role
from cars_protocol.sync import Change
from cars_server.storage.engine import build_engine
from cars_server.storage.migrate import upgrade_to_head
from cars_server.storage.tables import SiteRow, WorkstationRow
from cars_server.sync.caller import Caller
from tests.factories import SITE

OTHER_SITE = "WALSALL"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """A server engine at the newest schema, with the two test sites."""
    engine = build_engine(url)
    upgrade_to_head(engine)
    with engine.begin() as connection:
        for code, kind in ((SITE, "custody"), (OTHER_SITE, "court")):
            connection.execute(
                insert(SiteRow).values(code=code, name=code.title(), kind=kind, active=True, created_at=NOW)
            )
    return engine


def add_workstation(
    engine: Engine,
    site: str = SITE,
    label: str = "Custody PC 1",
    username: str = "sam.worker",
    roles: frozenset[str] = frozenset({Role.WORKER.value}),
) -> Caller:
    """Enrol a workstation row directly and return a caller signed in at it."""
    workstation_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            insert(WorkstationRow).values(
                id=workstation_id,
                label=label,
                site_code=site,
                credential_hash=uuid.uuid4().hex + uuid.uuid4().hex,
                signing_public_key="AAAA",
                device_key="BBBB",
                enrolled_at=NOW,
                pending_count=0,
                audit_head_seq=0,
            )
        )
    return Caller(
        workstation_id=workstation_id,
        workstation_site=site,
        username=username,
        roles=roles,
        sites=frozenset({site}),
    )


def change_of(record: RecordBase, base_change_id: uuid.UUID | None = None) -> Change:
    """The change a workstation would queue for this revision of `record`."""
    return Change(
        change_id=uuid.uuid4(),
        record_type=record.record_type,
        record_id=record.id,
        revision=record.revision,
        base_revision=record.revision - 1,
        base_change_id=base_change_id,
        record=record.model_dump(mode="json"),
    )


def edit(record: RecordBase, **fields: object) -> RecordBase:
    """The next local revision of `record` with `fields` changed, as a workstation saves it."""
    updated = record.model_dump()
    updated.update(fields)
    updated["revision"] = record.revision + 1
    updated["updated_at"] = max(record.updated_at, NOW)
    return type(record).model_validate(updated)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated server database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{(tmp_path / 'server.db').as_posix()}"
    else:
        url = request.getfixturevalue("postgresql_db_url")
    built = make_engine(url)
    yield built
    built.dispose()


@pytest.fixture
def pg_engine(postgresql_db_url: str) -> Iterator[Engine]:
    """A migrated server database on PostgreSQL only (concurrency and late-commit tests)."""
    built = make_engine(postgresql_db_url)
    yield built
    built.dispose()


@pytest.fixture
def caller(engine: Engine) -> Caller:
    """A worker at a custody workstation of the test site."""
    return add_workstation(engine)
