"""Push ingest over real SQLite and PostgreSQL: apply, retry, merge, conflict and refusal."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select

from cars_protocol.records import Consent, NaloxoneProduct, NaloxoneSupply
from cars_protocol.sync import Change, ErrorCode, PushRequest, ReceiptStatus
from cars_server.storage.tables import (
    AppliedChangeRow,
    RecordRevisionRow,
    RecordRow,
    WorkstationRow,
)
from cars_server.sync.caller import Caller
from cars_server.sync.clock import as_utc
from cars_server.sync.conflicts import list_conflicts
from cars_server.sync.errors import ChangesRefused
from cars_server.sync.ingest import apply_push
from tests.factories import SITE, assessment, person
from tests.server.sync.conftest import NOW, OTHER_SITE, add_workstation, change_of, edit


def push(engine: Engine, caller: Caller, *changes: Change, pending: int = 0) -> list[ReceiptStatus]:
    response = apply_push(engine, caller, PushRequest(changes=list(changes), pending_count=pending), NOW)
    return [receipt.status for receipt in response.receipts]


def count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def stored_body(engine: Engine, record_id: uuid.UUID) -> dict[str, object]:
    with engine.connect() as connection:
        body = connection.execute(select(RecordRow.body).where(RecordRow.id == str(record_id))).scalar_one()
    loaded: dict[str, object] = json.loads(body)
    return loaded


def test_a_retried_batch_is_acknowledged_again_and_stored_once(engine: Engine, caller: Caller) -> None:
    first = person()
    second = edit(first, phone="07700 900123")
    batch = [change_of(first)]
    batch.append(change_of(second, base_change_id=batch[0].change_id))

    assert push(engine, caller, *batch) == [ReceiptStatus.APPLIED, ReceiptStatus.APPLIED]
    again = apply_push(engine, caller, PushRequest(changes=batch), NOW)

    assert [r.status for r in again.receipts] == [ReceiptStatus.DUPLICATE, ReceiptStatus.DUPLICATE]
    assert [r.server_change_id for r in again.receipts] == [batch[0].change_id, batch[1].change_id]
    assert count(engine, RecordRow) == 1
    assert count(engine, RecordRevisionRow) == 2
    assert count(engine, AppliedChangeRow) == 2
    assert stored_body(engine, first.id)["revision"] == 2
    assert stored_body(engine, first.id)["phone"] == "07700 900123"


def test_the_same_change_twice_in_one_batch_is_applied_once(engine: Engine, caller: Caller) -> None:
    change = change_of(person())

    assert push(engine, caller, change, change) == [ReceiptStatus.APPLIED, ReceiptStatus.DUPLICATE]
    assert count(engine, RecordRevisionRow) == 1


def test_concurrent_edits_of_a_never_merge_field_keep_both(engine: Engine, caller: Caller) -> None:
    court = add_workstation(engine, site=OTHER_SITE, label="Court PC", username="cal.court")
    original = person()
    created = change_of(original)
    push(engine, caller, created)
    ours = change_of(edit(original, family_name="Quillfeather-Ash"), base_change_id=created.change_id)
    theirs = change_of(edit(original, family_name="Quilfeather"), base_change_id=created.change_id)

    assert push(engine, caller, ours) == [ReceiptStatus.APPLIED]
    response = apply_push(engine, court, PushRequest(changes=[theirs]), NOW)

    receipt = response.receipts[0]
    assert receipt.status is ReceiptStatus.CONFLICT
    assert (receipt.server_revision, receipt.server_change_id) == (2, ours.change_id)
    assert stored_body(engine, original.id)["family_name"] == "Quillfeather-Ash"
    [conflict] = list_conflicts(engine, None)
    assert conflict.record_id == original.id
    assert conflict.current.record["family_name"] == "Quillfeather-Ash"
    assert conflict.incoming.record["family_name"] == "Quilfeather"
    assert conflict.incoming.workstation_id == uuid.UUID(court.workstation_id)
    assert conflict.current.workstation_id == uuid.UUID(caller.workstation_id)
    assert conflict.fields == ["family_name"]
    with engine.connect() as connection:
        assert connection.execute(select(RecordRow.conflicted)).scalar_one() is True


def test_independent_person_fields_merge_automatically(engine: Engine, caller: Caller) -> None:
    court = add_workstation(engine, site=OTHER_SITE, label="Court PC", username="cal.court")
    original = person()
    created = change_of(original)
    push(engine, caller, created)
    ours = change_of(edit(original, phone="07700 900456"), base_change_id=created.change_id)
    theirs = change_of(
        edit(original, address="4 Lantern Row", postcode="B69 4ZZ"), base_change_id=created.change_id
    )

    push(engine, caller, ours)
    receipt = apply_push(engine, court, PushRequest(changes=[theirs]), NOW).receipts[0]

    assert receipt.status is ReceiptStatus.MERGED
    assert receipt.server_revision == 3
    assert receipt.server_change_id not in (ours.change_id, theirs.change_id)
    body = stored_body(engine, original.id)
    assert (body["phone"], body["address"], body["postcode"], body["revision"]) == (
        "07700 900456",
        "4 Lantern Row",
        "B69 4ZZ",
        3,
    )
    assert list_conflicts(engine, None) == []
    with engine.connect() as connection:
        merged_from = connection.execute(
            select(RecordRevisionRow.merged_from).where(RecordRevisionRow.revision == 3)
        ).scalar_one()
    assert json.loads(merged_from) == [str(ours.change_id), str(theirs.change_id)]


def test_a_later_edit_of_a_merged_change_merges_onto_the_merge(engine: Engine, caller: Caller) -> None:
    court = add_workstation(engine, site=OTHER_SITE, label="Court PC", username="cal.court")
    original = person()
    created = change_of(original)
    push(engine, caller, created)
    push(engine, caller, change_of(edit(original, phone="07700 900456"), base_change_id=created.change_id))
    court_v2 = edit(original, language="Welsh")
    court_change = change_of(court_v2, base_change_id=created.change_id)
    apply_push(engine, court, PushRequest(changes=[court_change]), NOW)

    # The court workstation edits its own revision 2 again before it has pulled the merge.
    follow_on = change_of(edit(court_v2, interpreter_needed=True), base_change_id=court_change.change_id)
    receipt = apply_push(engine, court, PushRequest(changes=[follow_on]), NOW).receipts[0]

    assert receipt.status is ReceiptStatus.MERGED
    body = stored_body(engine, original.id)
    assert (body["phone"], body["language"], body["interpreter_needed"], body["revision"]) == (
        "07700 900456",
        "Welsh",
        True,
        4,
    )


def _consent() -> Consent:
    return Consent(site_code=SITE, author="sam.worker", person_id=uuid.uuid4(), given_on=date(2026, 11, 20))


def _naloxone() -> NaloxoneSupply:
    return NaloxoneSupply(
        site_code=SITE,
        author="sam.worker",
        person_id=uuid.uuid4(),
        product=NaloxoneProduct.PRENOXAD,
        batch_number="PX-1001",
        expiry_date=date(2028, 1, 31),
        supplied_on=date(2026, 11, 20),
    )


@pytest.mark.parametrize(
    ("make", "ours", "theirs"),
    [
        (_consent, {"recipients": ["GP"]}, {"review_on": date(2027, 5, 20)}),
        (_naloxone, {"leaflet_given": True}, {"consent_given": True}),
        (
            lambda: assessment(uuid.uuid4()),
            {"answers": {"notes": "a", "audit_c": 7}},
            {"amendment_reason": "typo"},
        ),
    ],
    ids=["consent", "naloxone_supply", "assessment"],
)
def test_never_merge_types_conflict_even_on_different_fields(
    engine: Engine, caller: Caller, make: object, ours: dict[str, object], theirs: dict[str, object]
) -> None:
    original = make()  # type: ignore[operator]
    created = change_of(original)
    push(engine, caller, created)
    push(engine, caller, change_of(edit(original, **ours), base_change_id=created.change_id))

    statuses = push(engine, caller, change_of(edit(original, **theirs), base_change_id=created.change_id))

    assert statuses == [ReceiptStatus.CONFLICT]
    assert len(list_conflicts(engine, None)) == 1


def test_a_follow_on_edit_of_a_conflicted_change_is_a_conflict_too(engine: Engine, caller: Caller) -> None:
    court = add_workstation(engine, site=OTHER_SITE, label="Court PC", username="cal.court")
    original = person()
    created = change_of(original)
    push(engine, caller, created)
    push(engine, caller, change_of(edit(original, given_names="Marnie Jo"), base_change_id=created.change_id))
    branch = edit(original, given_names="Marney")
    branch_change = change_of(branch, base_change_id=created.change_id)
    assert push(engine, court, branch_change) == [ReceiptStatus.CONFLICT]

    # Even an independent field on the conflicted branch is not applied over the other branch.
    follow_on = change_of(edit(branch, phone="07700 900789"), base_change_id=branch_change.change_id)

    assert push(engine, court, follow_on) == [ReceiptStatus.CONFLICT]
    body = stored_body(engine, original.id)
    assert (body["given_names"], body["phone"], body["revision"]) == ("Marnie Jo", None, 2)
    assert {c.incoming.record["phone"] for c in list_conflicts(engine, None)} == {None, "07700 900789"}


def test_an_edit_of_a_record_the_server_never_had_is_kept(engine: Engine, caller: Caller) -> None:
    original = person()
    third = edit(edit(original, phone="1"), phone="2")

    assert push(engine, caller, change_of(third, base_change_id=uuid.uuid4())) == [ReceiptStatus.APPLIED]
    assert stored_body(engine, original.id)["revision"] == 3


def test_tombstones_travel_as_ordinary_changes(engine: Engine, caller: Caller) -> None:
    original = person()
    created = change_of(original)
    push(engine, caller, created)
    tombstone = {"at": NOW, "by": "sam.worker", "reason": "recorded twice"}

    push(engine, caller, change_of(edit(original, tombstone=tombstone), base_change_id=created.change_id))

    with engine.connect() as connection:
        assert connection.execute(select(RecordRow.live)).scalar_one() is False


def _bad_changes() -> dict[str, Change]:
    good = person()
    body = good.model_dump(mode="json")
    return {
        "unknown type": Change(
            change_id=uuid.uuid4(),
            record_type="horoscope",
            record_id=good.id,
            revision=1,
            base_revision=0,
            record=body,
        ),
        "invalid body": Change(
            change_id=uuid.uuid4(),
            record_type="person",
            record_id=good.id,
            revision=1,
            base_revision=0,
            record={**body, "date_of_birth": "not a date"},
        ),
        "id mismatch": Change(
            change_id=uuid.uuid4(),
            record_type="person",
            record_id=uuid.uuid4(),
            revision=1,
            base_revision=0,
            record=body,
        ),
        "revision mismatch": Change(
            change_id=uuid.uuid4(),
            record_type="person",
            record_id=good.id,
            revision=2,
            base_revision=1,
            record=body,
        ),
    }


@pytest.mark.parametrize("case", sorted(_bad_changes()))
def test_bad_input_refuses_the_whole_batch_and_stores_nothing(
    engine: Engine, caller: Caller, case: str
) -> None:
    fine = change_of(person(family_name="Brackenridge"))
    bad = _bad_changes()[case]

    with pytest.raises(ChangesRefused) as refused:
        push(engine, caller, fine, bad)

    assert refused.value.code is ErrorCode.INVALID_REQUEST
    assert [problem.change_id for problem in refused.value.problems] == [bad.change_id]
    assert "Quillfeather" not in str(refused.value) + repr(refused.value.problems)
    assert "Brackenridge" not in str(refused.value) + repr(refused.value.problems)
    assert (
        count(engine, RecordRow) == count(engine, AppliedChangeRow) == count(engine, RecordRevisionRow) == 0
    )


def test_a_new_record_of_another_site_is_refused(engine: Engine, caller: Caller) -> None:
    elsewhere = change_of(person(site_code=OTHER_SITE))

    with pytest.raises(ChangesRefused) as refused:
        push(engine, caller, change_of(person()), elsewhere)

    assert refused.value.code is ErrorCode.WRONG_SITE
    assert refused.value.problems[0].change_id == elsewhere.change_id
    assert refused.value.problems[0].location.endswith("site_code")
    assert count(engine, RecordRow) == 0


def test_a_record_cannot_be_moved_to_another_site(engine: Engine, caller: Caller) -> None:
    original = person()
    created = change_of(original)
    push(engine, caller, created)

    with pytest.raises(ChangesRefused) as refused:
        push(
            engine, caller, change_of(edit(original, site_code=OTHER_SITE), base_change_id=created.change_id)
        )

    assert refused.value.code is ErrorCode.WRONG_SITE
    assert count(engine, RecordRevisionRow) == 1


def test_a_court_workstation_may_update_a_custody_record(engine: Engine, caller: Caller) -> None:
    court = add_workstation(engine, site=OTHER_SITE, label="Court PC", username="cal.court")
    original = person()
    created = change_of(original)
    push(engine, caller, created)

    statuses = push(
        engine, court, change_of(edit(original, phone="07700 900111"), base_change_id=created.change_id)
    )

    assert statuses == [ReceiptStatus.APPLIED]


def test_the_push_records_the_workstations_queue_state(engine: Engine, caller: Caller) -> None:
    oldest = datetime(2026, 11, 25, 8, 15, tzinfo=UTC)

    apply_push(engine, caller, PushRequest(changes=[], pending_count=7, oldest_pending_at=oldest), NOW)

    with engine.connect() as connection:
        row = connection.execute(
            select(WorkstationRow).where(WorkstationRow.id == caller.workstation_id)
        ).one()
    assert row.pending_count == 7
    assert as_utc(row.oldest_pending_at) == oldest
    assert as_utc(row.last_contact_at) == NOW
