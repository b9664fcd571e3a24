"""Filling in a form through the services: drafts, completion, actions, amendment, versions."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.forms.catalogue import shipped_catalogue
from cars_desktop.services.form_catalogue import receive_form_spec, workstation_catalogue
from cars_desktop.services.forms import (
    FormIncomplete,
    amend_form,
    complete_form,
    open_form,
    save_draft,
    start_form,
)
from cars_desktop.services.records import record_history, save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import AssessmentStatus
from tests import factories
from tests.conftest import ADMIN, ADMIN_PASSWORD, Workstation

TODAY = date.today().isoformat()
SUPPLY = {
    "opioid_use": "yes",
    "naloxone_offered": "yes",
    "consent_to_supply": "yes",
    "product": "nyxoid",
    "batch_number": "NX-2291",
    "supplied_on": TODAY,
    "expiry_date": "2029-01-31",
    "quantity": 1,
    "reason": "first_supply",
    "training_topics": ["recognising_overdose", "call_999", "recovery_position"],
    "leaflet_given": "yes",
    "handed_to_property": "yes",
    "returned_on_release": "yes",
    "recipient_type": "person_at_risk",
    "supply_location": "custody",
    "training_kind": "refresher",
}


def test_draft_then_complete_then_read_only(session: WorkstationSession) -> None:
    person = save_record(session, factories.person()).records[0]
    form = start_form(session, "harm_reduction", person.id)
    draft = save_draft(session, form, {"opioid_use": "yes"})
    draft = save_draft(session, draft, {"opioid_use": "yes", "naloxone_offered": "yes"})
    assert draft.record.revision == 2 and draft.record.status is AssessmentStatus.DRAFT
    with pytest.raises(FormIncomplete) as refused:
        complete_form(session, draft, {"opioid_use": "yes", "naloxone_offered": "yes"})
    assert "Consents to the supply and to it being recorded: this must be answered" in [
        i.text for i in refused.value.issues
    ]
    done = complete_form(session, draft, SUPPLY)
    assert done.record.status is AssessmentStatus.COMPLETED and done.actions == ()
    reopened = open_form(session, done.record.id)
    assert reopened.read_only and reopened.record.answers["batch_number"] == "NX-2291"
    with pytest.raises(InvalidInput, match="amend"):
        save_draft(session, reopened, SUPPLY)


def test_hidden_answers_are_not_kept_on_completion(session: WorkstationSession) -> None:
    person = save_record(session, factories.person()).records[0]
    form = start_form(session, "harm_reduction", person.id)
    answers = {**SUPPLY, "naloxone_offered": "no", "naloxone_declined_reason": "already has a kit in date"}
    done = complete_form(session, form, answers)
    assert "batch_number" not in done.record.answers
    assert done.record.answers["naloxone_declined_reason"] == "already has a kit in date"


def test_cross_field_rules_on_completion(session: WorkstationSession) -> None:
    person = save_record(session, factories.person()).records[0]
    form = start_form(session, "harm_reduction", person.id)
    with pytest.raises(FormIncomplete) as refused:
        complete_form(session, form, {**SUPPLY, "expiry_date": TODAY, "training_topics": ["myths"]})
    texts = [i.text for i in refused.value.issues]
    assert any(t.startswith("Expiry date: must be after") for t in texts)
    assert any(t.startswith("Training covered: a supply must cover") for t in texts)


def test_amendment_keeps_the_old_revision_and_needs_a_reason(session: WorkstationSession) -> None:
    person = save_record(session, factories.person()).records[0]
    done = complete_form(session, start_form(session, "harm_reduction", person.id), SUPPLY)
    form = open_form(session, done.record.id)
    with pytest.raises(InvalidInput, match="say why"):
        amend_form(session, form, {**SUPPLY, "batch_number": "NX-2292"}, "")
    amended = amend_form(session, form, {**SUPPLY, "batch_number": "NX-2292"}, "batch number mistyped")
    assert amended.record.status is AssessmentStatus.AMENDED
    history = record_history(session, done.record.id)
    assert [h.answers["batch_number"] for h in history] == ["NX-2291", "NX-2292"]  # type: ignore[attr-defined]


def test_form_versions_held_in_the_store_join_the_catalogue(workstation: Workstation) -> None:
    base = shipped_catalogue().latest("harm_reduction").model_dump(mode="json", by_alias=True)
    newer = {**base, "version": 99, "title": "Harm reduction (trial version)"}
    worker = workstation.unlock()
    try:
        with pytest.raises(NotPermitted):
            receive_form_spec(worker, json.dumps(newer))
    finally:
        worker.lock()
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        receive_form_spec(admin, json.dumps(newer))
        with pytest.raises(InvalidInput, match="already held"):
            receive_form_spec(admin, json.dumps(newer))
        with pytest.raises(InvalidInput, match="not a valid form"):
            receive_form_spec(admin, json.dumps({**newer, "version": 100, "sections": []}))
        assert workstation_catalogue(admin).latest("harm_reduction").version == 99
    finally:
        admin.lock()


def _spec(form_id: str, kind: str, carry: bool) -> dict[str, object]:
    return {
        "id": form_id,
        "version": 1,
        "title": form_id,
        "purpose": "test",
        "record_kind": kind,
        "sections": [
            {
                "id": "s",
                "title": "S",
                "fields": [
                    {
                        "id": "main_substance",
                        "type": "short_text",
                        "label": "Main substance",
                        "carry_over": carry,
                    },
                    {"id": "notes", "type": "short_text", "label": "Notes"},
                ],
            }
        ],
    }


def test_recent_answers_are_carried_over_and_the_reading_is_logged(session: WorkstationSession) -> None:
    from sqlalchemy import select

    from cars_desktop.forms.catalogue import FormCatalogue
    from cars_desktop.forms.spec import FormSpec
    from cars_desktop.storage.tables import AuditRow

    catalogue = FormCatalogue(
        [
            FormSpec.model_validate(_spec("custody_lifestyle", "lifestyle", False)),
            FormSpec.model_validate(_spec("court_check", "court_suitability", True)),
        ]
    )
    person = save_record(session, factories.person()).records[0]
    source = complete_form(
        session,
        start_form(session, "custody_lifestyle", person.id, catalogue=catalogue),
        {"main_substance": "crack cocaine", "notes": "not carried"},
    )
    court = start_form(session, "court_check", person.id, catalogue=catalogue)
    assert court.record.answers == {"main_substance": "crack cocaine"}
    assert court.carried["main_substance"].startswith("from the lifestyle form of ")
    other = save_record(session, factories.person(family_name="Elsewhere")).records[0]
    assert start_form(session, "court_check", other.id, catalogue=catalogue).record.answers == {}
    with session.store.read_session() as read:
        consulted = read.scalars(
            select(AuditRow.record_id).where(
                AuditRow.operation == "consultation", AuditRow.details.contains("carried_into")
            )
        ).all()
    assert consulted == [str(source.record.id)]


def test_completed_supply_form_produces_one_naloxone_record_that_follows_amendments(
    session: WorkstationSession,
) -> None:
    from cars_desktop.services.records import open_record
    from cars_protocol.records import NaloxoneSupply

    person = save_record(session, factories.person()).records[0]
    done = complete_form(session, start_form(session, "harm_reduction", person.id), SUPPLY)
    (supply,) = done.derived
    assert isinstance(supply, NaloxoneSupply)
    assert (supply.product.value, supply.batch_number, supply.quantity) == ("nyxoid", "NX-2291", 1)
    form = open_form(session, done.record.id)
    amend_form(session, form, {**SUPPLY, "batch_number": "NX-2292"}, "batch number mistyped")
    again = open_record(session, supply.id)
    assert isinstance(again, NaloxoneSupply) and again.batch_number == "NX-2292" and again.revision == 2
    refused = {**SUPPLY, "consent_to_supply": "no"}
    amend_form(session, open_form(session, done.record.id), refused, "consent was in fact refused")
    assert open_record(session, supply.id).tombstone is not None


def test_a_version_1_form_still_opens_and_validates_after_version_2_ships(
    session: WorkstationSession,
) -> None:
    from cars_desktop.forms.catalogue import FormCatalogue
    from cars_desktop.forms.validation import validate

    shipped = shipped_catalogue()
    assert shipped.latest("harm_reduction").version == 2
    before_v2 = FormCatalogue([shipped.get("harm_reduction", 1)])
    person = save_record(session, factories.person()).records[0]
    v1_answers = {
        k: v for k, v in SUPPLY.items() if k not in ("recipient_type", "supply_location", "training_kind")
    }
    draft = save_draft(
        session, start_form(session, "harm_reduction", person.id, catalogue=before_v2), v1_answers
    )
    done = complete_form(
        session, start_form(session, "harm_reduction", person.id, catalogue=before_v2), v1_answers
    )

    reopened_draft = open_form(session, draft.record.id)  # the shipped catalogue now has v1 and v2
    assert reopened_draft.spec.version == 1 and not reopened_draft.read_only
    assert validate(reopened_draft.spec, reopened_draft.record.answers, completing=True) == []
    reopened_done = open_form(session, done.record.id)
    assert reopened_done.spec.version == 1 and reopened_done.read_only

    upgraded = shipped.upgrade_answers("harm_reduction", dict(reopened_draft.record.answers), 1, 2)
    v2 = shipped.get("harm_reduction", 2)
    assert validate(v2, upgraded, completing=False) == []
    missing = {i.field_id for i in validate(v2, upgraded, completing=True)}
    assert {"recipient_type", "supply_location", "training_kind"} <= missing
