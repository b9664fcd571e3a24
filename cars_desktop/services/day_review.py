"""The supervisor's day review: a day's assessments at chosen sites, approved or returned, then signed off.

A decision is a `ReviewDecision` on the exact revision the supervisor read, saved with the
assessment's next revision carrying the new status (approved, or returned for the worker to act
on: a returned form is editable again and shows on the worker's Today). Both go in one transaction,
so a decision never exists without the status it set. A supervisor does not review their own work.

Signing off a day at a site says every finished assessment of that day there has been reviewed;
it is refused while any waits. It is a synced `DaySignOff` record (one per day, site, supervisor
and workstation, with an id derived from them, so it is idempotent and can never conflict), so
every supervisor's workstation and the server see who signed off and when; and it is audited.
Sign-offs made by an earlier build were kept only as store facts; they are still shown.

Workstation sync health and over-booked slots come from the central server; offline, the calls
raise `ServerUnreachable` and the page says they are not available.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import httpx

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput, NotPermitted, RecordNotFound
from cars_desktop.services.booking_slots import UK
from cars_desktop.services.records import save_records
from cars_desktop.services.sync import server_client, sign_in
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.record_window import records_updated_between
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    DaySignOff,
    Person,
    RecordBase,
    ReviewDecision,
    utc_now,
)
from cars_protocol.sync import OverbookedSlot, WorkstationStatus

#: Assessments in the KPI sense: the forms a supervisor reviews.
REVIEWED_KINDS = frozenset(
    {
        AssessmentKind.REQUIRED_INITIAL,
        AssessmentKind.REQUIRED_FOLLOW_UP,
        AssessmentKind.LIFESTYLE,
        AssessmentKind.VULNERABILITY,
        AssessmentKind.COURT_SUITABILITY,
    }
)
#: Statuses waiting for a decision.
WAITING = frozenset({AssessmentStatus.COMPLETED, AssessmentStatus.AMENDED})
#: Store facts of sign-offs made before they were synced records (read, never written now).
_SIGN_OFF_KEY = "day_signed_off:{day}:{site}"
#: Namespace of sign-off ids: uuid5 of "day:site:supervisor:workstation".
SIGN_OFF_NAMESPACE = uuid.UUID("5b0c9f52-8f0e-4c55-9a52-1d6c2c1e7f3a")


@dataclass(frozen=True)
class ReviewRow:
    """One assessment of the day as the review table shows it."""

    assessment_id: uuid.UUID
    revision: int
    person_id: uuid.UUID
    person_name: str
    worker: str
    kind: AssessmentKind
    status: AssessmentStatus
    site_code: str
    at: datetime
    form_id: str

    @property
    def waiting(self) -> bool:
        """Finished and not yet approved or returned."""
        return self.status in WAITING


@dataclass(frozen=True)
class SignOff:
    """Who signed off the day at a site, and when (`by` is the user name, `by_name` as people read it)."""

    site_code: str
    by: str
    at: datetime
    by_name: str = ""

    @property
    def label(self) -> str:
        """ "Signed off by Ria Supervisor at 26/11/2026 18:05" (UK local time)."""
        local = self.at.astimezone(UK)
        return f"Signed off by {self.by_name or self.by} at {local:%d/%m/%Y %H:%M}"


@dataclass(frozen=True)
class DayReview:
    """A day's assessments at the chosen sites and any sign-offs already made."""

    day: date
    sites: tuple[str, ...]
    rows: tuple[ReviewRow, ...]
    sign_offs: tuple[SignOff, ...]

    @property
    def waiting(self) -> int:
        return sum(1 for row in self.rows if row.waiting)

    @property
    def signed_off(self) -> bool:
        """Every chosen site is signed off for the day (by anyone)."""
        return {s.site_code for s in self.sign_offs} >= set(self.sites)

    def signed_off_by(self, username: str) -> bool:
        """This supervisor has signed off every chosen site (another may still add theirs)."""
        return {s.site_code for s in self.sign_offs if s.by == username} >= set(self.sites)


@dataclass(frozen=True)
class Reviewed:
    """What a decision saved, for the change bus."""

    decisions: tuple[ReviewDecision, ...]
    changes: Changes


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), UK)
    return start, datetime.combine(day + timedelta(days=1), time(0), UK)


def _sites(sites: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(sorted(set(sites)))
    if not chosen:
        raise InvalidInput("choose at least one site")
    return chosen


def day_assessments(session: WorkstationSession, day: date, sites: Iterable[str]) -> DayReview:
    """Every assessment finished (or started, for drafts) on `day` (UK) at these sites.

    Listing is a consultation of each assessment shown (logged by id).
    """
    require(session.actor, Permission.REVIEW_CASEWORK, "review the day's work")
    chosen = _sites(sites)
    start, end = _day_bounds(day)
    rows: list[ReviewRow] = []
    with session.unit_of_work() as uow:
        names: dict[uuid.UUID, str] = {}
        for record in records_updated_between(uow.session, Assessment.record_type, start):
            if not (
                isinstance(record, Assessment)
                and record.is_live
                and record.kind in REVIEWED_KINDS
                and record.site_code in chosen
            ):
                continue
            at = record.completed_at or record.created_at
            if not start <= at < end:
                continue
            if record.person_id not in names:
                person = uow.records.get(record.person_id)
                names[record.person_id] = (
                    f"{person.family_name.upper()}, {person.given_names}"
                    if isinstance(person, Person)
                    else "(person not held here)"
                )
            rows.append(
                ReviewRow(
                    record.id,
                    record.revision,
                    record.person_id,
                    names[record.person_id],
                    record.author,
                    record.kind,
                    record.status,
                    record.site_code,
                    at,
                    record.form_id,
                )
            )
        sign_offs = _sign_offs(uow, day, chosen)
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                "assessment",
                details={"list": "day_review", "day": day.isoformat(), "count": len(rows)},
            )
        )
        uow.commit()
    rows.sort(key=lambda r: (r.worker, r.at))
    return DayReview(day, chosen, tuple(rows), tuple(sign_offs))


def _sign_offs(uow: UnitOfWork, day: date, sites: tuple[str, ...]) -> list[SignOff]:
    """Every sign-off of the day at these sites held here (synced records, then old store facts)."""
    found: list[SignOff] = []
    # A day is signed off once it has begun, so its sign-offs were all saved since it began.
    for record in records_updated_between(uow.session, DaySignOff.record_type, _day_bounds(day)[0]):
        if (
            isinstance(record, DaySignOff)
            and record.is_live
            and record.day == day
            and record.signed_off_site in sites
        ):
            by = record.signed_off_by_name
            found.append(SignOff(record.signed_off_site, record.author, record.created_at, by))
    for site in sites:
        raw = uow.meta.get(_SIGN_OFF_KEY.format(day=day.isoformat(), site=site))
        if raw:
            fact = json.loads(raw)
            found.append(SignOff(site, fact["by"], datetime.fromisoformat(fact["at"])))
    found.sort(key=lambda s: (s.site_code, s.at))
    return found


def sign_off_id(day: date, site_code: str, username: str, workstation_id: str) -> uuid.UUID:
    """The id of one supervisor's sign-off of a day at a site from one workstation."""
    return uuid.uuid5(SIGN_OFF_NAMESPACE, f"{day.isoformat()}:{site_code}:{username}:{workstation_id}")


def _decide(
    session: WorkstationSession,
    items: Sequence[tuple[uuid.UUID, int]],
    decision: AssessmentStatus,
    comment: str | None,
) -> Reviewed:
    require(session.actor, Permission.REVIEW_CASEWORK, "approve or return assessments")
    if not items:
        raise InvalidInput("choose at least one assessment")
    to_save: list[RecordBase] = []
    with session.unit_of_work() as uow:
        for assessment_id, revision in items:
            record = uow.records.get(assessment_id)
            if not isinstance(record, Assessment) or not record.is_live:
                raise RecordNotFound("that assessment is no longer on record")
            if record.revision != revision:
                raise InvalidInput(
                    "an assessment was changed since the list was shown; refresh and look again"
                )
            if record.status not in WAITING:
                raise InvalidInput(
                    "only completed assessments waiting for review can be approved or returned"
                )
            if record.author == session.user.username:
                raise NotPermitted("you cannot review your own work; another supervisor must")
            to_save.append(record.model_copy(update={"status": decision}))
            to_save.append(
                ReviewDecision(
                    site_code=session.site_code,
                    author=session.user.username,
                    assessment_id=record.id,
                    assessment_revision=record.revision,
                    decision="approved" if decision is AssessmentStatus.APPROVED else "returned",
                    comment=comment,
                )
            )
    saved = save_records(session, to_save)
    return Reviewed(tuple(r for r in saved.records if isinstance(r, ReviewDecision)), saved.changes)


def approve(session: WorkstationSession, items: Sequence[tuple[uuid.UUID, int]]) -> Reviewed:
    """Approve one or more assessments, each at the revision the supervisor read (all or none)."""
    return _decide(session, items, AssessmentStatus.APPROVED, None)


def return_for_changes(
    session: WorkstationSession, assessment_id: uuid.UUID, revision: int, comment: str
) -> Reviewed:
    """Send an assessment back to its worker with a comment they can act on."""
    if len(comment.strip()) < 5:
        raise InvalidInput("say what the worker must change (a few words at least)")
    return _decide(session, [(assessment_id, revision)], AssessmentStatus.RETURNED, comment.strip())


def sign_off_day(session: WorkstationSession, day: date, sites: Iterable[str]) -> tuple[SignOff, ...]:
    """Sign off the day at these sites once nothing waits for review; synced, audited, idempotent.

    Returns this supervisor's sign-offs of the chosen sites (ones already made are not made again).
    """
    if day > utc_now().astimezone(UK).date():
        raise InvalidInput("a day can be signed off only once it has begun; choose today or an earlier day")
    review = day_assessments(session, day, sites)
    if review.waiting:
        count = review.waiting
        raise InvalidInput(
            f"{count} assessment{'s' if count != 1 else ''} still wait{'s' if count == 1 else ''} "
            "for review; approve or return them first"
        )
    username = session.user.username
    already = {s.site_code: s for s in review.sign_offs if s.by == username}
    to_save: list[RecordBase] = []
    with session.unit_of_work() as uow:
        for site in review.sites:
            record_id = sign_off_id(day, site, username, session.actor.workstation_id)
            if site in already or uow.records.get(record_id) is not None:
                continue
            to_save.append(
                DaySignOff(
                    id=record_id,
                    site_code=session.site_code,
                    author=username,
                    day=day,
                    signed_off_site=site,
                    signed_off_by_name=session.user.display_name,
                    assessments=sum(1 for row in review.rows if row.site_code == site),
                )
            )
    if to_save:
        saved = save_records(session, to_save)
        with session.unit_of_work() as uow:
            uow.audit(
                AuditEvent(
                    AuditOperation.ADMINISTRATION,
                    details={
                        "action": "day_signed_off",
                        "day": day.isoformat(),
                        "sites": [r.signed_off_site for r in saved.records if isinstance(r, DaySignOff)],
                        "assessments": len(review.rows),
                    },
                )
            )
            uow.commit()
    with session.unit_of_work() as uow:
        mine = [s for s in _sign_offs(uow, day, review.sites) if s.by == username]
    return tuple(mine)


def workstation_statuses(session: WorkstationSession, http: httpx.Client) -> list[WorkstationStatus]:
    """Unsent work per workstation at the supervisor's sites, from the central server."""
    require(session.actor, Permission.REVIEW_CASEWORK, "see workstations' sync status")
    client = server_client(session, http)
    sign_in(session, client)
    return client.workstations()


def overbooked_slots(session: WorkstationSession, http: httpx.Client) -> list[OverbookedSlot]:
    """Appointment slots holding more bookings than they should, waiting to be rebooked."""
    require(session.actor, Permission.REVIEW_CASEWORK, "see over-booked appointment slots")
    client = server_client(session, http)
    sign_in(session, client)
    return client.overbooked_slots()
