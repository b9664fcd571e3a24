"""Today at this site: who is in custody or listed at court, and what each person needs next.

The list is computed from the records, never stored: a person is on it when one of their custody
episodes at this site arrived today (UK local day) or has not been released yet (within the longest
lawful detention, `LONGEST_DETENTION`), or when a court-list entry puts them in this court today.

What a person needs next, most pressing first:

* work returned by a supervisor (an assessment returned, or a "returned" review decision on its
  current revision);
* a positive test to follow up (a positive drug test in the episode and no required initial
  assessment started for it);
* a required assessment due (a required-assessment appointment booked for today);
* an assessment in draft;
* a referral to make (an assessment in the episode that calls for one, and no referral since);
* a release pack to print (released, with a Naloxone kit or an appointment from this episode, and no
  release pack printed since arrival).

Reading uses `LookupRepository.created_since` (the records index) and one query per person listed,
so the page fills in well under a second over a year of a busy block's records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cars_desktop.domain.access import Permission, may_view, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.custody import LONGEST_DETENTION
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.lookup_repository import LookupRepository
from cars_desktop.storage.print_history_repository import PrintHistoryRepository
from cars_protocol.records import (
    Appointment,
    AppointmentStatus,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    CourtListEntry,
    CustodyEpisode,
    DrugTest,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
    ReviewDecision,
)

COURT_LIST_WINDOW = timedelta(days=14)  # court lists are imported up to two weeks ahead
REVIEW_WINDOW = timedelta(days=60)  # returned work older than this is the supervisor's to chase
RELEASE_PACK = "release_pack"  # `documents.DocumentKind.RELEASE_PACK` as the print history keys it


def uk_zone() -> ZoneInfo | None:
    """Europe/London, or None (the machine's zone) where the time-zone database is missing."""
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:
        return None


def uk_today(now: datetime | None = None) -> date:
    """Today's date in the UK."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(uk_zone()).date()


def uk_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a UK local day (23 or 25 hours long at the clock changes)."""
    zone = uk_zone()
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


class Need(StrEnum):
    """What a listed person needs next; the order is how pressing it is."""

    RETURNED = "returned"
    TEST_FOLLOW_UP = "test_follow_up"
    REQUIRED_ASSESSMENT_DUE = "required_assessment_due"
    DRAFT = "draft"
    REFERRAL = "referral"
    RELEASE_PACK = "release_pack"

    @property
    def label(self) -> str:
        """The words shown on Today."""
        return NEED_LABELS[self]


NEED_LABELS: dict[Need, str] = {
    Need.RETURNED: "Returned work to correct",
    Need.TEST_FOLLOW_UP: "Positive test to follow up",
    Need.REQUIRED_ASSESSMENT_DUE: "Required assessment due",
    Need.DRAFT: "Assessment in draft",
    Need.REFERRAL: "Referral to make",
    Need.RELEASE_PACK: "Release pack to print",
}
NEED_ORDER = list(Need)


class Place(StrEnum):
    CUSTODY = "custody"
    COURT = "court"


@dataclass(frozen=True)
class TodayEntry:
    """One person on Today, with the episode or court listing that put them there."""

    person_id: uuid.UUID
    family_name: str
    given_names: str
    date_of_birth: date
    pnc_id: str | None
    place: Place
    at: datetime  # arrival in custody, or the hearing time (UTC)
    source_id: uuid.UUID  # the custody episode or court-list entry
    custody_record_number: str | None = None
    courtroom: str | None = None
    released_at: datetime | None = None
    needs: tuple[Need, ...] = ()

    @property
    def name(self) -> str:
        """Family name first, as custody lists show it."""
        return f"{self.family_name.upper()}, {self.given_names}"


@dataclass(frozen=True)
class PersonFacts:
    """What the needs are computed from: one person's records and the release packs printed."""

    records: Sequence[RecordBase]
    reviews: Sequence[ReviewDecision]
    packs_printed: Sequence[datetime]


_REFERRAL_FORMS = {
    AssessmentKind.LIFESTYLE,
    AssessmentKind.REQUIRED_INITIAL,
    AssessmentKind.REQUIRED_FOLLOW_UP,
}
_FINISHED = {AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED, AssessmentStatus.AMENDED}


def _calls_for_referral(form: Assessment) -> bool:
    answers = form.answers
    if form.kind is AssessmentKind.LIFESTYLE:
        steps = answers.get("next_steps")
        return isinstance(steps, list) and "referral" in steps and answers.get("consent_to_share") == "yes"
    if form.kind is AssessmentKind.REQUIRED_INITIAL:
        return answers.get("benefit_from_help") == "yes" and answers.get("remained") == "yes"
    return answers.get("referrals_made") == "yes"


def needs_for(
    facts: PersonFacts, episode: CustodyEpisode | None, today: date, *, since: datetime
) -> tuple[Need, ...]:
    """What one person needs next, most pressing first (pure: the rules of the module docstring).

    `episode` is the custody episode that put them on Today (None for a court listing); `since` is
    when this contact began (arrival, or the start of the hearing day), for "since" rules.
    """
    live = [r for r in facts.records if r.is_live]
    forms = [r for r in live if isinstance(r, Assessment)]
    needs: set[Need] = set()
    returned_ids = {
        d.assessment_id
        for d in facts.reviews
        if d.decision == "returned"
        and any(f.id == d.assessment_id and f.revision == d.assessment_revision for f in forms)
    }
    if any(f.status is AssessmentStatus.RETURNED or f.id in returned_ids for f in forms):
        needs.add(Need.RETURNED)
    if any(
        f.status is AssessmentStatus.DRAFT and f.kind is not AssessmentKind.CUSTODY_ARRIVAL for f in forms
    ):
        needs.add(Need.DRAFT)
    start, end = uk_day_bounds(today)
    if any(
        isinstance(r, Appointment)
        and r.reason == "required_assessment"
        and r.status is AppointmentStatus.BOOKED
        and start <= r.starts_at < end
        for r in live
    ):
        needs.add(Need.REQUIRED_ASSESSMENT_DUE)
    if episode is not None:
        in_episode = [f for f in forms if f.episode_id == episode.id]
        positive = any(
            isinstance(r, DrugTest) and r.episode_id == episode.id and r.any_positive for r in live
        )
        # A required assessment started from the person record carries no episode: one started
        # since this arrival follows the test up too.
        started_ra = any(
            f.kind is AssessmentKind.REQUIRED_INITIAL and (f in in_episode or f.created_at >= since)
            for f in forms
        )
        if positive and not started_ra:
            needs.add(Need.TEST_FOLLOW_UP)
        supplied = any(
            isinstance(r, NaloxoneSupply) and (r.episode_id == episode.id or r.created_at >= since)
            for r in live
        )
        booked = any(
            isinstance(r, Appointment) and r.status is AppointmentStatus.BOOKED and r.created_at >= since
            for r in live
        )
        pack_printed = any(at >= since for at in facts.packs_printed)
        if episode.released_at is not None and (supplied or booked) and not pack_printed:
            needs.add(Need.RELEASE_PACK)
    recent = [f for f in forms if f.status in _FINISHED and (f.completed_at or f.updated_at) >= since]
    if episode is not None:
        recent += [
            f for f in forms if f.status in _FINISHED and f.episode_id == episode.id and f not in recent
        ]
    for form in recent:
        if form.kind in _REFERRAL_FORMS and _calls_for_referral(form):
            done_at = form.completed_at or form.updated_at
            if not any(isinstance(r, Referral) and r.created_at >= done_at for r in live):
                needs.add(Need.REFERRAL)
    return tuple(n for n in NEED_ORDER if n in needs)


def _entries_on_list(
    session: WorkstationSession, lookups: LookupRepository, today: date, now: datetime
) -> list[tuple[CustodyEpisode | CourtListEntry, datetime]]:
    start, end = uk_day_bounds(today)
    listed: list[tuple[CustodyEpisode | CourtListEntry, datetime]] = []
    for record in lookups.created_since([CustodyEpisode.record_type], min(start, now) - LONGEST_DETENTION):
        if not isinstance(record, CustodyEpisode) or record.site_code != session.site_code:
            continue
        arrived_today = start <= record.arrived_at < end
        still_held = record.released_at is None and now - record.arrived_at <= LONGEST_DETENTION
        if arrived_today or still_held:
            listed.append((record, record.arrived_at))
    for record in lookups.created_since([CourtListEntry.record_type], start - COURT_LIST_WINDOW):
        if not isinstance(record, CourtListEntry) or record.site_code != session.site_code:
            continue
        if start <= record.hearing_at < end:
            listed.append((record, start))
    return listed


def load_today(
    session: WorkstationSession, today: date | None = None, now: datetime | None = None
) -> list[TodayEntry]:
    """Everyone in custody or listed at court at this site today, earliest first, with their needs.

    Logged as one consultation naming how many people were listed.
    """
    require(session.actor, Permission.VIEW_CASEWORK, "see today's list")
    now = now or datetime.now(UTC)
    today = today or uk_today(now)
    with session.unit_of_work() as uow:
        lookups = LookupRepository(uow.session)
        listed = _entries_on_list(session, lookups, today, now)
        reviews = [
            r
            for r in lookups.created_since([ReviewDecision.record_type], now - REVIEW_WINDOW)
            if isinstance(r, ReviewDecision)
        ]
        prints = PrintHistoryRepository(uow.session)
        people = {p.id: p for p in lookups.people({r.person_id for r, _ in listed})}
        facts: dict[uuid.UUID, PersonFacts] = {}
        entries: list[TodayEntry] = []
        for record, since in listed:
            person_id = record.person_id
            person = people.get(person_id)
            if person is None or not person.is_live:
                continue  # merged away: the survivor's own listing shows them
            if person_id not in facts:
                facts[person_id] = _facts(session, uow.records.for_person(person_id), reviews, prints, person)
            entries.append(_entry(person, record, since, facts[person_id], today))
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                "person",
                details={"search": "today", "results": len(entries)},
            )
        )
        uow.commit()
    entries.sort(key=lambda e: (e.at, e.family_name.casefold()))
    return entries


def _facts(
    session: WorkstationSession,
    records: Iterable[RecordBase],
    reviews: Sequence[ReviewDecision],
    prints: PrintHistoryRepository,
    person: Person,
) -> PersonFacts:
    visible = [r for r in records if may_view(session.actor, r)]
    form_ids = {r.id for r in visible if isinstance(r, Assessment)}
    packs = [p.printed_at for p in prints.for_person(str(person.id)) if p.kind == RELEASE_PACK]
    return PersonFacts(visible, [d for d in reviews if d.assessment_id in form_ids], packs)


def _entry(
    person: Person, record: CustodyEpisode | CourtListEntry, since: datetime, facts: PersonFacts, today: date
) -> TodayEntry:
    base = {
        "person_id": person.id,
        "family_name": person.family_name,
        "given_names": person.given_names,
        "date_of_birth": person.date_of_birth,
        "pnc_id": person.pnc_id,
        "source_id": record.id,
    }
    if isinstance(record, CustodyEpisode):
        return TodayEntry(
            **base,  # type: ignore[arg-type]
            place=Place.CUSTODY,
            at=record.arrived_at,
            custody_record_number=record.custody_record_number,
            released_at=record.released_at,
            needs=needs_for(facts, record, today, since=since),
        )
    return TodayEntry(
        **base,  # type: ignore[arg-type]
        place=Place.COURT,
        at=record.hearing_at,
        courtroom=record.courtroom,
        needs=needs_for(facts, None, today, since=since),
    )
