"""Typed records derived from completed forms (a Naloxone supply, a referral, a booking, ...).

The form record is the source of truth and keeps the amendment history; the typed record is what
documents, KPIs and sync partners read. Its id is derived from the form's id, so completing and
later amending a form updates one typed record rather than creating another, and an amendment
that takes the finding back tombstones it.

Which form makes what:

* ``harm_reduction`` -> `NaloxoneSupply` (only when a kit was handed over with consent);
* ``custody_arrival`` -> `CustodyEpisode`, plus a `DrugTest` when a sample was given;
* ``referral`` -> `Referral` (its outcome fields are left to the outcome form);
* ``referral_outcome`` -> the next revision of the person's `Referral` it reports on;
* ``out_of_hours_booking`` -> `Appointment` (out of hours, booked by the form's author);
* ``consent`` -> `Consent`.

Everything here is a pure function of the form plus what is already stored (read through a
`RecordLookup`), so the services (reading the store) and the seeder (reading records it has made
but not yet saved) turn answers into the same records: `completed_form_records`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from cars_desktop.forms.computed import with_computed
from cars_desktop.forms.expressions import Scope, evaluate
from cars_desktop.forms.spec import FieldType, FormSpec
from cars_desktop.forms.validation import settle
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import (
    Action,
    ActionType,
    Appointment,
    AppointmentStatus,
    Assessment,
    AssessmentStatus,
    Consent,
    CustodyEpisode,
    DrugResult,
    DrugTest,
    LegalBasis,
    NaloxoneProduct,
    NaloxoneSupply,
    RecordBase,
    Referral,
    ReferralOutcome,
    Role,
    Tombstone,
    utc_now,
)

_NAMESPACE = uuid.UUID("5b0b8f7e-6c1d-4d53-9e55-0c4a6f1b2d11")


class RecordLookup(Protocol):
    """What a projection may read: the store's record repository, or records held in memory."""

    def get(self, record_id: uuid.UUID) -> RecordBase | None: ...

    def for_person(self, person_id: uuid.UUID, record_type: str | None = None) -> list[RecordBase]: ...


class MemoryRecords:
    """Records made but not saved yet, readable like the store (the seeder projects against these).

    Adding a record whose id is already held stores it as the next revision, as saving would.
    """

    def __init__(self, records: Iterable[RecordBase] = ()) -> None:
        self._by_id: dict[uuid.UUID, RecordBase] = {}
        self._by_person: dict[uuid.UUID, dict[uuid.UUID, RecordBase]] = {}
        self.add(records)

    def add(self, records: Iterable[RecordBase]) -> None:
        for record in records:
            held = self._by_id.get(record.id)
            if held is not None:
                record = record.model_copy(update={"revision": held.revision + 1})
            self._by_id[record.id] = record
            person = getattr(record, "person_id", None)
            if person is not None:
                self._by_person.setdefault(person, {})[record.id] = record

    def clear(self) -> None:
        self._by_id.clear()
        self._by_person.clear()

    def get(self, record_id: uuid.UUID) -> RecordBase | None:
        return self._by_id.get(record_id)

    def for_person(self, person_id: uuid.UUID, record_type: str | None = None) -> list[RecordBase]:
        held = self._by_person.get(person_id, {}).values()
        return [r for r in held if record_type is None or r.record_type == record_type]


@dataclass(frozen=True)
class ProjectionContext:
    """What projections read besides the form: stored records and the role of the form's author."""

    records: RecordLookup = field(default_factory=MemoryRecords)
    author_role: Role = Role.WORKER


Projection = Callable[[Assessment, ProjectionContext], RecordBase | None]


def derived_id(form_record_id: uuid.UUID, record_type: str) -> uuid.UUID:
    """The same id every time for the typed record a given form produces."""
    return uuid.uuid5(_NAMESPACE, f"{form_record_id}/{record_type}")


def action_id(form_record_id: uuid.UUID, rule_index: int) -> uuid.UUID:
    """The same id every time for the action one rule of a form creates (seeding stays deterministic)."""
    return derived_id(form_record_id, f"action/{rule_index}")


_ROLE_PRECEDENCE = (Role.CUSTODY_STAFF, Role.WORKER, Role.COURT_WORKER, Role.SUPERVISOR, Role.ADMIN)


def author_role(roles: Iterable[Role]) -> Role:
    """The one role a typed record names for a user holding several (custody staff first: bookings)."""
    held = set(roles)
    return next((r for r in _ROLE_PRECEDENCE if r in held), Role.WORKER)


def _when(form: Assessment) -> datetime:
    return form.completed_at or form.updated_at


def _base(form: Assessment, record_type: str, record_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {
        "id": record_id or derived_id(form.id, record_type),
        "site_code": form.site_code,
        "author": form.author,
        "created_at": _when(form),
        "updated_at": _when(form),
    }


def _yes(answers: Mapping[str, Any], key: str) -> bool:
    return answers.get(key) == "yes"


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _codes(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


# -- the projections ----------------------------------------------------------------------------


def naloxone_supply(form: Assessment, context: ProjectionContext) -> RecordBase | None:
    """A supply only when a kit was actually handed over with consent."""
    a: dict[str, Any] = dict(form.answers)  # validated against the form spec on completion
    if not (_yes(a, "naloxone_offered") and _yes(a, "consent_to_supply")):
        return None
    reason = str(a["reason"])
    return NaloxoneSupply(
        **_base(form, NaloxoneSupply.record_type),
        person_id=form.person_id,
        episode_id=form.episode_id,
        product=NaloxoneProduct(a["product"]),
        batch_number=str(a["batch_number"]),
        supplied_on=date.fromisoformat(a["supplied_on"]),
        expiry_date=date.fromisoformat(a["expiry_date"]),
        quantity=int(a["quantity"]),
        reason="first_supply" if reason == "first_supply" else "replacement",
        replacement_reason=None if reason == "first_supply" else reason,
        training_topics=_codes(a.get("training_topics")),
        consent_given=True,
        leaflet_given=_yes(a, "leaflet_given"),
        handed_to_property=_yes(a, "handed_to_property"),
        returned_on_release=_yes(a, "returned_on_release"),
    )


def episode_id_for(form: Assessment) -> uuid.UUID:
    """The custody episode an arrival form records: the one it was started for, else its own.

    A form started for an episode already held (say, one received from a police feed) updates
    that episode; otherwise the episode's id is derived from the form, like every typed record.
    """
    return form.episode_id or derived_id(form.id, CustodyEpisode.record_type)


def custody_episode(form: Assessment, context: ProjectionContext) -> RecordBase | None:
    """The detention the arrival form describes; release details recorded later are kept."""
    a: dict[str, Any] = dict(form.answers)
    record_id = episode_id_for(form)
    stored = context.records.get(record_id)
    arrived = _moment(a["arrived_at"])
    assert arrived is not None  # required on completion
    offences = [
        str(entry["offence"])
        for entry in a.get("offences") or []
        if isinstance(entry, Mapping) and entry.get("offence")
    ]
    return CustodyEpisode(
        **_base(form, CustodyEpisode.record_type, record_id),
        person_id=form.person_id,
        custody_record_number=str(a["custody_record_number"]),
        arrived_at=arrived,
        offences=offences,
        trigger_offence=_yes(a, "trigger_offence"),
        inspector_authorised=not _yes(a, "trigger_offence") and _yes(a, "inspector_authorised"),
        released_at=stored.released_at if isinstance(stored, CustodyEpisode) else None,
        release_type=stored.release_type if isinstance(stored, CustodyEpisode) else None,
    )


_CONFIRMATORY = {"confirmed_positive": DrugResult.POSITIVE, "not_confirmed": DrugResult.NEGATIVE}


def drug_test(form: Assessment, context: ProjectionContext) -> RecordBase | None:
    """The Drug Testing on Arrest result, only when a sample was actually given.

    A confirmatory laboratory result that came back empty ("no result") is left out rather than
    recorded as a result.
    """
    a: dict[str, Any] = dict(form.answers)
    if a.get("sample_outcome") != "taken":
        return None
    taken = _moment(a["sample_taken_at"])
    assert taken is not None  # required when a sample was taken
    results: dict[str, DrugResult] = {}
    confirmed: dict[str, DrugResult] = {}
    disputed = False
    for entry in a.get("results") or []:
        if not isinstance(entry, Mapping):
            continue
        drug = str(entry["drug"])
        results[drug] = DrugResult(entry["result"])
        if entry.get("result") == "positive" and entry.get("disputed") == "yes":
            disputed = True
            outcome = _CONFIRMATORY.get(str(entry.get("confirmatory_result")))
            if outcome is not None:
                confirmed[drug] = outcome
    return DrugTest(
        **_base(form, DrugTest.record_type),
        person_id=form.person_id,
        episode_id=episode_id_for(form),
        sample_type=a["sample_type"],
        sample_taken_at=taken,
        results=results,
        disputed=disputed,
        confirmatory_results=confirmed,
    )


_OUTCOME_FIELDS = ("outcome", "entered_treatment_on", "not_converted_reason", "closed_reason")


def referral(form: Assessment, context: ProjectionContext) -> RecordBase | None:
    """The referral to a treatment provider; `assessment_id` names the referral form it came from.

    The outcome (entered treatment, or why not) arrives later on its own form, so amending the
    referral keeps whatever outcome is already recorded.
    """
    a: dict[str, Any] = dict(form.answers)
    if not _yes(a, "consent_given"):
        return None  # the form refuses this today; a later version might not
    stored = context.records.get(derived_id(form.id, Referral.record_type))
    kept = {name: getattr(stored, name) for name in _OUTCOME_FIELDS} if isinstance(stored, Referral) else {}
    booked = _yes(a, "appointment_booked")
    return Referral(
        **_base(form, Referral.record_type),
        person_id=form.person_id,
        assessment_id=form.id,
        provider_code=str(a["provider_code"]),
        local_authority=str(a["local_authority"]),
        appointment_at=_moment(a.get("appointment_at")) if booked else None,
        appointment_place=str(a["appointment_place"]) if booked and a.get("appointment_place") else None,
        consent_scope=_codes(a.get("consent_scope")),
        **kept,
    )


_FINISHED = {
    AssessmentStatus.COMPLETED,
    AssessmentStatus.APPROVED,
    AssessmentStatus.AMENDED,
    AssessmentStatus.RETURNED,
}


def referral_reported_on(form: Assessment, context: ProjectionContext) -> Referral | None:
    """The person's live referral an outcome form reports on, or None when none matches.

    Version 1 of the outcome form has no field naming the referral, so the match is by provider
    and referral date against the person's finished referral forms (the newest wins if two
    match). A typing slip in either answer leaves the outcome unattached; a referral lookup field
    in a later form version would remove the guess.
    """
    a = form.answers
    candidates = [
        r
        for r in context.records.for_person(form.person_id, Assessment.record_type)
        if isinstance(r, Assessment)
        and r.form_id == "referral"
        and r.is_live
        and r.status in _FINISHED
        and r.answers.get("provider_code") == a.get("provider_code")
        and r.answers.get("referred_on") == a.get("referred_on")
    ]
    candidates.sort(key=lambda r: (r.completed_at or r.updated_at, str(r.id)), reverse=True)
    for candidate in candidates:
        target = context.records.get(derived_id(candidate.id, Referral.record_type))
        if isinstance(target, Referral) and target.is_live:
            return target
    return None


def referral_outcome(form: Assessment, context: ProjectionContext) -> RecordBase | None:
    """The next revision of the referral reported on, carrying the outcome."""
    target = referral_reported_on(form, context)
    if target is None:
        return None
    a: dict[str, Any] = dict(form.answers)
    outcome = ReferralOutcome(a["outcome"])
    entered = outcome is ReferralOutcome.ENTERED_TREATMENT
    return Referral.model_validate(
        {
            **target.model_dump(),
            "outcome": outcome,
            "entered_treatment_on": _day(a.get("entered_treatment_on")) if entered else None,
            "not_converted_reason": None if entered else a.get("not_converted_reason"),
            "updated_at": max(target.updated_at, _when(form)),
        }
    )


def appointment(form: Assessment, context: ProjectionContext) -> RecordBase | None:
    """The booked appointment; attendance recorded later on it is kept through amendments.

    The booking is the author's: the role is the one they booked in, kept if someone else amends.
    """
    a: dict[str, Any] = dict(form.answers)
    stored = context.records.get(derived_id(form.id, Appointment.record_type))
    held = stored if isinstance(stored, Appointment) else None
    starts = _moment(a["starts_at"])
    assert starts is not None  # required on completion
    required = a.get("reason") == "required_assessment"
    return Appointment(
        **_base(form, Appointment.record_type),
        person_id=form.person_id,
        starts_at=starts,
        location_site_code=str(a["location_site_code"]),
        reason="required_assessment" if required else "voluntary",
        booked_by=form.author,
        booked_by_role=held.booked_by_role if held else context.author_role,
        out_of_hours=True,
        ra1_issued=required and _yes(a, "ra1_issued"),
        status=held.status if held else AppointmentStatus.BOOKED,
    )


def consent(form: Assessment, context: ProjectionContext) -> RecordBase | None:
    """What may be shared, with whom and on what basis (with the approver when not by consent)."""
    a: dict[str, Any] = dict(form.answers)
    basis = LegalBasis(a["legal_basis"])
    given = _day(a["given_on"])
    assert given is not None  # required on completion
    by_consent = basis is LegalBasis.CONSENT
    return Consent(
        **_base(form, Consent.record_type),
        person_id=form.person_id,
        recipients=_codes(a.get("recipients")),
        data_categories=_codes(a.get("data_categories")),
        legal_basis=basis,
        how_given=a.get("how_given", "verbal") if by_consent else "not_applicable",
        given_on=given,
        review_on=_day(a.get("review_on")) if by_consent else None,
        withdrawn_on=_day(a.get("withdrawn_on")) if by_consent and _yes(a, "withdrawn") else None,
        justification=None if by_consent else a.get("justification"),
        approver=None if by_consent else a.get("approver"),
    )


PROJECTIONS: dict[str, list[tuple[str, Projection]]] = {
    "harm_reduction": [(NaloxoneSupply.record_type, naloxone_supply)],
    "custody_arrival": [(CustodyEpisode.record_type, custody_episode), (DrugTest.record_type, drug_test)],
    "referral": [(Referral.record_type, referral)],
    "referral_outcome": [(Referral.record_type, referral_outcome)],
    "out_of_hours_booking": [(Appointment.record_type, appointment)],
    "consent": [(Consent.record_type, consent)],
}


def derive(
    form: Assessment, context: ProjectionContext, by: str, at: datetime | None = None
) -> list[RecordBase]:
    """The typed records this form produces now: new ones, next revisions, or tombstones.

    An amendment that takes a finding back (say, consent to the supply was in fact refused)
    tombstones the record it had produced instead of leaving it standing. Only records whose id
    comes from this form are tombstoned: an outcome form never removes the referral it reports on.
    """
    out: list[RecordBase] = []
    for record_type, projection in PROJECTIONS.get(form.form_id, []):
        made = projection(form, context)
        if made is None:
            stored = context.records.get(derived_id(form.id, record_type))
            if stored is not None and stored.is_live:
                reason = "the form it came from was amended and no longer records it"
                tomb = Tombstone(at=at or utc_now(), by=by, reason=reason)
                out.append(stored.model_copy(update={"tombstone": tomb}))
            continue
        stored = context.records.get(made.id)
        if stored is not None:
            made = made.model_copy(update={"revision": stored.revision, "created_at": stored.created_at})
        out.append(made)
    return out


def project(session: WorkstationSession, form: Assessment, by: str) -> list[RecordBase]:
    """`derive` against the store, for completion and amendment through the services."""
    with session.unit_of_work() as uow:
        context = ProjectionContext(uow.records, author_role(session.user.roles))
        return derive(form, context, by)


# -- answers to records -------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRecords:
    """What completing a form saves: the form, the actions its findings call for, its typed records."""

    record: Assessment
    actions: tuple[Action, ...]
    derived: tuple[RecordBase, ...]

    def all(self) -> list[RecordBase]:
        """In saving order: the form first, so its actions and typed records follow their source."""
        return [self.record, *self.actions, *self.derived]


def kept_answers(spec: FormSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """What a completed record keeps: the settled (visible) answers with every score worked out.

    Settling first means an answer hidden by skip logic can neither stay on the record nor keep a
    question it controls visible; scores are then computed from what is kept.
    """
    computed = {f.id for f in spec.all_fields() if f.type is FieldType.COMPUTED}
    full = with_computed(spec, answers)
    return with_computed(spec, {k: v for k, v in settle(spec, full).items() if k not in computed})


def actions_for(spec: FormSpec, form: Assessment, owner: str, at: datetime) -> list[Action]:
    """An action, owned by `owner`, for every action rule the form's settled answers meet.

    Ids come from the form and the rule, so the same completion always yields the same actions.
    """
    scope = Scope(settle(spec, form.answers))
    actions = []
    for index, rule in enumerate(spec.actions):
        if not evaluate(rule.when, scope):
            continue
        actions.append(
            Action(
                id=action_id(form.id, index),
                created_at=at,
                updated_at=at,
                site_code=form.site_code,
                author=owner,
                person_id=form.person_id,
                source_record_id=form.id,
                action_type=ActionType(rule.action_type),
                owner=owner,
                notes=rule.note,
                due_at=at + timedelta(hours=rule.due_hours) if rule.due_hours is not None else None,
            )
        )
    return actions


def completed_form_records(
    spec: FormSpec,
    record: Assessment,
    answers: Mapping[str, Any],
    owner: str,
    *,
    completed_at: datetime | None = None,
    context: ProjectionContext | None = None,
) -> FormRecords:
    """Answers -> the completed form record, its actions and its typed records, without saving.

    The one definition of "completing a form" shared by the services and the seeder (which builds
    thousands of forms in memory and saves them in batches). Callers validate first: this trusts
    the answers. `context` reads what is already stored (an empty memory if not given).
    """
    at = completed_at or utc_now()
    done = record.model_copy(
        update={
            "answers": kept_answers(spec, answers),
            "status": AssessmentStatus.COMPLETED,
            "completed_at": at,
        }
    )
    actions = actions_for(spec, done, owner, at)
    derived = derive(done, context or ProjectionContext(), owner, at)
    return FormRecords(done, tuple(actions), tuple(derived))


def complete_in_store(
    session: WorkstationSession, spec: FormSpec, record: Assessment, answers: Mapping[str, Any]
) -> FormRecords:
    """`completed_form_records` for the signed-in user, reading the store (for `complete_form`)."""
    with session.unit_of_work() as uow:
        context = ProjectionContext(uow.records, author_role(session.user.roles))
        return completed_form_records(
            spec, record, answers, session.user.username, completed_at=utc_now(), context=context
        )
