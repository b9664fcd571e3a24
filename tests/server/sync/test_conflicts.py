"""Supervisors resolve conflicts: the resolution becomes the next revision and reaches the feed."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, select

from cars_protocol.records import Role
from cars_protocol.sync import ConflictResolution, ErrorCode, PushRequest, ReceiptStatus
from cars_server.storage.tables import ConflictRow, RecordRow
from cars_server.sync.caller import Caller
from cars_server.sync.conflicts import list_conflicts, resolve_conflict
from cars_server.sync.errors import ChangesRefused
from cars_server.sync.feed import FeedScope, read_feed
from cars_server.sync.ingest import apply_push
from tests.factories import person
from tests.server.sync.conftest import NOW, OTHER_SITE, add_workstation, change_of, edit


def conflicted(engine: Engine, caller: Caller, extra_conflicts: int = 1) -> uuid.UUID:
    """A person record with `extra_conflicts` open conflicts; returns its id."""
    original = person()
    created = change_of(original)
    apply_push(engine, caller, PushRequest(changes=[created]), NOW)
    names = ["Marnie Jo", "Marney", "Marnee", "Marni"][: extra_conflicts + 1]
    changes = [
        change_of(edit(original, given_names=name), base_change_id=created.change_id) for name in names
    ]
    statuses = [r.status for r in apply_push(engine, caller, PushRequest(changes=changes), NOW).receipts]
    assert statuses == [ReceiptStatus.APPLIED] + [ReceiptStatus.CONFLICT] * extra_conflicts
    return original.id


@pytest.fixture
def supervisor(engine: Engine) -> Caller:
    return add_workstation(
        engine,
        site=OTHER_SITE,
        label="Office PC",
        username="sue.super",
        roles=frozenset({Role.SUPERVISOR.value}),
    )


def test_resolution_becomes_the_next_revision_and_clears_the_flag(
    engine: Engine, caller: Caller, supervisor: Caller
) -> None:
    record_id = conflicted(engine, caller)
    [conflict] = list_conflicts(engine, None)
    cursor = read_feed(engine, FeedScope(None), 0, 100).cursor
    chosen = {**conflict.incoming.record, "given_names": "Marnie-Jo"}

    receipt = resolve_conflict(
        engine,
        supervisor,
        conflict.conflict_id,
        ConflictResolution(record=chosen, reason="Checked with custody"),
        NOW,
    )

    assert receipt.server_revision == 3
    assert list_conflicts(engine, None) == []
    [item] = read_feed(engine, FeedScope(None), cursor, 100).items
    assert item.conflicted is False
    assert item.change_id == receipt.server_change_id
    assert (item.record["given_names"], item.record["revision"], item.record["author"]) == (
        "Marnie-Jo",
        3,
        "sue.super",
    )
    with engine.connect() as connection:
        row = connection.execute(select(ConflictRow)).one()
        assert (row.resolved_by, row.resolution_reason, row.resolved_change_id) == (
            "sue.super",
            "Checked with custody",
            str(receipt.server_change_id),
        )
        assert (
            connection.execute(
                select(RecordRow.conflicted).where(RecordRow.id == str(record_id))
            ).scalar_one()
            is False
        )


def test_the_record_stays_conflicted_while_another_conflict_is_open(
    engine: Engine, caller: Caller, supervisor: Caller
) -> None:
    conflicted(engine, caller, extra_conflicts=2)
    first, second = list_conflicts(engine, None)

    resolve_conflict(
        engine,
        supervisor,
        first.conflict_id,
        ConflictResolution(record=first.current.record, reason="Keep ours"),
        NOW,
    )

    [left] = list_conflicts(engine, None)
    assert left.conflict_id == second.conflict_id
    assert left.current.revision == 3
    with engine.connect() as connection:
        assert connection.execute(select(RecordRow.conflicted)).scalar_one() is True


def test_only_a_supervisor_may_resolve(engine: Engine, caller: Caller) -> None:
    conflicted(engine, caller)
    [conflict] = list_conflicts(engine, None)

    with pytest.raises(ChangesRefused) as refused:
        resolve_conflict(
            engine,
            caller,
            conflict.conflict_id,
            ConflictResolution(record=conflict.current.record, reason="Mine"),
            NOW,
        )

    assert refused.value.code is ErrorCode.NOT_PERMITTED
    assert len(list_conflicts(engine, None)) == 1


def test_unknown_and_resolved_conflicts_are_refused(
    engine: Engine, caller: Caller, supervisor: Caller
) -> None:
    conflicted(engine, caller)
    [conflict] = list_conflicts(engine, None)
    resolution = ConflictResolution(record=conflict.current.record, reason="Keep ours")
    resolve_conflict(engine, supervisor, conflict.conflict_id, resolution, NOW)

    with pytest.raises(ChangesRefused) as unknown:
        resolve_conflict(engine, supervisor, uuid.uuid4(), resolution, NOW)
    with pytest.raises(ChangesRefused) as again:
        resolve_conflict(engine, supervisor, conflict.conflict_id, resolution, NOW)

    assert unknown.value.code is ErrorCode.NOT_FOUND
    assert again.value.code is ErrorCode.INVALID_REQUEST


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"id": str(uuid.uuid4())}, ErrorCode.INVALID_REQUEST),
        ({"date_of_birth": "soon"}, ErrorCode.INVALID_REQUEST),
        ({"site_code": OTHER_SITE}, ErrorCode.WRONG_SITE),
    ],
    ids=["other record", "invalid body", "other site"],
)
def test_a_bad_resolution_is_refused_and_nothing_changes(
    engine: Engine, caller: Caller, supervisor: Caller, change: dict[str, str], code: ErrorCode
) -> None:
    conflicted(engine, caller)
    [conflict] = list_conflicts(engine, None)

    with pytest.raises(ChangesRefused) as refused:
        resolve_conflict(
            engine,
            supervisor,
            conflict.conflict_id,
            ConflictResolution(record={**conflict.current.record, **change}, reason="Try"),
            NOW,
        )

    assert refused.value.code is code
    assert list_conflicts(engine, None) == [conflict]
