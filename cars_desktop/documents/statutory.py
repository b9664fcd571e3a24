"""The required-assessment paperwork: the police notice of a failure, RA2, RA3, RA4 and RA5.

Each builder takes `RequiredAssessmentFacts` (see `statutory_facts`), which holds no findings,
drug test results or health answers, so none of these documents can print them. Wording is in
resources/letters/statutory/*.toml; the page identity, letterhead and COPY marking come from
`layout.render`. The paper reference is made from the person's record id, like every other
document's.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph

from cars_desktop.documents.blocks import facts_table, heading, paragraphs, signature_lines
from cars_desktop.documents.layout import render, uk_date, uk_time
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions, Subject, reference_for
from cars_desktop.documents.statutory_blocks import boxed, section
from cars_desktop.documents.statutory_facts import (
    AppointmentChange,
    Failure,
    RequiredAssessmentFacts,
    RequirementStage,
    Slot,
)
from cars_desktop.documents.styles import Styles
from cars_desktop.documents.templates import FilledTemplate, load_template
from cars_desktop.domain.errors import InvalidInput

TO_POLICE = "Police (officer or police support officer)"
TO_PERSON = "The person"
TO_RECORD = "Case record and police"

_FAILURE_WORDS = {
    Failure.DID_NOT_ATTEND: "did not attend",
    Failure.DID_NOT_REMAIN: "attended but did not stay for the whole of",
}
_METHODS = {"phone": "Phone", "email": "Secure email", "in_person": "In person"}


def subject_of(facts: RequiredAssessmentFacts) -> Subject:
    """The page identity: the person, with the short reference made from their record id."""
    return Subject(facts.person_id, facts.display_name, facts.date_of_birth, reference_for(facts.person_id))


def _slot(slot: Slot) -> str:
    return f"{uk_time(slot.at)}, {slot.place}"


def _change(change: AppointmentChange) -> str:
    given = f"RA2 {change.number}, given {uk_time(change.issued_at)} by {change.issued_by}"
    return f"{given}: moved to {_slot(change.after)}"


def _person_rows(t: FilledTemplate, facts: RequiredAssessmentFacts) -> list[tuple[str, str]]:
    missing = t.one("not_recorded")
    return [
        (t.one("label_name"), facts.display_name),
        (t.one("label_dob"), uk_date(facts.date_of_birth)),
        (t.one("label_pnc"), facts.pnc_id or missing),
        (t.one("label_custody"), facts.custody_record_number or missing),
    ]


def _police_rows(t: FilledTemplate, facts: RequiredAssessmentFacts) -> list[tuple[str, str]]:
    told = facts.police_told
    if told is None:
        return [(t.one("label_told_at"), t.one("not_told_yet"))]
    rows = [(t.one("label_told_at"), uk_time(told.at)), (t.one("label_told_officer"), told.officer)]
    if told.method and "label_told_method" in t.text:
        rows.append((t.one("label_told_method"), _METHODS.get(told.method, told.method)))
    return rows


def build_police_notification(
    facts: RequiredAssessmentFacts, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """Written notice to the police that the person failed to attend or to stay (ss.12 and 14).

    Carries who, the custody record number, the requirement (RA1) and when, any RA2 change, the
    appointment missed or left, the assessor and the statutory reference: nothing clinical.
    """
    failure = facts.failure
    if failure is None:
        raise InvalidInput(
            "the person attended and stayed for the whole assessment: there is no failure to report"
        )
    t = load_template("statutory/police_notification").fill(
        {
            "name": facts.display_name,
            "stage": facts.stage.label,
            "failure": _FAILURE_WORDS[failure],
            "section": facts.stage.section,
            "requirement_section": "9" if facts.stage is RequirementStage.INITIAL else "10",
            "service": site.service_name,
        }
    )
    missing = t.one("not_recorded")

    def body(styles: Styles) -> list[Flowable]:
        requirement = [
            (t.one("label_imposed"), uk_time(facts.ra1_issued_at) if facts.ra1_issued_at else missing),
            (t.one("label_officer"), facts.imposing_officer or missing),
            (t.one("label_original"), _slot(facts.required_slot)),
            *[(t.one("label_change"), _change(c)) for c in facts.changes],
        ]
        if facts.changes:
            requirement.append((t.one("label_required"), _slot(facts.final_slot)))
        happened = [
            (
                t.one("label_outcome"),
                t.one(
                    "outcome_did_not_attend"
                    if failure is Failure.DID_NOT_ATTEND
                    else "outcome_did_not_remain"
                ),
            )
        ]
        if facts.arrived_at is not None:
            happened.append((t.one("label_arrived"), uk_time(facts.arrived_at)))
        if failure is Failure.DID_NOT_REMAIN:
            happened.append((t.one("label_left"), uk_time(facts.left_at) if facts.left_at else missing))
        assessor = [
            (t.one("label_assessor"), facts.assessor),
            (t.one("label_recorded_by"), facts.recorded_by),
            (t.one("label_contact"), f"{site.service_name}, {site.phone}, {site.email}"),
            (t.one("label_statutory"), t.one("statutory_reference")),
        ]
        return [
            Paragraph(t.one("to"), styles.bold),
            *paragraphs([t.one("opening")], styles),
            section(t.one("heading_person"), _person_rows(t, facts), styles),
            section(t.one("heading_requirement"), requirement, styles),
            section(t.one("heading_failure"), happened, styles),
            section(t.one("heading_told"), _police_rows(t, facts), styles),
            section(t.one("heading_assessor"), assessor, styles),
            *boxed([t.one("offence")], styles),
            *paragraphs([t.one("legal_basis"), t.one("minimum"), t.one("statement")], styles),
            signature_lines([t.one("signature")], styles),
        ]

    return render(
        DocumentKind.POLICE_NOTIFICATION, t.title, subject_of(facts), site, body, options, TO_POLICE
    )


def build_ra3_attendance(
    facts: RequiredAssessmentFacts, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """RA3: whether the person attended and stayed for the whole assessment; attendance only."""
    t = load_template("statutory/ra3_attendance").fill(
        {"stage": facts.stage.label, "section": facts.stage.section}
    )
    missing, yes, no = t.one("not_recorded"), t.one("yes"), t.one("no")

    def body(styles: Styles) -> list[Flowable]:
        appointment = [
            (t.one("label_imposed"), uk_time(facts.ra1_issued_at) if facts.ra1_issued_at else missing),
            (t.one("label_changes"), "; ".join(_change(c) for c in facts.changes) or t.one("none")),
            (t.one("label_required"), _slot(facts.final_slot)),
        ]
        stayed = {True: yes, False: no, None: missing}[facts.remained]
        attendance = [
            (t.one("label_attended"), yes if facts.attended else no),
            (
                t.one("label_arrived"),
                uk_time(facts.arrived_at) if facts.arrived_at else t.one("not_applicable"),
            ),
            (t.one("label_remained"), stayed if facts.attended else t.one("not_applicable")),
        ]
        if facts.remained is False:
            attendance.append((t.one("label_left"), uk_time(facts.left_at) if facts.left_at else missing))
        attendance.append((t.one("label_assessor"), facts.assessor))
        flow: list[Flowable] = [
            *paragraphs([t.one("purpose")], styles),
            section(t.one("heading_person"), _person_rows(t, facts), styles),
            section(t.one("heading_appointment"), appointment, styles),
            section(t.one("heading_attendance"), attendance, styles),
        ]
        if facts.failure is not None:
            flow.append(section(t.one("heading_police"), _police_rows(t, facts), styles))
        flow.append(signature_lines([t.one("signature")], styles))
        return flow

    return render(DocumentKind.RA3_ATTENDANCE, t.title, subject_of(facts), site, body, options, TO_RECORD)


def _appointment_box(t: FilledTemplate, styles: Styles) -> list[Flowable]:
    return boxed(
        [
            f"<b>{t.one('when_label')}:</b> <b>{t.one('when_box')}</b>",
            f"<b>{t.one('where_label')}:</b> <b>{t.one('where_box')}</b>",
        ],
        styles,
    )


def build_ra4_notice(
    facts: RequiredAssessmentFacts, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """RA4: the person's written notice that a follow-up assessment is required, with the warning."""
    slot = facts.follow_up_slot
    if facts.stage is not RequirementStage.INITIAL or not facts.follow_up_required or slot is None:
        raise InvalidInput(
            "the RA4 notice is given only when the initial assessment decides a follow-up is required"
        )
    given = facts.arrived_at or options.printed_at
    t = load_template("statutory/ra4_follow_up_required").fill(
        {
            "name": facts.display_name,
            "when": uk_time(slot.at),
            "place": slot.place,
            "assessor": facts.assessor,
            "issued": f"on {uk_date(given.date())}",
            "service": site.service_name,
            "phone": site.phone,
        }
    )

    def body(styles: Styles) -> list[Flowable]:
        return [
            *paragraphs([t.one("opening")], styles),
            *_appointment_box(t, styles),
            *paragraphs([t.one("must"), t.one("warning"), t.one("cannot_come"), t.one("why")], styles),
            *paragraphs([t.one("given"), t.one("law")], styles),
            signature_lines([t.one("signature_assessor"), t.one("signature_person")], styles),
        ]

    return render(
        DocumentKind.RA4_FOLLOW_UP_REQUIRED, t.title, subject_of(facts), site, body, options, TO_PERSON
    )


def build_ra5_notice(
    facts: RequiredAssessmentFacts, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """RA5: the person's notice that the follow-up requirement has ended (no reason printed)."""
    if facts.stage is not RequirementStage.INITIAL or facts.follow_up_required is not False:
        raise InvalidInput(
            "the RA5 notice is given only when the initial assessment decides no follow-up is needed"
        )
    given = facts.ra5_given_at or options.printed_at
    t = load_template("statutory/ra5_follow_up_not_required").fill(
        {
            "name": facts.display_name,
            "assessor": facts.assessor,
            "issued": uk_time(given),
            "service": site.service_name,
            "phone": site.phone,
        }
    )

    def body(styles: Styles) -> list[Flowable]:
        return [
            *paragraphs([t.one("opening")], styles),
            *boxed([t.one("ended")], styles),
            *paragraphs([t.one("help"), t.one("given"), t.one("law")], styles),
            signature_lines([t.one("signature_assessor"), t.one("signature_person")], styles),
        ]

    return render(
        DocumentKind.RA5_FOLLOW_UP_NOT_REQUIRED, t.title, subject_of(facts), site, body, options, TO_PERSON
    )


def build_ra2_notice(
    facts: RequiredAssessmentFacts, site: Letterhead, options: PrintOptions, change: int | None = None
) -> BuiltDocument:
    """RA2: the person's notice that the appointment moved (`change` is its number; default the latest)."""
    if not facts.changes:
        raise InvalidInput("no appointment change (RA2) is recorded on this assessment")
    numbers = [c.number for c in facts.changes]
    if change is not None and change not in numbers:
        raise InvalidInput(
            f"there is no RA2 change {change}; this assessment has changes {numbers[0]} to {numbers[-1]}"
        )
    chosen = facts.changes[(change or numbers[-1]) - 1]
    t = load_template("statutory/ra2_appointment_change").fill(
        {
            "name": facts.display_name,
            "stage": facts.stage.label,
            "old_when": uk_time(chosen.before.at),
            "old_place": chosen.before.place,
            "when": uk_time(chosen.after.at),
            "place": chosen.after.place,
            "issued_by": chosen.issued_by,
            "issued": uk_time(chosen.issued_at),
            "service": site.service_name,
            "phone": site.phone,
            "section": facts.stage.section,
        }
    )

    def body(styles: Styles) -> list[Flowable]:
        flow: list[Flowable] = [
            *paragraphs([t.one("opening")], styles),
            heading(t.one("new_heading"), styles),
            *_appointment_box(t, styles),
            *paragraphs([t.one("old")], styles),
        ]
        if chosen.reason:
            flow.append(facts_table([(t.one("reason_label"), chosen.reason)], styles))
        flow += paragraphs(
            [t.one("must"), t.one("warning"), t.one("cannot_come"), t.one("given"), t.one("law")], styles
        )
        flow.append(signature_lines([t.one("signature_person")], styles))
        return flow

    return render(
        DocumentKind.RA2_APPOINTMENT_CHANGE, t.title, subject_of(facts), site, body, options, TO_PERSON
    )
