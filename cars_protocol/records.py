"""Schemas of every record CARS keeps, defined once for the store, the wire and the server.

Each record carries the bookkeeping that offline-first sync depends on: a UUID made where the record
is created (so two offline workstations never collide), a revision number, UTC times, the site and
the author. Records are never silently removed: deletion and merging leave a tombstone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, model_validator

from cars_protocol.fast_parse import FastJsonParser


def _require_utc(value: datetime) -> datetime:
    """Naive times are ambiguous across the clock change; every stored time is UTC.

    A time already in UTC is returned as it is (what `astimezone(UTC)` returns for it anyway).
    A time at the very edge of the calendar whose UTC falls outside it (31/12/9999 23:30 at
    -01:00) is refused like any bad value, not left to escape as an `OverflowError`.
    Parsing stored JSON mostly bypasses this: see `record_from_json`.
    """
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time must include a time zone (UTC)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("time is out of range once converted to UTC") from None


UtcDateTime = Annotated[datetime, AfterValidator(_require_utc)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]
Username = Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._\-]*$")]


def utc_now() -> datetime:
    """The one clock for record times, so tests and sync agree on the zone."""
    return datetime.now(UTC)


#: The largest revision (or form version) a record may have: the server keeps revisions in 32-bit
#: columns, and an input beyond them must be refused as invalid, not fail in the database.
MAX_REVISION = 2**31 - 1
#: The largest sequence number or count on the wire: kept in signed 64-bit columns on both stores.
MAX_SEQ = 2**62


class Role(StrEnum):
    """What a user does in the service; access is decided from these (need-to-know)."""

    WORKER = "worker"
    COURT_WORKER = "court_worker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    CUSTODY_STAFF = "custody_staff"


class Tombstone(BaseModel):
    """Why and when a record stopped being live; history is kept, never dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: UtcDateTime
    by: Username
    reason: Annotated[str, Field(min_length=3, max_length=500)]
    merged_into: uuid.UUID | None = None


class RecordBase(BaseModel):
    """Bookkeeping common to every synced record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_type: ClassVar[str]

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    revision: Annotated[int, Field(ge=1, le=MAX_REVISION)] = 1
    created_at: UtcDateTime = Field(default_factory=utc_now)
    updated_at: UtcDateTime = Field(default_factory=utc_now)
    site_code: Code
    author: Username
    tombstone: Tombstone | None = None

    @model_validator(mode="after")
    def _times_in_order(self) -> RecordBase:
        if self.updated_at < self.created_at:
            raise ValueError("updated_at is before created_at")
        return self

    @property
    def is_live(self) -> bool:
        """A record is live until it is deleted or merged into another."""
        return self.tombstone is None


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    NOT_STATED = "not_stated"


class Person(RecordBase):
    """A detainee or defendant; the same person comes back through many blocks and courts."""

    record_type: ClassVar[str] = "person"

    family_name: Annotated[str, Field(min_length=1, max_length=100)]
    given_names: Annotated[str, Field(min_length=1, max_length=150)]
    aliases: list[ShortText] = Field(default_factory=list, max_length=20)
    date_of_birth: date
    sex: Sex = Sex.NOT_STATED
    gender_identity: ShortText | None = None
    ethnicity: Code | None = None
    nationality: ShortText | None = None
    address: LongText | None = None
    postcode: Annotated[str, Field(max_length=10)] | None = None
    no_fixed_abode: bool = False
    local_authority: Code | None = None
    pnc_id: Annotated[str, Field(max_length=20)] | None = None
    phone: Annotated[str, Field(max_length=30)] | None = None
    language: ShortText | None = None
    interpreter_needed: bool = False


class ReleaseType(StrEnum):
    BAIL = "bail"
    CHARGED = "charged"
    NFA = "nfa"
    REMANDED = "remanded"
    RUI = "released_under_investigation"


class CustodyEpisode(RecordBase):
    """One detention at a custody block."""

    record_type: ClassVar[str] = "custody_episode"

    person_id: uuid.UUID
    custody_record_number: Annotated[str, Field(min_length=1, max_length=40)]
    arrived_at: UtcDateTime
    offences: list[ShortText] = Field(default_factory=list, max_length=30)
    trigger_offence: bool = False
    inspector_authorised: bool = False
    released_at: UtcDateTime | None = None
    release_type: ReleaseType | None = None


class DrugResult(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NOT_TESTED = "not_tested"


class DrugTest(RecordBase):
    """A Drug Testing on Arrest sample and its result per drug in the panel."""

    record_type: ClassVar[str] = "drug_test"

    person_id: uuid.UUID
    episode_id: uuid.UUID
    sample_type: Literal["urine", "oral_fluid"] = "oral_fluid"
    sample_taken_at: UtcDateTime
    results: dict[Code, DrugResult] = Field(default_factory=dict, max_length=20)
    disputed: bool = False
    confirmatory_results: dict[Code, DrugResult] = Field(default_factory=dict, max_length=20)

    @property
    def any_positive(self) -> bool:
        """A positive result is what makes a required assessment possible."""
        return DrugResult.POSITIVE in self.results.values()


class AssessmentKind(StrEnum):
    """Which form a filled-in form record is; the first five are assessments in the KPI sense."""

    REQUIRED_INITIAL = "required_initial"
    REQUIRED_FOLLOW_UP = "required_follow_up"
    LIFESTYLE = "lifestyle"
    VULNERABILITY = "vulnerability"
    COURT_SUITABILITY = "court_suitability"
    CUSTODY_ARRIVAL = "custody_arrival"
    HARM_REDUCTION = "harm_reduction"
    REFERRAL = "referral"
    REFERRAL_OUTCOME = "referral_outcome"
    OUT_OF_HOURS_BOOKING = "out_of_hours_booking"
    CONSENT = "consent"
    CASE_CLOSURE = "case_closure"


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"
    RETURNED = "returned"
    APPROVED = "approved"
    AMENDED = "amended"


class Assessment(RecordBase):
    """A filled-in form, draft or completed; answers are kept with the form version that produced them.

    Every CARS form is stored this way (its revisions are the amendment history); typed records
    such as a Naloxone supply or a referral are derived from completed forms.
    """

    record_type: ClassVar[str] = "assessment"

    person_id: uuid.UUID
    episode_id: uuid.UUID | None = None
    kind: AssessmentKind
    form_id: Code
    form_version: Annotated[int, Field(ge=1, le=MAX_REVISION)]
    answers: dict[str, JsonValue] = Field(default_factory=dict)
    status: AssessmentStatus = AssessmentStatus.DRAFT
    completed_at: UtcDateTime | None = None
    amendment_reason: Annotated[str, Field(max_length=500)] | None = None


class ReferralOutcome(StrEnum):
    PENDING = "pending"
    ENTERED_TREATMENT = "entered_treatment"
    NOT_CONVERTED = "not_converted"


class Referral(RecordBase):
    """A referral into treatment in the person's home local authority."""

    record_type: ClassVar[str] = "referral"

    person_id: uuid.UUID
    assessment_id: uuid.UUID | None = None
    provider_code: Code
    local_authority: Code
    appointment_at: UtcDateTime | None = None
    appointment_place: ShortText | None = None
    consent_scope: list[Code] = Field(default_factory=list, max_length=20)
    outcome: ReferralOutcome = ReferralOutcome.PENDING
    entered_treatment_on: date | None = None
    not_converted_reason: Code | None = None
    closed_reason: Code | None = None

    @model_validator(mode="after")
    def _outcome_has_its_detail(self) -> Referral:
        if self.outcome is ReferralOutcome.ENTERED_TREATMENT and self.entered_treatment_on is None:
            raise ValueError("entered treatment needs the date treatment started")
        if self.outcome is ReferralOutcome.NOT_CONVERTED and self.not_converted_reason is None:
            raise ValueError("a referral that did not convert needs the reason")
        return self


class NaloxoneProduct(StrEnum):
    PRENOXAD = "prenoxad"
    NYXOID = "nyxoid"


class NaloxoneSupply(RecordBase):
    """A take-home Naloxone kit handed over on release."""

    record_type: ClassVar[str] = "naloxone_supply"

    person_id: uuid.UUID
    episode_id: uuid.UUID | None = None
    product: NaloxoneProduct
    batch_number: Annotated[str, Field(min_length=1, max_length=40)]
    expiry_date: date
    supplied_on: date
    quantity: Annotated[int, Field(ge=1, le=10)] = 1
    reason: Literal["first_supply", "replacement"] = "first_supply"
    replacement_reason: Code | None = None
    training_topics: list[Code] = Field(default_factory=list, max_length=20)
    consent_given: bool = False
    leaflet_given: bool = False
    handed_to_property: bool = False
    returned_on_release: bool = False

    @model_validator(mode="after")
    def _expiry_after_supply(self) -> NaloxoneSupply:
        if self.expiry_date <= self.supplied_on:
            raise ValueError("the kit's expiry date must be after the date it is supplied")
        if self.reason == "replacement" and self.replacement_reason is None:
            raise ValueError("a replacement kit needs the reason it is replaced")
        return self


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED = "cancelled"


class Appointment(RecordBase):
    """An appointment with the team, often booked by custody staff out of hours."""

    record_type: ClassVar[str] = "appointment"

    person_id: uuid.UUID
    starts_at: UtcDateTime
    location_site_code: Code
    reason: Literal["required_assessment", "voluntary"] = "voluntary"
    booked_by: Username
    booked_by_role: Role
    out_of_hours: bool = False
    ra1_issued: bool = False
    status: AppointmentStatus = AppointmentStatus.BOOKED


class ReviewDecision(RecordBase):
    """A supervisor's decision on one revision of an assessment."""

    record_type: ClassVar[str] = "review_decision"

    assessment_id: uuid.UUID
    assessment_revision: Annotated[int, Field(ge=1, le=MAX_REVISION)]
    decision: Literal["approved", "returned"]
    comment: Annotated[str, Field(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _returned_needs_comment(self) -> ReviewDecision:
        if self.decision == "returned" and not (self.comment or "").strip():
            raise ValueError("returning an assessment needs a comment the worker can act on")
        return self


class LegalBasis(StrEnum):
    CONSENT = "consent"
    STATUTORY = "statutory"
    SAFEGUARDING = "safeguarding"
    MARAC = "marac"
    VITAL_INTERESTS = "vital_interests"


class Consent(RecordBase):
    """What may be shared, with whom, and on what basis."""

    record_type: ClassVar[str] = "consent"

    person_id: uuid.UUID
    recipients: list[Code] = Field(default_factory=list, max_length=20)
    data_categories: list[Code] = Field(default_factory=list, max_length=20)
    legal_basis: LegalBasis = LegalBasis.CONSENT
    how_given: Literal["verbal", "signed", "not_applicable"] = "verbal"
    given_on: date
    review_on: date | None = None
    withdrawn_on: date | None = None
    justification: Annotated[str, Field(max_length=2000)] | None = None
    approver: Username | None = None

    @model_validator(mode="after")
    def _non_consent_is_justified(self) -> Consent:
        if self.legal_basis is not LegalBasis.CONSENT and not (
            (self.justification or "").strip() and self.approver
        ):
            raise ValueError("sharing without consent needs a justification and an approver")
        return self


class ActionType(StrEnum):
    SAFEGUARDING = "safeguarding"
    MARAC = "marac"
    POLICE_NOTIFICATION = "police_notification"
    CUSTODY_OFFICER_ALERT = "custody_officer_alert"
    NRM = "nrm"
    LIAISON_AND_DIVERSION = "liaison_and_diversion"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Action(RecordBase):
    """Something a finding obliges someone to do: never just a tick."""

    record_type: ClassVar[str] = "action"

    person_id: uuid.UUID
    source_record_id: uuid.UUID | None = None
    action_type: ActionType
    owner: Username
    status: ActionStatus = ActionStatus.OPEN
    due_at: UtcDateTime | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None


class CourtListEntry(RecordBase):
    """One person listed to appear at a magistrates' court (from the court's daily list or by hand).

    `site_code` is the court; the entry puts the person on that court's Today page for the day.
    """

    record_type: ClassVar[str] = "court_list_entry"

    person_id: uuid.UUID
    hearing_at: UtcDateTime
    courtroom: ShortText | None = None
    offences: list[ShortText] = Field(default_factory=list, max_length=30)
    source: Literal["court_list", "manual"] = "court_list"


class DaySignOff(RecordBase):
    """A supervisor's statement that every finished assessment of one UK day at one site was reviewed.

    `site_code` is where it was signed (the workstation's own site, as for every new record);
    `signed_off_site` is the site whose day it covers. A sign-off is never edited, so it can never
    conflict: each supervisor's sign-off of a day and site is its own record, with an id derived
    from (day, site, supervisor, workstation) so signing twice at one workstation makes nothing new,
    and a second supervisor's sign-off of the same day is another record, not a rival revision.
    """

    record_type: ClassVar[str] = "day_sign_off"

    day: date
    signed_off_site: Code
    signed_off_by_name: Annotated[str, Field(min_length=1, max_length=120)]
    assessments: Annotated[int, Field(ge=0, le=MAX_SEQ)] = 0


RECORD_TYPES: dict[str, type[RecordBase]] = {
    model.record_type: model
    for model in (
        Person,
        CustodyEpisode,
        DrugTest,
        Assessment,
        Referral,
        NaloxoneSupply,
        Appointment,
        ReviewDecision,
        Consent,
        Action,
        CourtListEntry,
        DaySignOff,
    )
}


_PARSERS: dict[str, FastJsonParser[RecordBase]] = {}


def record_parser(record_type: str) -> FastJsonParser[RecordBase]:
    """The parser of one record type's JSON, built on first use (so importing stays cheap)."""
    parser = _PARSERS.get(record_type)
    if parser is None:
        try:
            model = RECORD_TYPES[record_type]
        except KeyError:
            raise ValueError(f"unknown record type {record_type!r}") from None
        # Two threads may both build one; either is the same parser, so the race is harmless.
        parser = _PARSERS[record_type] = FastJsonParser(model, _require_utc)
    return parser


def record_from_json(record_type: str, body: str | bytes) -> RecordBase:
    """Rebuild a record from its stored or transmitted JSON, validating it on the way in.

    Accepts and refuses exactly what `model_validate_json` of the record's model does, with the
    same errors, in about three quarters of the time: canonical UTC times are parsed in C
    (`fast_parse`).
    """
    parser = _PARSERS.get(record_type) or record_parser(record_type)
    return parser(body)


def assessment_outline_from_json(body: str | bytes) -> Assessment:
    """A stored form without its answers (no `answers` attribute), validated in every other field:
    about 40% of the time of the whole form, for readers that never look at answers (`fast_parse`)."""
    global _OUTLINE
    if _OUTLINE is None:
        _OUTLINE = FastJsonParser(Assessment, _require_utc, leave_out=("answers",))
    return _OUTLINE(body)


_OUTLINE: FastJsonParser[Assessment] | None = None


def record_fields(record: RecordBase) -> dict[str, Any]:
    """The JSON-ready fields of a record, for exports and wire messages."""
    return record.model_dump(mode="json")
