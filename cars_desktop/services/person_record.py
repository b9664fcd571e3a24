"""One person's record for the person page: details, episodes and a timeline of everything recorded.

The page shows, newest first, every form (kind, status, date, author), action, referral, Naloxone
supply, appointment and document printed about the person, each with what can be done from it
(open the form it came from, amend it, print it again). Everything is read in one unit of work
from the records the signed-in user may see (`gather_person_records`), so the page never shows
more than the documents would carry; opening the record is logged once as a consultation, and the
page's live refreshes are not (the person is already on the screen).

No Qt here: the page formats these values and asks `touches_person` whether a broadcast change
is about the person on the screen.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.access import Permission, allows, may_print, may_save
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.users import Actor
from cars_desktop.forms.catalogue import FormCatalogue
from cars_desktop.resources import reference_list
from cars_desktop.services.document_facts import PersonRecords, gather_person_records
from cars_desktop.services.document_recipes import RECIPES
from cars_desktop.services.form_catalogue import workstation_catalogue
from cars_desktop.services.form_projections import PROJECTIONS, derived_id
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.print_history_repository import DocumentPrint, PrintHistoryRepository
from cars_protocol.records import (
    Action,
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    NaloxoneSupply,
    RecordBase,
    Referral,
)


class EntryKind(StrEnum):
    """What a timeline row is; the page words it and picks what can be done from it."""

    FORM = "form"
    ACTION = "action"
    REFERRAL = "referral"
    NALOXONE = "naloxone"
    APPOINTMENT = "appointment"
    DOCUMENT = "document"


ENTRY_KIND_LABELS: dict[EntryKind, str] = {
    EntryKind.FORM: "Form",
    EntryKind.ACTION: "Action",
    EntryKind.REFERRAL: "Referral",
    EntryKind.NALOXONE: "Naloxone",
    EntryKind.APPOINTMENT: "Appointment",
    EntryKind.DOCUMENT: "Document",
}

DOCUMENT_LABELS: dict[str, str] = {
    DocumentKind.REFERRAL_PROVIDER.value: "Referral letter to the provider",
    DocumentKind.REFERRAL_PERSON.value: "Referral letter (person's copy)",
    DocumentKind.APPOINTMENT_LETTER.value: "Appointment letter",
    DocumentKind.PROVIDER_CONTACT_CARD.value: "Provider contact card",
    DocumentKind.HARM_REDUCTION_ADVICE.value: "Harm-reduction advice",
    DocumentKind.NALOXONE_CHECKLIST.value: "Naloxone release checklist",
    DocumentKind.POLICE_NOTIFICATION.value: "Police notification (failure to attend or remain)",
    DocumentKind.RA2_APPOINTMENT_CHANGE.value: "RA2 change of appointment",
    DocumentKind.RA3_ATTENDANCE.value: "RA3 attendance record",
    DocumentKind.RA4_FOLLOW_UP_REQUIRED.value: "RA4 follow-up assessment required",
    DocumentKind.RA5_FOLLOW_UP_NOT_REQUIRED.value: "RA5 follow-up assessment not required",
    DocumentKind.MARAC_REFERRAL.value: "MARAC referral",
    DocumentKind.SAFEGUARDING_SUMMARY.value: "Safeguarding summary",
    DocumentKind.RELEASE_PACK.value: "Release pack",
    DocumentKind.SITE_LEAFLET.value: "Site leaflet",
}

VARIANT_LABELS = {"children": "children's services", "adults": "adults' services"}

STATUS_LABELS: dict[str, str] = {
    "draft": "Draft",
    "completed": "Completed",
    "returned": "Returned for changes",
    "approved": "Approved",
    "amended": "Amended",
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
    "pending": "Outcome awaited",
    "entered_treatment": "Entered treatment",
    "not_converted": "Did not enter treatment",
    "booked": "Booked",
    "attended": "Attended",
    "did_not_attend": "Did not attend",
}

ACTION_LABELS: dict[str, str] = {
    "safeguarding": "Safeguarding referral",
    "marac": "MARAC referral",
    "police_notification": "Police notification",
    "custody_officer_alert": "Tell the custody officer",
    "nrm": "NRM referral (first responder)",
    "liaison_and_diversion": "Liaison and diversion referral",
}


def words(code: str) -> str:
    """A stored code as words, for codes without a label of their own: "out_of_area" -> "Out of area"."""
    text = code.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def reference_name(list_name: str, code: str) -> str:
    """The name a reference list gives a code (local authority, provider, site), else the code in words."""
    try:
        return reference_list(list_name).get(code).name
    except Exception:  # an unknown or retired code still shows as something readable
        return words(code)


def document_label(history_kind: str) -> str:
    """A print-history kind ("safeguarding_summary:children") as words."""
    kind, _, variant = history_kind.partition(":")
    label = DOCUMENT_LABELS.get(kind, words(kind))
    return f"{label} ({VARIANT_LABELS.get(variant, variant)})" if variant else label


@dataclass(frozen=True)
class PersonDetails:
    """Who the person is; contact details only for roles whose work needs them."""

    person_id: uuid.UUID
    family_name: str
    given_names: str
    date_of_birth: date
    aliases: tuple[str, ...]
    local_authority: str | None
    pnc_id: str | None
    address: str | None
    postcode: str | None
    no_fixed_abode: bool
    phone: str | None
    shows_contact: bool

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


@dataclass(frozen=True)
class EpisodeSummary:
    """One detention, as the episodes list shows it."""

    episode_id: uuid.UUID
    custody_record_number: str
    site_code: str
    arrived_at: datetime
    released_at: datetime | None
    release_type: str | None
    offences: tuple[str, ...]
    trigger_offence: bool


@dataclass(frozen=True)
class TimelineEntry:
    """One row of the timeline and what can be done from it.

    `form_record_id` is the form to open (the entry itself, or the form a referral, supply,
    appointment or action came from); `document_kind`, `document_source_id` and `variant` say how
    to print a document again.
    """

    at: datetime
    kind: EntryKind
    title: str
    status: str
    author: str
    detail: str = ""
    record_id: uuid.UUID | None = None
    form_record_id: uuid.UUID | None = None
    form_id: str | None = None
    may_amend: bool = False
    may_continue: bool = False
    document_kind: str | None = None
    document_source_id: uuid.UUID | None = None
    variant: str | None = None


@dataclass(frozen=True)
class StartableForm:
    """A form the user may start for this person."""

    form_id: str
    title: str
    purpose: str


@dataclass(frozen=True)
class PrintableDocument:
    """A document that can be made from this person's records now."""

    kind: str
    title: str
    variant: str | None = None


@dataclass(frozen=True)
class PersonRecord:
    """Everything the person page shows."""

    details: PersonDetails
    episodes: tuple[EpisodeSummary, ...]
    timeline: tuple[TimelineEntry, ...]
    forms_to_start: tuple[StartableForm, ...]
    documents: tuple[PrintableDocument, ...]
    record_ids: frozenset[uuid.UUID]
    """Every record the page shows (the person's too), for the change bus."""


_FINISHED = {AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED, AssessmentStatus.AMENDED}
_CONTINUABLE = {AssessmentStatus.DRAFT, AssessmentStatus.RETURNED}


def startable_forms(actor: Actor, catalogue: FormCatalogue) -> tuple[StartableForm, ...]:
    """The latest version of every form whose record this actor may create, by title."""
    found: list[StartableForm] = []
    for form_id in catalogue.form_ids():
        spec = catalogue.latest(form_id)
        probe = Assessment(
            site_code="PROBE",
            author=actor.username,
            person_id=uuid.UUID(int=0),
            kind=AssessmentKind(spec.record_kind),
            form_id=spec.id,
            form_version=spec.version,
        )
        if may_save(actor, probe):
            found.append(StartableForm(spec.id, spec.title, spec.purpose))
    return tuple(sorted(found, key=lambda f: f.title.lower()))


def printable_documents(actor: Actor, records: PersonRecords) -> tuple[PrintableDocument, ...]:
    """Documents with a record to make them from, that this actor may print."""
    found: list[PrintableDocument] = []
    for kind, recipe in RECIPES.items():
        candidates = recipe.candidates(records)
        if not candidates or not may_print(actor, kind.value, candidates[0]):
            continue
        if kind is DocumentKind.SAFEGUARDING_SUMMARY:
            for variant in VARIANT_LABELS:
                found.append(
                    PrintableDocument(kind.value, document_label(f"{kind.value}:{variant}"), variant)
                )
        else:
            found.append(PrintableDocument(kind.value, document_label(kind.value)))
    return tuple(found)


def _derived_sources(assessments: Iterable[Assessment]) -> dict[uuid.UUID, Assessment]:
    """The form each typed record (referral, supply, appointment) was derived from, by the record's id."""
    sources: dict[uuid.UUID, Assessment] = {}
    for form in assessments:
        for record_type, _ in PROJECTIONS.get(form.form_id, []):
            sources[derived_id(form.id, record_type)] = form
    return sources


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _form_entry(form: Assessment, catalogue: FormCatalogue) -> TimelineEntry:
    try:
        title = catalogue.get(form.form_id, form.form_version).title
    except Exception:  # a version not held here still belongs on the timeline
        title = words(form.form_id)
    return TimelineEntry(
        at=form.completed_at or form.updated_at,
        kind=EntryKind.FORM,
        title=title,
        status=STATUS_LABELS.get(form.status.value, words(form.status.value)),
        author=form.author,
        detail=f"Reason for change: {form.amendment_reason}" if form.amendment_reason else "",
        record_id=form.id,
        form_record_id=form.id,
        form_id=form.form_id,
        may_amend=form.status in _FINISHED,
        may_continue=form.status in _CONTINUABLE,
    )


def _action_entry(action: Action, forms: dict[uuid.UUID, Assessment]) -> TimelineEntry:
    source = forms.get(action.source_record_id) if action.source_record_id else None
    return TimelineEntry(
        at=action.created_at,
        kind=EntryKind.ACTION,
        title=ACTION_LABELS.get(action.action_type.value, words(action.action_type.value)),
        status=STATUS_LABELS.get(action.status.value, words(action.status.value)),
        author=action.owner,
        detail=action.notes or "",
        record_id=action.id,
        form_record_id=source.id if source else None,
        form_id=source.form_id if source else None,
    )


def _sourced(
    record_id: uuid.UUID, sources: dict[uuid.UUID, Assessment]
) -> tuple[uuid.UUID | None, str | None]:
    """The form a typed record came from (its id and form id), if it is among the person's forms."""
    form = sources.get(record_id)
    return (form.id, form.form_id) if form else (None, None)


def _referral_entry(referral: Referral, sources: dict[uuid.UUID, Assessment]) -> TimelineEntry:
    detail = f"Local authority: {reference_name('local_authorities', referral.local_authority)}"
    if referral.appointment_at is not None:
        detail += "; appointment booked"
    return TimelineEntry(
        at=referral.created_at,
        kind=EntryKind.REFERRAL,
        title=f"Referral to {reference_name('providers', referral.provider_code)}",
        status=STATUS_LABELS.get(referral.outcome.value, words(referral.outcome.value)),
        author=referral.author,
        detail=detail,
        record_id=referral.id,
        form_record_id=_sourced(referral.id, sources)[0],
        form_id=_sourced(referral.id, sources)[1],
    )


def naloxone_status(supply: NaloxoneSupply) -> str:
    """Where the kit is: with the person, in custody property, or handed back on release."""
    if supply.returned_on_release:
        return "Handed back on release"
    if supply.handed_to_property:
        return "In custody property"
    return "Given to the person"


def _supply_entry(supply: NaloxoneSupply, sources: dict[uuid.UUID, Assessment]) -> TimelineEntry:
    return TimelineEntry(
        at=max(supply.created_at, _start_of(supply.supplied_on)),
        kind=EntryKind.NALOXONE,
        title=f"Naloxone kit supplied ({words(supply.product.value)}, {supply.quantity})",
        status=naloxone_status(supply),
        author=supply.author,
        detail=f"Batch {supply.batch_number}, expires {supply.expiry_date:%d/%m/%Y}",
        record_id=supply.id,
        form_record_id=_sourced(supply.id, sources)[0],
        form_id=_sourced(supply.id, sources)[1],
    )


def _appointment_entry(appointment: Appointment, sources: dict[uuid.UUID, Assessment]) -> TimelineEntry:
    reason = "Required assessment" if appointment.reason == "required_assessment" else "Voluntary"
    return TimelineEntry(
        at=appointment.starts_at,
        kind=EntryKind.APPOINTMENT,
        title=f"Appointment at {reference_name('sites', appointment.location_site_code)} ({reason.lower()})",
        status=STATUS_LABELS.get(appointment.status.value, words(appointment.status.value)),
        author=appointment.booked_by,
        detail="Booked out of hours" if appointment.out_of_hours else "",
        record_id=appointment.id,
        form_record_id=_sourced(appointment.id, sources)[0],
        form_id=_sourced(appointment.id, sources)[1],
    )


def _print_entry(item: DocumentPrint) -> TimelineEntry:
    kind, _, variant = item.kind.partition(":")
    where = "Saved to a file" if item.destination == "file" else "Printed"
    status = f"{where} (copy)" if item.copy_of else where
    try:
        source_id: uuid.UUID | None = uuid.UUID(item.source_id)
    except ValueError:
        source_id = None
    return TimelineEntry(
        at=item.printed_at,
        kind=EntryKind.DOCUMENT,
        title=document_label(item.kind),
        status=status,
        author=item.printed_by,
        detail=f"For {item.recipient}; {item.pages} page{'s' if item.pages != 1 else ''}",
        document_kind=kind,
        document_source_id=source_id,
        variant=variant or None,
    )


def build_timeline(
    records: PersonRecords, prints: Iterable[DocumentPrint], catalogue: FormCatalogue
) -> tuple[TimelineEntry, ...]:
    """Every form, action, referral, supply, appointment and print, newest first."""
    forms = {form.id: form for form in records.assessments}
    sources = _derived_sources(records.assessments)
    entries = [
        *(_form_entry(form, catalogue) for form in records.assessments),
        *(_action_entry(action, forms) for action in records.actions),
        *(_referral_entry(referral, sources) for referral in records.referrals),
        *(_supply_entry(supply, sources) for supply in records.supplies),
        *(_appointment_entry(appointment, sources) for appointment in records.appointments),
        *(_print_entry(item) for item in prints),
    ]
    return tuple(sorted(entries, key=lambda e: e.at, reverse=True))


def person_details(actor: Actor, records: PersonRecords) -> PersonDetails:
    """The person's identity; address and phone only for casework roles (need-to-know)."""
    person = records.person
    contact = allows(actor, Permission.VIEW_CASEWORK)
    return PersonDetails(
        person_id=person.id,
        family_name=person.family_name,
        given_names=person.given_names,
        date_of_birth=person.date_of_birth,
        aliases=tuple(person.aliases),
        local_authority=person.local_authority,
        pnc_id=person.pnc_id,
        address=person.address if contact else None,
        postcode=person.postcode if contact else None,
        no_fixed_abode=person.no_fixed_abode,
        phone=person.phone if contact else None,
        shows_contact=contact,
    )


def _episodes(records: PersonRecords) -> tuple[EpisodeSummary, ...]:
    ordered = sorted(records.episodes, key=lambda e: e.arrived_at, reverse=True)
    return tuple(
        EpisodeSummary(
            e.id,
            e.custody_record_number,
            e.site_code,
            e.arrived_at,
            e.released_at,
            e.release_type.value if e.release_type else None,
            tuple(e.offences),
            e.trigger_offence,
        )
        for e in ordered
    )


def load_person_record(
    session: WorkstationSession, person_id: uuid.UUID, *, log_consultation: bool = True
) -> PersonRecord:
    """The person page's content, read in one unit of work; opening it is logged as a consultation.

    Raises `RecordNotFound` for a person who does not exist or whom the user may not see.
    """
    catalogue = workstation_catalogue(session)
    with session.unit_of_work() as uow:
        records = gather_person_records(uow, session.actor, person_id)
        prints = PrintHistoryRepository(uow.session).for_person(str(person_id))
        if log_consultation:
            uow.audit(
                AuditEvent(AuditOperation.CONSULTATION, "person", str(person_id), details={"page": "person"})
            )
            uow.commit()
    groups: tuple[Iterable[RecordBase], ...] = (
        records.assessments,
        records.actions,
        records.referrals,
        records.supplies,
        records.appointments,
        records.consents,
        records.episodes,
    )
    shown = {records.person.id, *(r.id for group in groups for r in group)}
    return PersonRecord(
        details=person_details(session.actor, records),
        episodes=_episodes(records),
        timeline=build_timeline(records, prints, catalogue),
        forms_to_start=startable_forms(session.actor, catalogue),
        documents=printable_documents(session.actor, records),
        record_ids=frozenset(shown),
    )


def touches_person(
    session: WorkstationSession, person_id: uuid.UUID, record_ids: Collection[uuid.UUID]
) -> bool:
    """Whether any of these records is about the person (a new form or supply saved for them).

    Read without an audit entry: only the record's person link is compared, nothing is shown.
    """
    with session.unit_of_work() as uow:
        for record_id in record_ids:
            record = uow.records.get(record_id)
            if record is not None and (
                record.id == person_id or getattr(record, "person_id", None) == person_id
            ):
                return True
    return False
