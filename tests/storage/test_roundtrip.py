"""Any valid domain record survives the encrypted store unchanged (Hypothesis)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cars_desktop.storage.audit import AuditWriter
from cars_desktop.storage.store import Store
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import (
    Action,
    ActionType,
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Consent,
    CustodyEpisode,
    DrugResult,
    DrugTest,
    LegalBasis,
    NaloxoneProduct,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
    ReferralOutcome,
    ReviewDecision,
    Role,
    Sex,
)

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
codes = st.from_regex(r"[A-Za-z0-9_.\-]{1,20}", fullmatch=True)
usernames = st.from_regex(r"[a-z0-9][a-z0-9._\-]{1,20}", fullmatch=True)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def base(draw: st.DrawFn) -> dict[str, object]:
    created = draw(times)
    return {
        "id": draw(st.uuids(version=4)),
        "revision": 1,
        "created_at": created,
        "updated_at": created + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))),
        "site_code": draw(codes),
        "author": draw(usernames),
    }


def _ids() -> st.SearchStrategy[uuid.UUID]:
    return st.uuids(version=4)


RECORDS: list[st.SearchStrategy[RecordBase]] = [
    st.builds(
        lambda b, **kw: Person(**b, **kw),
        base(),
        family_name=names,
        given_names=names,
        aliases=st.lists(names, max_size=3),
        date_of_birth=st.dates(),
        sex=st.sampled_from(Sex),
        address=st.none() | text,
        local_authority=st.none() | codes,
        pnc_id=st.none() | st.from_regex(r"[0-9]{2}/[0-9]{6}[A-Z]", fullmatch=True),
        no_fixed_abode=st.booleans(),
        interpreter_needed=st.booleans(),
        language=st.none() | names,
    ),
    st.builds(
        lambda b, **kw: CustodyEpisode(**b, **kw),
        base(),
        person_id=_ids(),
        custody_record_number=st.from_regex(r"[0-9A-Z\-]{1,20}", fullmatch=True),
        arrived_at=times,
        offences=st.lists(names, max_size=3),
        trigger_offence=st.booleans(),
    ),
    st.builds(
        lambda b, **kw: DrugTest(**b, **kw),
        base(),
        person_id=_ids(),
        episode_id=_ids(),
        sample_taken_at=times,
        results=st.dictionaries(codes, st.sampled_from(DrugResult), max_size=4),
        disputed=st.booleans(),
    ),
    st.builds(
        lambda b, **kw: Assessment(**b, **kw),
        base(),
        person_id=_ids(),
        kind=st.sampled_from(AssessmentKind),
        form_id=codes,
        form_version=st.integers(1, 50),
        answers=st.dictionaries(text, json_values, max_size=6),
        status=st.sampled_from(AssessmentStatus),
    ),
    st.builds(
        lambda b, **kw: NaloxoneSupply(**b, **kw),
        base(),
        person_id=_ids(),
        product=st.sampled_from(NaloxoneProduct),
        batch_number=codes,
        supplied_on=st.dates(),
        expiry_date=st.dates(),
        quantity=st.integers(1, 10),
        training_topics=st.lists(codes, max_size=5),
        leaflet_given=st.booleans(),
    ),
    st.builds(
        lambda b, **kw: Referral(**b, **kw),
        base(),
        person_id=_ids(),
        provider_code=codes,
        local_authority=codes,
        outcome=st.sampled_from(ReferralOutcome),
        entered_treatment_on=st.none() | st.dates(),
        not_converted_reason=st.none() | codes,
    ),
    st.builds(
        lambda b, **kw: Appointment(**b, **kw),
        base(),
        person_id=_ids(),
        starts_at=times,
        location_site_code=codes,
        booked_by=usernames,
        booked_by_role=st.sampled_from(Role),
        out_of_hours=st.booleans(),
        ra1_issued=st.booleans(),
    ),
    st.builds(
        lambda b, **kw: Consent(**b, **kw),
        base(),
        person_id=_ids(),
        recipients=st.lists(codes, max_size=4),
        given_on=st.dates(),
        legal_basis=st.sampled_from(LegalBasis),
        justification=st.none() | text,
        approver=st.none() | usernames,
    ),
    st.builds(
        lambda b, **kw: Action(**b, **kw),
        base(),
        person_id=_ids(),
        action_type=st.sampled_from(ActionType),
        owner=usernames,
        notes=st.none() | text,
    ),
    st.builds(
        lambda b, **kw: ReviewDecision(**b, **kw),
        base(),
        assessment_id=_ids(),
        assessment_revision=st.integers(1, 9),
        decision=st.sampled_from(["approved", "returned"]),
        comment=st.none() | text,
    ),
]


@st.composite
def valid_records(draw: st.DrawFn) -> RecordBase:
    """Draw candidate records; those the schema itself rejects are not 'valid records'."""
    try:
        return draw(st.one_of(RECORDS))
    except ValidationError:
        assume(False)
        raise


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("roundtrip") / "store.db"
    opened = Store.open(path, b"\x07" * 32)
    yield opened
    opened.dispose()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(record=valid_records())
def test_any_valid_record_round_trips_unchanged(store: Store, record: RecordBase) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    record = record.model_copy(update={"id": uuid.uuid4()})  # the store outlives one example
    writer = AuditWriter(Ed25519PrivateKey.generate(), "ws-test")
    with UnitOfWork(store, writer, "tester", "worker") as uow:
        uow.records.save(record, "tester")
        uow.commit()
    with UnitOfWork(store, writer, "tester", "worker") as uow:
        loaded = uow.records.get(record.id)
        history = uow.records.history(record.id)
    assert loaded == record
    assert type(loaded) is type(record)
    assert history == [record]
