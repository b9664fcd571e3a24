"""Realistic synthetic casework for demos, tests and benchmarks (invented people only).

Every piece of casework is a real form: each custody episode comes from a completed custody arrival
form (with its drug test), and every assessment, referral, referral outcome, Naloxone supply,
out-of-hours booking, consent record and case closure is a completed form of the latest shipped
version (about 5% of assessments, referrals, supplies, bookings and consents are left as drafts,
and so is any form whose appointment has not come yet). Completed forms bring the actions their
rules create and the typed records their projections derive, built by the same function the form
services use (`completed_form_records`), so the seeded store looks like one filled in by hand.

Proportions follow DOMAIN.md §8 (CARS 2022/23), measured on completed forms:

* about 27% as many assessments (required initial and follow-up, lifestyle, vulnerability, court
  suitability) as people engaged;
* about 63% of assessments are statutory (required initial or follow-up);
* about 40% as many referrals into treatment as assessments;
* about 40% of referrals end in treatment (the rest did not convert, or are still pending).

These hold for the default 30-day window. Follow-up assessments and referral outcomes come days or
weeks after the event, so a short window has fewer of them (the last days' are still to come) and
a window of a year or more somewhat more (about 30% assessed, 68% statutory, 45% into treatment).

Answers vary as in `seed_forms` (AUDIT-C of 5 or more in about a third of lifestyle assessments,
about a quarter of opiate users injecting, 85% / 10% / 5% attend-and-stay / fail to attend / fail
to remain for required assessments, plausible vulnerability findings). Forms are built in memory
without a service round trip per record and saved through `save_records` in batches, so 100,000
people take minutes. The same seed and end date give the same people, ids and answers.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.catalogue import FormCatalogue, shipped_catalogue
from cars_desktop.forms.computed import with_computed
from cars_desktop.forms.spec import FormSpec
from cars_desktop.services.form_projections import (
    FormRecords,
    MemoryRecords,
    ProjectionContext,
    author_role,
    completed_form_records,
    derived_id,
)
from cars_desktop.services.records import save_records
from cars_desktop.services.seed_forms import (
    GENERATORS,
    STAFF,
    Generated,
    Occasion,
    Profile,
    chance,
    custody_record_number,
    end_of,
    invent_profile,
    pick,
    sites,
)
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import (
    ActionType,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    CustodyEpisode,
    DrugResult,
    DrugTest,
    Person,
    RecordBase,
    Referral,
    ReferralOutcome,
    ReleaseType,
    Role,
    Sex,
)

POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# How often each step happens (calibrated so the proportions above come out; see the tests).
P_REQUIRED = 0.32  # a required assessment is imposed after a positive test
P_LIFESTYLE = 0.048  # a lifestyle assessment on a cell sweep (episodes without a required assessment)
P_VULNERABILITY_WITH_LIFESTYLE = 0.3
P_VULNERABILITY_WITH_REQUIRED = 0.1
P_COURT = 0.012  # a person's last episode leads to a court suitability assessment
P_REFERRAL_LIFESTYLE = 0.85  # of lifestyle assessments with problem use and consent to share
P_REFERRAL_REQUIRED = 0.85  # of initial assessments finding dependency or propensity and benefit
P_REFERRAL_COURT = 0.4  # of court assessments recommending a requirement
P_OUTCOME_KNOWN = 0.9  # an outcome is confirmed for a referral (if its date has come)
P_CLOSURE_AFTER_TREATMENT = 0.4
P_HARM_REDUCTION_OPIATES = 0.6
P_HARM_REDUCTION_OTHERS = 0.03
P_CONSENT_FORM = 0.6  # a consent record beside a lifestyle assessment with consent to share
P_CONSENT_FOR_FINDING = 0.5  # sharing without consent after a safeguarding or MARAC finding
P_OUT_OF_HOURS = 0.05  # a booking by custody staff for a person released out of hours, unassessed
P_DRAFT = 0.05

STATUTORY = frozenset({AssessmentKind.REQUIRED_INITIAL, AssessmentKind.REQUIRED_FOLLOW_UP})
ASSESSMENT_KINDS = frozenset(
    {*STATUTORY, AssessmentKind.LIFESTYLE, AssessmentKind.VULNERABILITY, AssessmentKind.COURT_SUITABILITY}
)


@dataclass(frozen=True)
class SeedReport:
    """What was made: records by type (each counted once, however many revisions) and forms by id."""

    counts: dict[str, int]
    forms: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def kpi_proportions(records: Iterable[RecordBase]) -> dict[str, float]:
    """The DOMAIN.md §8 proportions of some casework (the latest revision of each record counts).

    Assessments are completed forms of the five assessment kinds; referrals are referral records.
    """
    latest: dict[uuid.UUID, RecordBase] = {}
    for record in records:
        latest[record.id] = record
    people = assessments = statutory = referrals = entered = 0
    for record in latest.values():
        if isinstance(record, Person):
            people += 1
        elif isinstance(record, Assessment):
            if record.status is AssessmentStatus.COMPLETED and record.kind in ASSESSMENT_KINDS:
                assessments += 1
                statutory += record.kind in STATUTORY
        elif isinstance(record, Referral) and record.is_live:
            referrals += 1
            entered += record.outcome is ReferralOutcome.ENTERED_TREATMENT
    return {
        "assessed_per_person": assessments / max(people, 1),
        "statutory_share": statutory / max(assessments, 1),
        "referrals_per_assessment": referrals / max(assessments, 1),
        "entered_per_referral": entered / max(referrals, 1),
    }


class CaseworkGenerator:
    """Makes one person's history as forms; deterministic given the random generator's state.

    Records are built in memory (`memory` answers the projections' questions, such as which
    referral an outcome reports on) and returned for the caller to save.
    """

    def __init__(
        self,
        rng: random.Random,
        site: str,
        author: str,
        end: date,
        days: int,
        author_role: Role = Role.WORKER,
        worker_name: str | None = None,
        catalogue: FormCatalogue | None = None,
        now: datetime | None = None,
    ) -> None:
        self.rng = rng
        self.site = site
        self.author = author
        self.end = end
        self.days = days
        self.last = end_of(end)
        # Nobody is released in the future: seeded on the end day itself (the demo, today's store),
        # a release after this moment stays "still in custody". Only the release depends on it, and
        # the random draws do not, so a seed and end date still give the same people and answers.
        self.release_limit = min(self.last, now or datetime.now(UTC))
        self.worker = worker_name or STAFF[0]
        forms = catalogue or shipped_catalogue()
        self.specs: dict[str, FormSpec] = {form_id: forms.latest(form_id) for form_id in GENERATORS}
        self.custody_sites = sites("custody", end)
        self.court_sites = sites("court", end)
        self.memory = MemoryRecords()
        self.context = ProjectionContext(self.memory, author_role)
        self.profiles: dict[uuid.UUID, Profile] = {}
        self.form_counts: dict[str, int] = {}

    # -- small helpers ------------------------------------------------------------------------

    def _id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _when(self) -> datetime:
        """An arrival time in the period; arrests cluster in the day, none after 20:59 (tests follow)."""
        day = self.end - timedelta(days=self.rng.randrange(max(self.days, 1)))
        hour = self.rng.randrange(7, 21) if chance(self.rng, 0.85) else self.rng.randrange(0, 7)
        return datetime.combine(day, time(hour, self.rng.randrange(60)), tzinfo=UTC)

    def _custody_site(self) -> str:
        home = self.site in self.custody_sites
        return self.site if home and chance(self.rng, 0.8) else self.rng.choice(self.custody_sites)

    def _postcode(self) -> str:
        inward = "".join(self.rng.choice(POSTCODE_LETTERS) for _ in range(2))
        return f"B{self.rng.randrange(1, 99)} {self.rng.randrange(1, 9)}{inward}"

    def _occasion(self, at: datetime, site: str, **facts: Any) -> Occasion:
        return Occasion(at=at, end=self.end, site=site, worker=self.worker, approver=self.author, **facts)

    def profile(self, person: Person) -> Profile:
        """The person's stable facts; a person made elsewhere (the benchmark's) gets invented ones."""
        known = self.profiles.get(person.id)
        if known is None:
            known = invent_profile(
                self.rng,
                self.end,
                given_names=person.given_names,
                family_name=person.family_name,
                date_of_birth=person.date_of_birth,
                female=person.sex is Sex.FEMALE,
                local_authority=person.local_authority,
                pnc_id=person.pnc_id,
            )
            self.profiles[person.id] = known
        return known

    # -- forms ----------------------------------------------------------------------------------

    def form(
        self,
        person: Person,
        form_id: str,
        occasion: Occasion,
        episode_id: uuid.UUID | None = None,
        draft_chance: float = P_DRAFT,
    ) -> tuple[list[RecordBase], FormRecords | None, Generated]:
        """One form filled in for the person: completed (with its actions and typed records), or a draft.

        A form whose completion would fall after the end date (the appointment has not come yet)
        is a draft holding its first page, as a worker leaves it; `draft_chance` makes others drafts.
        """
        spec = self.specs[form_id]
        generated = GENERATORS[form_id](self.rng, self.profile(person), occasion)
        record_id = self._id()
        if form_id == "custody_arrival":
            episode_id = derived_id(record_id, CustodyEpisode.record_type)
        record = Assessment(
            id=record_id,
            created_at=occasion.at,
            updated_at=occasion.at,
            site_code=occasion.site,
            author=self.author,
            person_id=person.id,
            episode_id=episode_id,
            kind=AssessmentKind(spec.record_kind),
            form_id=spec.id,
            form_version=spec.version,
        )
        future = generated.completed_at > self.last
        if future or chance(self.rng, draft_chance):
            answers = draft_answers(spec, generated.answers, self.rng, first_page_only=future)
            draft = record.model_copy(update={"answers": with_computed(spec, answers)})
            return [draft], None, generated
        made = completed_form_records(
            spec,
            record,
            generated.answers,
            self.author,
            completed_at=generated.completed_at,
            context=self.context,
        )
        return made.all(), made, generated

    def keep(self, records: list[RecordBase]) -> list[RecordBase]:
        """Hold records in memory so later forms' projections see them, as if saved, and count the forms."""
        self.memory.add(records)
        for record in records:
            if isinstance(record, Assessment):
                self.form_counts[record.form_id] = self.form_counts.get(record.form_id, 0) + 1
        return records

    def filled_in(self, person: Person, form_id: str, occasion: Occasion, **kw: Any) -> list[RecordBase]:
        """A form (completed, or a draft) with its records, held in memory and returned to save."""
        records, _, _ = self.form(person, form_id, occasion, **kw)
        return self.keep(records)

    # -- a person's history -----------------------------------------------------------------

    def person(self) -> list[RecordBase]:
        """A person and their custody episodes with everything that followed (Person first)."""
        rng = self.rng
        self.memory.clear()
        profile = invent_profile(rng, self.end)
        arrivals = sorted(self._when() for _ in range(1 if chance(rng, 0.7) else rng.randrange(2, 4)))
        first_seen = arrivals[0]
        person = Person(
            id=self._id(),
            created_at=first_seen,
            updated_at=first_seen,
            site_code=self._custody_site(),
            author=self.author,
            family_name=profile.family_name,
            given_names=profile.given_names,
            date_of_birth=profile.date_of_birth,
            sex=Sex.FEMALE if profile.female else Sex.MALE,
            local_authority=profile.local_authority,
            no_fixed_abode=profile.local_authority == "NFA",
            pnc_id=profile.pnc_id,
            postcode=None if profile.local_authority == "NFA" else self._postcode(),
            phone=profile.phone,
            language=profile.language,
            interpreter_needed=profile.language is not None,
        )
        self.profiles = {person.id: profile}
        records: list[RecordBase] = [person]
        episode: CustodyEpisode | None = None
        for arrived in arrivals:
            made = self._episode(person, arrived)
            records.extend(made)
            episode = next(r for r in made if isinstance(r, CustodyEpisode))
        if episode is not None and chance(rng, P_COURT):
            records.extend(self.court(person, episode))
        return records

    def episode(self, person: Person) -> list[RecordBase]:
        """One custody episode (from its arrival form) and what followed it."""
        return self._episode(person, self._when())

    def _episode(self, person: Person, arrived: datetime) -> list[RecordBase]:
        rng = self.rng
        site = self._custody_site()
        occasion = self._occasion(
            arrived, site, custody_record_number=custody_record_number(rng, arrived.date())
        )
        records, made, _ = self.form(person, "custody_arrival", occasion, draft_chance=0.0)
        assert made is not None  # an arrival form's completion is never after the end day
        episode = next(r for r in made.derived if isinstance(r, CustodyEpisode))
        test = next((r for r in made.derived if isinstance(r, DrugTest)), None)
        released = arrived + timedelta(hours=rng.randrange(3, 30))
        release_type = pick(  # drawn whether or not they are released yet: the draws stay the same
            rng,
            [
                (ReleaseType.BAIL, 0.3),
                (ReleaseType.CHARGED, 0.25),
                (ReleaseType.NFA, 0.15),
                (ReleaseType.RUI, 0.2),
                (ReleaseType.REMANDED, 0.1),
            ],
        )
        if released <= self.release_limit:
            released_episode = episode.model_copy(
                update={"released_at": released, "release_type": release_type}
            )
            records = [released_episode if r is episode else r for r in records]
            episode = released_episode
        out = self.keep(records)
        positive = tuple(d for d, r in test.results.items() if r is DrugResult.POSITIVE) if test else ()
        assessed = False
        if test is not None and positive and chance(rng, P_REQUIRED):
            ra1 = test.sample_taken_at + timedelta(minutes=rng.randrange(20, 60))
            if ra1 <= self.last:
                out += self.required(person, episode, ra1, positive, test.disputed)
                assessed = True
        elif chance(rng, P_LIFESTYLE):
            at = arrived + timedelta(hours=rng.randrange(1, 6), minutes=rng.randrange(60))
            if at <= min(self.last, episode.released_at or self.last):
                out += self.voluntary(person, episode, at)
                assessed = True
        booked = not assessed and chance(rng, P_OUT_OF_HOURS)
        if booked and episode.released_at is not None:
            hour = episode.released_at.hour
            if (hour >= 22 or hour < 7) and episode.released_at <= self.last - timedelta(minutes=30):
                booking = self._occasion(
                    episode.released_at,
                    site,
                    positive_for=positive,
                    custody_record_number=episode.custody_record_number,
                )
                out += self.filled_in(person, "out_of_hours_booking", booking, episode_id=episode.id)
        return out

    def assessment_and_follow_ons(
        self, person: Person, episode: CustodyEpisode, kind: AssessmentKind, at: datetime, opiates: bool
    ) -> list[RecordBase]:
        """An assessment of `kind` at `at` and what follows it; the assessment form comes first.

        Kept for the benchmark: `opiates` says which drug the test found for a required assessment.
        """
        if kind is AssessmentKind.REQUIRED_INITIAL:
            return self.required(person, episode, at, ("opiates",) if opiates else ("cocaine",), False)
        if kind is AssessmentKind.LIFESTYLE:
            return self.voluntary(person, episode, at)
        occasion = self._occasion(at, self.site)
        return self.filled_in(person, kind.value, occasion, episode_id=episode.id)

    def required(
        self,
        person: Person,
        episode: CustodyEpisode,
        ra1: datetime,
        positive: tuple[str, ...],
        disputed: bool,
    ) -> list[RecordBase]:
        """The required initial assessment; if the person stayed, harm reduction, referral and follow-up."""
        rng = self.rng
        site = episode.site_code  # seen at the block where they are held
        occasion = self._occasion(ra1, site, positive_for=positive, disputed=disputed)
        records, made, generated = self.form(person, "required_initial", occasion, episode_id=episode.id)
        out = self.keep(records)
        answers = generated.answers
        if made is None or answers.get("remained") != "yes":
            return out
        done = generated.completed_at
        referred = False
        if self.profile(person).opiates and chance(rng, P_HARM_REDUCTION_OPIATES):
            out += self._harm_reduction(person, episode, done + timedelta(minutes=5), site)
        if answers.get("benefit_from_help") == "yes" and chance(rng, P_REFERRAL_REQUIRED):
            out += self.referral(person, episode, done + timedelta(minutes=10), site)
            referred = True
        if chance(rng, P_VULNERABILITY_WITH_REQUIRED):
            out += self.vulnerability(person, episode, done + timedelta(minutes=15), site)
        if answers.get("follow_up_decision") == "required":
            appointment = datetime.fromisoformat(str(answers["ra4_appointment_at"]))
            if appointment > self.last:
                return out  # nobody starts the follow-up form before the person comes
            follow = self._occasion(appointment, site, earlier=answers)
            records, made, generated = self.form(person, "required_follow_up", follow, episode_id=episode.id)
            out += self.keep(records)
            treatment = any(
                isinstance(r, dict) and r.get("service_kind") == "drug_alcohol_treatment"
                for r in generated.answers.get("referrals") or []
            )
            if made is not None and treatment and not referred:
                out += self.referral(person, episode, generated.completed_at - timedelta(minutes=5), site)
        return out

    def voluntary(self, person: Person, episode: CustodyEpisode, at: datetime) -> list[RecordBase]:
        """A lifestyle assessment and what it leads to: screen, Naloxone, referral, consent record."""
        rng = self.rng
        site = episode.site_code  # seen at the block where they are held
        records, made, generated = self.form(
            person, "lifestyle", self._occasion(at, site), episode_id=episode.id
        )
        out = self.keep(records)
        if made is None:
            return out
        answers = generated.answers
        steps = answers.get("next_steps") or []
        done = generated.completed_at
        if chance(rng, 0.8 if "vulnerability_screen" in steps else P_VULNERABILITY_WITH_LIFESTYLE):
            out += self.vulnerability(person, episode, done + timedelta(minutes=5), site)
        opiates = self.profile(person).opiates
        if chance(rng, P_HARM_REDUCTION_OPIATES if opiates else P_HARM_REDUCTION_OTHERS):
            out += self._harm_reduction(person, episode, done + timedelta(minutes=10), site)
        consented = answers.get("consent_to_share") == "yes"
        if consented and answers.get("problem_use") == "yes" and chance(rng, P_REFERRAL_LIFESTYLE):
            out += self.referral(person, episode, done + timedelta(minutes=15), site)
        if consented and chance(rng, P_CONSENT_FORM):
            out += self.filled_in(person, "consent", self._occasion(done + timedelta(minutes=20), site))
        return out

    def vulnerability(
        self, person: Person, episode: CustodyEpisode, at: datetime, site: str
    ) -> list[RecordBase]:
        """The screen; a safeguarding or MARAC finding sometimes leads to sharing without consent."""
        records, made, generated = self.form(
            person, "vulnerability", self._occasion(at, site), episode_id=episode.id
        )
        out = self.keep(records)
        if made is None:
            return out
        found = {a.action_type for a in made.actions}
        basis = (
            "marac"
            if ActionType.MARAC in found
            else "safeguarding"
            if ActionType.SAFEGUARDING in found
            else None
        )
        if basis and chance(self.rng, P_CONSENT_FOR_FINDING):
            occasion = self._occasion(
                generated.completed_at + timedelta(minutes=30), site, earlier={"legal_basis": basis}
            )
            out += self.filled_in(person, "consent", occasion)
        return out

    def _harm_reduction(
        self, person: Person, episode: CustodyEpisode, at: datetime, site: str
    ) -> list[RecordBase]:
        return self.filled_in(person, "harm_reduction", self._occasion(at, site), episode_id=episode.id)

    def referral(self, person: Person, episode: CustodyEpisode, at: datetime, site: str) -> list[RecordBase]:
        """A referral and, when its date has come, its outcome (and sometimes the case's closure)."""
        rng = self.rng
        records, made, generated = self.form(
            person, "referral", self._occasion(at, site), episode_id=episode.id
        )
        out = self.keep(records)
        if made is None or not chance(rng, P_OUTCOME_KNOWN):
            return out
        occasion = self._occasion(generated.completed_at, site, earlier=generated.answers)
        records, made, generated = self.form(person, "referral_outcome", occasion, draft_chance=0.0)
        if made is None:
            return out  # still pending at the end date: nobody starts an outcome form before hearing back
        out += self.keep(records)
        if generated.answers["outcome"] == "entered_treatment" and chance(rng, P_CLOSURE_AFTER_TREATMENT):
            closed = generated.completed_at + timedelta(days=rng.randrange(1, 10))
            if closed <= self.last:
                occasion = self._occasion(
                    closed, site, earlier={"provider_code": generated.answers["provider_code"]}
                )
                out += self.filled_in(person, "case_closure", occasion, draft_chance=0.0)
        return out

    def court(self, person: Person, episode: CustodyEpisode) -> list[RecordBase]:
        """A court suitability assessment days after the arrest, carrying over a recent lifestyle form."""
        rng = self.rng
        day = episode.arrived_at.date() + timedelta(days=rng.randrange(1, 4))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        if day > self.end:
            return []
        court = self.site if self.site in self.court_sites else rng.choice(self.court_sites)
        at = datetime.combine(day, time(rng.randrange(9, 14), rng.choice((0, 15, 30, 45))), tzinfo=UTC)
        recent = [
            r
            for r in self.memory.for_person(person.id, Assessment.record_type)
            if isinstance(r, Assessment)
            and r.form_id == "lifestyle"
            and r.status is AssessmentStatus.COMPLETED
        ]
        test = next(
            (r for r in self.memory.for_person(person.id, DrugTest.record_type) if isinstance(r, DrugTest)),
            None,
        )
        positive = tuple(d for d, r in test.results.items() if r is DrugResult.POSITIVE) if test else ()
        occasion = self._occasion(
            at, court, positive_for=positive, earlier=recent[-1].answers if recent else {}
        )
        records, made, generated = self.form(person, "court_suitability", occasion, episode_id=episode.id)
        out = self.keep(records)
        recommended = made is not None and generated.answers["outcome"] == "suitable_recommended"
        if recommended and chance(rng, P_REFERRAL_COURT):
            out += self.referral(person, episode, generated.completed_at + timedelta(minutes=10), court)
        return out


def draft_answers(
    spec: FormSpec, answers: dict[str, Any], rng: random.Random, first_page_only: bool = False
) -> dict[str, Any]:
    """What a worker has typed when they stop part-way: the answers on the first pages only."""
    pages = len(spec.sections)
    kept_pages = 1 if first_page_only or pages < 2 else rng.randrange(1, pages)
    wanted = {f.id for section in spec.sections[:kept_pages] for f in section.fields}
    return {k: v for k, v in answers.items() if k in wanted}


def seed(
    session: WorkstationSession,
    people: int,
    days: int = 30,
    random_seed: int = 1,
    end: date | None = None,
    batch_people: int = 200,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> SeedReport:
    """Make `people` invented people with their custody histories, `batch_people` per transaction."""
    if people < 0 or days < 1:
        raise InvalidInput("--people must be 0 or more and --days 1 or more")
    generator = CaseworkGenerator(
        random.Random(random_seed),
        session.site_code,
        session.user.username,
        end or date.today(),
        days,
        author_role=author_role(session.user.roles),
        worker_name=session.user.display_name,
        now=now,
    )
    seen: dict[str, set[uuid.UUID]] = {}
    done = 0
    while done < people:
        batch: list[RecordBase] = []
        for _ in range(min(batch_people, people - done)):
            batch.extend(generator.person())
        save_records(session, batch)
        for record in batch:
            seen.setdefault(record.record_type, set()).add(record.id)
        done += min(batch_people, people - done)
        if progress:
            progress(done, people)
    counts = {record_type: len(ids) for record_type, ids in seen.items()}
    return SeedReport(counts, dict(generator.form_counts))
