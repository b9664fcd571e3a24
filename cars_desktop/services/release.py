"""The release checklist: what a person leaving custody should leave with, item by item.

Four things, each done or not (or not needed this time), each with the step that does it:

* Naloxone handed back: a kit supplied in this detention and put in custody property must be
  given back on release (the harm-reduction form is amended to say so). No kit, or a kit handed
  straight to the person, needs nothing.
* Appointment booked: a booked appointment, or a referral's appointment, still to come.
* Referral made: a referral into treatment made since the person arrived.
* Release pack printed: the print history holds a release pack printed since the person arrived.

`compute_checklist` is the rule, on records already read (tested without a store);
`release_checklist` reads the records, and `people_in_custody` lists who is in custody at this
site today, to choose from. No Qt here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.access import Permission, may_view, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.custody import LONGEST_DETENTION
from cars_desktop.services.document_facts import PersonRecords, gather_person_records
from cars_desktop.services.form_projections import derived_id
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.lookup_repository import LookupRepository
from cars_desktop.storage.print_history_repository import DocumentPrint, PrintHistoryRepository
from cars_protocol.records import (
    AppointmentStatus,
    CustodyEpisode,
    NaloxoneSupply,
    Person,
    utc_now,
)

UK = ZoneInfo("Europe/London")


class ItemId(StrEnum):
    NALOXONE = "naloxone"
    APPOINTMENT = "appointment"
    REFERRAL = "referral"
    PACK = "pack"


class StepKind(StrEnum):
    """What the item's button does: start a form, amend a form, or preview a document."""

    START_FORM = "start_form"
    AMEND_FORM = "amend_form"
    PREVIEW = "preview"


@dataclass(frozen=True)
class Step:
    """The button beside an item: what it says and what it opens."""

    label: str
    kind: StepKind
    form_id: str | None = None
    record_id: uuid.UUID | None = None
    document_kind: str | None = None


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the checklist; `done` is None when the item is not needed this time."""

    item: ItemId
    label: str
    done: bool | None
    detail: str
    step: Step | None

    @property
    def state_text(self) -> str:
        """Done, not done or not needed, in words (the page never relies on colour alone)."""
        if self.done is None:
            return "Not needed"
        return "Done" if self.done else "Not done"


@dataclass(frozen=True)
class ReleaseChecklist:
    """The checklist for one person, with who they are and the detention it is for."""

    person_id: uuid.UUID
    person_name: str
    date_of_birth: date
    custody_record_number: str | None
    arrived_at: datetime | None
    items: tuple[ChecklistItem, ...]
    record_ids: frozenset[uuid.UUID]
    """Every record read, for the change bus."""

    @property
    def outstanding(self) -> tuple[ChecklistItem, ...]:
        """Items still to do."""
        return tuple(i for i in self.items if i.done is False)


@dataclass(frozen=True)
class InCustody:
    """Someone in custody at this site today, to choose from."""

    person_id: uuid.UUID
    person_name: str
    date_of_birth: date
    custody_record_number: str
    arrived_at: datetime
    released_at: datetime | None


PACK_STEP = Step("Print release pack…", StepKind.PREVIEW, document_kind=DocumentKind.RELEASE_PACK.value)


def _uk(moment: datetime) -> str:
    local = moment.astimezone(UK)
    return f"{local:%d/%m/%Y} at {local:%H:%M}"


def _start_of_uk_day(moment: datetime) -> datetime:
    local = moment.astimezone(UK)
    return datetime.combine(local.date(), time(), tzinfo=UK)


def current_episode(records: PersonRecords) -> CustodyEpisode | None:
    """The latest detention (the one the person is leaving)."""
    return max(records.episodes, key=lambda e: e.arrived_at, default=None)


def _supplied_this_time(
    records: PersonRecords, since: datetime, episode: CustodyEpisode | None
) -> NaloxoneSupply | None:
    for supply in records.supplies:  # newest first
        if episode is not None and supply.episode_id == episode.id:
            return supply
        if supply.supplied_on >= since.astimezone(UK).date():
            return supply
    return None


def _naloxone_item(records: PersonRecords, since: datetime, episode: CustodyEpisode | None) -> ChecklistItem:
    label = "Naloxone handed back"
    supply = _supplied_this_time(records, since, episode)
    if supply is None:
        return ChecklistItem(
            ItemId.NALOXONE, label, None, "No Naloxone kit was supplied in this detention.", None
        )
    if not supply.handed_to_property:
        return ChecklistItem(
            ItemId.NALOXONE, label, None, "The kit was given to the person, not put in property.", None
        )
    if supply.returned_on_release:
        return ChecklistItem(
            ItemId.NALOXONE, label, True, "The kit in custody property was handed back.", None
        )
    form = next(
        (f for f in records.assessments if derived_id(f.id, NaloxoneSupply.record_type) == supply.id), None
    )
    step = (
        Step("Record kit handed back…", StepKind.AMEND_FORM, form_id=form.form_id, record_id=form.id)
        if form is not None
        else None
    )
    detail = "The kit is in custody property: give it back and record it on the harm-reduction form."
    return ChecklistItem(ItemId.NALOXONE, label, False, detail, step)


def _appointment_item(records: PersonRecords, now: datetime) -> ChecklistItem:
    label = "Appointment booked"
    times = [
        a.starts_at
        for a in records.appointments
        if a.status is AppointmentStatus.BOOKED and a.starts_at >= now
    ]
    times += [
        r.appointment_at
        for r in records.referrals
        if r.appointment_at is not None and r.appointment_at >= now
    ]
    if times:
        return ChecklistItem(ItemId.APPOINTMENT, label, True, f"Next appointment: {_uk(min(times))}.", None)
    step = Step("Book appointment…", StepKind.START_FORM, form_id="out_of_hours_booking")
    return ChecklistItem(ItemId.APPOINTMENT, label, False, "No appointment to come is booked.", step)


def _referral_item(records: PersonRecords, since: datetime) -> ChecklistItem:
    label = "Referral made"
    made = [r for r in records.referrals if r.created_at >= since]
    if made:
        newest = max(made, key=lambda r: r.created_at)
        return ChecklistItem(ItemId.REFERRAL, label, True, f"Referral made {_uk(newest.created_at)}.", None)
    step = Step("Make referral…", StepKind.START_FORM, form_id="referral")
    return ChecklistItem(ItemId.REFERRAL, label, False, "No referral into treatment in this detention.", step)


def _pack_item(prints: Iterable[DocumentPrint], since: datetime) -> ChecklistItem:
    label = "Release pack printed"
    packs = [p for p in prints if p.kind == DocumentKind.RELEASE_PACK.value and p.printed_at >= since]
    if packs:
        newest = max(packs, key=lambda p: p.printed_at)
        how = "saved to a file" if newest.destination == "file" else "printed"
        return ChecklistItem(
            ItemId.PACK, label, True, f"Release pack {how} {_uk(newest.printed_at)}.", PACK_STEP
        )
    return ChecklistItem(ItemId.PACK, label, False, "The release pack has not been printed.", PACK_STEP)


def compute_checklist(
    records: PersonRecords, prints: Sequence[DocumentPrint], now: datetime
) -> ReleaseChecklist:
    """The checklist for the person's latest detention (or, with none recorded, for today)."""
    episode = current_episode(records)
    since = episode.arrived_at if episode is not None else _start_of_uk_day(now)
    person: Person = records.person
    items = (
        _naloxone_item(records, since, episode),
        _appointment_item(records, now),
        _referral_item(records, since),
        _pack_item(prints, since),
    )
    ids = {person.id, *(e.id for e in records.episodes), *(s.id for s in records.supplies)}
    ids |= {a.id for a in records.appointments} | {r.id for r in records.referrals}
    ids |= {a.id for a in records.assessments}
    return ReleaseChecklist(
        person_id=person.id,
        person_name=f"{person.given_names} {person.family_name}",
        date_of_birth=person.date_of_birth,
        custody_record_number=episode.custody_record_number if episode else None,
        arrived_at=episode.arrived_at if episode else None,
        items=items,
        record_ids=frozenset(ids),
    )


def release_checklist(
    session: WorkstationSession,
    person_id: uuid.UUID,
    *,
    log_consultation: bool = True,
    now: datetime | None = None,
) -> ReleaseChecklist:
    """Read the person's records and print history and work out the checklist (a consultation)."""
    require(session.actor, Permission.VIEW_CASEWORK, "see the release checklist")
    with session.unit_of_work() as uow:
        records = gather_person_records(uow, session.actor, person_id)
        prints = PrintHistoryRepository(uow.session).for_person(str(person_id))
        if log_consultation:
            uow.audit(
                AuditEvent(AuditOperation.CONSULTATION, "person", str(person_id), details={"page": "release"})
            )
            uow.commit()
    return compute_checklist(records, prints, now or utc_now())


def in_custody_today(episode: CustodyEpisode, site_code: str, now: datetime) -> bool:
    """Whether a detention is on today's list: at this site, still held, or arrived or released today."""
    if episode.site_code != site_code or not episode.is_live:
        return False
    today = _start_of_uk_day(now)
    if episode.released_at is None:
        return episode.arrived_at >= now - LONGEST_DETENTION
    return episode.released_at >= today or episode.arrived_at >= today


def people_in_custody(session: WorkstationSession, now: datetime | None = None) -> list[InCustody]:
    """Everyone in custody at this site today (still held, or arrived or released today), newest first.

    Reading the list of names is logged as one consultation with the number shown.
    """
    require(session.actor, Permission.VIEW_PEOPLE, "see who is in custody")
    moment = now or utc_now()
    # Everyone on today's list arrived (so was recorded) at most the longest detention before today
    # began: only detentions recorded since then are read.
    recorded_since = min(_start_of_uk_day(moment), moment) - LONGEST_DETENTION
    with session.unit_of_work() as uow:
        episodes = [
            e
            for e in LookupRepository(uow.session).created_since(["custody_episode"], recorded_since)
            if isinstance(e, CustodyEpisode) and in_custody_today(e, session.site_code, moment)
        ]
        latest: dict[uuid.UUID, CustodyEpisode] = {}
        for episode in episodes:
            held = latest.get(episode.person_id)
            if held is None or episode.arrived_at > held.arrived_at:
                latest[episode.person_id] = episode
        found: list[InCustody] = []
        for person_id, episode in latest.items():
            person = uow.records.get(person_id)
            if isinstance(person, Person) and person.is_live and may_view(session.actor, person):
                found.append(
                    InCustody(
                        person_id,
                        f"{person.given_names} {person.family_name}",
                        person.date_of_birth,
                        episode.custody_record_number,
                        episode.arrived_at,
                        episode.released_at,
                    )
                )
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                "person",
                details={"list": "in_custody_today", "results": len(found)},
            )
        )
        uow.commit()
    return sorted(found, key=lambda p: p.arrived_at, reverse=True)
