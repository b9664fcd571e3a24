"""Facts for the required-assessment paperwork (Drugs Act 2005 ss.9-14; RA1-RA5, police notice).

One typed value, `RequiredAssessmentFacts`, is read from a completed `required_initial` or
`required_follow_up` form plus the person and the custody episode. It holds only what the
statutory documents print: who, the custody record number, the requirement (RA1) and its
changes (RA2), the appointment, attendance (RA3), the follow-up decision (RA4/RA5) and the police
notification. The s.9(3) findings, the drug test results, the care plan and the person's own
account are deliberately not read at all, so no statutory document can print them by mistake.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from cars_desktop.documents.statutory_answers import Answers
from cars_desktop.domain.errors import InvalidInput
from cars_protocol.records import Assessment, AssessmentKind, CustodyEpisode, Person


class RequirementStage(StrEnum):
    """Which of the two required assessments the paperwork is about."""

    INITIAL = "initial"
    FOLLOW_UP = "follow_up"

    @property
    def label(self) -> str:
        """The assessment as the notices name it."""
        return "initial assessment" if self is RequirementStage.INITIAL else "follow-up assessment"

    @property
    def section(self) -> str:
        """The section making it an offence to fail to attend or stay (s.12 initial, s.14 follow-up)."""
        return "12" if self is RequirementStage.INITIAL else "14"


class Failure(StrEnum):
    """How the requirement was not met; each must be reported to the police."""

    DID_NOT_ATTEND = "did_not_attend"
    DID_NOT_REMAIN = "did_not_remain"


@dataclass(frozen=True, slots=True)
class Slot:
    """A time and place the person was required to be."""

    at: datetime
    place: str


@dataclass(frozen=True, slots=True)
class AppointmentChange:
    """One RA2 notice: the appointment moved from `before` to `after`."""

    number: int
    issued_at: datetime
    issued_by: str
    before: Slot
    after: Slot
    reason: str | None


@dataclass(frozen=True, slots=True)
class PoliceTold:
    """When and to whom the failure was reported, once it has been."""

    at: datetime
    officer: str
    method: str | None


@dataclass(frozen=True, slots=True)
class RequiredAssessmentFacts:
    """Everything the RA paperwork and the police notice may print, and nothing more."""

    person_id: uuid.UUID
    form_id: uuid.UUID
    site_code: str
    stage: RequirementStage
    family_name: str
    given_names: str
    date_of_birth: date
    pnc_id: str | None
    custody_record_number: str | None
    ra1_issued_at: datetime | None
    imposing_officer: str | None
    required_slot: Slot
    changes: tuple[AppointmentChange, ...]
    assessor: str
    attended: bool
    arrived_at: datetime | None
    remained: bool | None
    left_at: datetime | None
    police_told: PoliceTold | None
    follow_up_required: bool | None
    follow_up_slot: Slot | None
    ra5_given_at: datetime | None
    recorded_by: str

    @property
    def display_name(self) -> str:
        """The name as printed: given names then family name."""
        return f"{self.given_names} {self.family_name}"

    @property
    def final_slot(self) -> Slot:
        """Where and when the person had to be after every RA2 change."""
        return self.changes[-1].after if self.changes else self.required_slot

    @property
    def failure(self) -> Failure | None:
        """Did not attend, did not stay, or None when the requirement was met."""
        if not self.attended:
            return Failure.DID_NOT_ATTEND
        if self.remained is False:
            return Failure.DID_NOT_REMAIN
        return None


_TITLES = {
    AssessmentKind.REQUIRED_INITIAL: "required initial assessment",
    AssessmentKind.REQUIRED_FOLLOW_UP: "required follow-up assessment",
}


def _changes(answers: Answers, original: Slot) -> tuple[AppointmentChange, ...]:
    changes: list[AppointmentChange] = []
    before = original
    for number, entry in enumerate(answers.groups("ra2_variations"), start=1):
        after = Slot(
            at=entry.need_moment("ra2_appointment_at", f"the new time on RA2 change {number}"),
            place=entry.need_text("ra2_place", f"the new place on RA2 change {number}"),
        )
        changes.append(
            AppointmentChange(
                number=number,
                issued_at=entry.need_moment("ra2_issued_at", f"when RA2 change {number} was issued"),
                issued_by=entry.need_text("ra2_issued_by", f"who issued RA2 change {number}"),
                before=before,
                after=after,
                reason=entry.text("ra2_reason"),
            )
        )
        before = after
    return tuple(changes)


def _police_told(answers: Answers) -> PoliceTold | None:
    at = answers.moment("police_notified_at")
    officer = answers.text("police_officer_notified")
    if at is None or officer is None:
        return None
    return PoliceTold(at=at, officer=officer, method=answers.text("notification_method"))


def _check_form(form: Assessment, person: Person) -> RequirementStage:
    if form.person_id != person.id:
        raise InvalidInput("the assessment form belongs to a different person")
    if form.kind is AssessmentKind.REQUIRED_INITIAL:
        return RequirementStage.INITIAL
    if form.kind is AssessmentKind.REQUIRED_FOLLOW_UP:
        return RequirementStage.FOLLOW_UP
    raise InvalidInput(
        f"a {form.kind.value.replace('_', ' ')} form is not a required assessment; "
        "choose the required initial or follow-up assessment"
    )


def required_assessment_facts(
    person: Person,
    form: Assessment,
    *,
    episode: CustodyEpisode | None = None,
    initial: Assessment | None = None,
    recorded_by: str | None = None,
) -> RequiredAssessmentFacts:
    """Read the statutory facts from a required initial or follow-up assessment form.

    `initial` is the initial-assessment form when `form` is the follow-up: the RA1 (when the
    requirement was imposed and by whom) is recorded there. `recorded_by` is the worker's name
    for the document (default: the form's author).
    """
    stage = _check_form(form, person)
    answers = Answers(_TITLES[form.kind], form.answers)
    ra1_source = answers if stage is RequirementStage.INITIAL else None
    if ra1_source is None and initial is not None:
        if initial.kind is not AssessmentKind.REQUIRED_INITIAL or initial.person_id != person.id:
            raise InvalidInput("the earlier form given is not this person's required initial assessment")
        ra1_source = Answers(_TITLES[initial.kind], initial.answers)
    if stage is RequirementStage.INITIAL:
        required = Slot(
            at=answers.need_moment("appointment_at", "the appointment time on the RA1"),
            place=answers.need_text("appointment_place", "the appointment place on the RA1"),
        )
    else:
        required = Slot(
            at=answers.need_moment("ra4_appointment_at", "the follow-up time on the RA4"),
            place=answers.need_text("ra4_place", "the follow-up place on the RA4"),
        )
    attended = answers.yes_no("attended")
    if attended is None:
        raise InvalidInput(
            f"the {_TITLES[form.kind]} form does not say whether the person attended (attended); "
            "complete the form before making this document"
        )
    follow_up = answers.text("follow_up_decision") if stage is RequirementStage.INITIAL else None
    ra4: Slot | None = None
    if follow_up == "required":
        ra4 = Slot(
            at=answers.need_moment("ra4_appointment_at", "the follow-up time on the RA4"),
            place=answers.need_text("ra4_place", "the follow-up place on the RA4"),
        )
    return RequiredAssessmentFacts(
        person_id=person.id,
        form_id=form.id,
        site_code=form.site_code,
        stage=stage,
        family_name=person.family_name,
        given_names=person.given_names,
        date_of_birth=person.date_of_birth,
        pnc_id=person.pnc_id,
        custody_record_number=episode.custody_record_number if episode is not None else None,
        ra1_issued_at=ra1_source.moment("ra1_issued_at") if ra1_source else None,
        imposing_officer=ra1_source.text("imposing_officer") if ra1_source else None,
        required_slot=required,
        changes=_changes(answers, required),
        assessor=answers.need_text("assessor", "the assessor's name"),
        attended=attended,
        arrived_at=answers.moment("arrived_at") if attended else None,
        remained=answers.yes_no("remained") if attended else None,
        left_at=answers.moment("left_at") if attended else None,
        police_told=_police_told(answers),
        follow_up_required=None if follow_up is None else follow_up == "required",
        follow_up_slot=ra4,
        ra5_given_at=answers.moment("ra5_given_at") if follow_up == "not_required" else None,
        recorded_by=recorded_by or form.author,
    )
