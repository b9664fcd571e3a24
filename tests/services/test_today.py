"""Today's list and what each person needs next, over a real encrypted store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cars_desktop.domain.errors import NotPermitted
from cars_desktop.services.records import save_records
from cars_desktop.services.today import Need, Place, TodayEntry, load_today, uk_day_bounds, uk_today
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import (
    Appointment,
    AssessmentKind,
    AssessmentStatus,
    CourtListEntry,
    CustodyEpisode,
    DrugResult,
    DrugTest,
    NaloxoneProduct,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
    ReviewDecision,
    Role,
)
from tests import factories
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, SITE, Workstation

NOW = datetime.now(UTC)


def _person(name: str) -> Person:
    return factories.person(family_name=name, pnc_id=None)


def _episode(person: Person, arrived: datetime, site: str = SITE, **extra: object) -> CustodyEpisode:
    return CustodyEpisode(
        site_code=site,
        author="sam.worker",
        person_id=person.id,
        custody_record_number=f"CRN-{person.family_name}",
        arrived_at=arrived,
        **extra,
    )


def _test(person: Person, episode: CustodyEpisode) -> DrugTest:
    return DrugTest(
        site_code=SITE,
        author="sam.worker",
        person_id=person.id,
        episode_id=episode.id,
        sample_taken_at=episode.arrived_at,
        results={"opiates": DrugResult.POSITIVE, "cocaine": DrugResult.NEGATIVE},
    )


def _form(person: Person, kind: AssessmentKind, status: AssessmentStatus, **extra: object) -> RecordBase:
    form = factories.assessment(person.id)
    return form.model_copy(update={"kind": kind, "form_id": kind.value, "status": status, **extra})


def _by_name(entries: list[TodayEntry]) -> dict[str, tuple[Need, ...]]:
    return {e.family_name: e.needs for e in entries}


def test_who_is_listed(session: WorkstationSession) -> None:
    here, gone, old, elsewhere, court, court_tomorrow = (
        _person(n) for n in ("Here", "Gone", "Old", "Elsewhere", "Court", "Tomorrow")
    )
    start, end = uk_day_bounds(uk_today(NOW))
    records: list[RecordBase] = [here, gone, old, elsewhere, court, court_tomorrow]
    records += [
        _episode(here, NOW - timedelta(minutes=30)),
        _episode(gone, start - timedelta(days=2), released_at=start - timedelta(days=1)),
        _episode(old, NOW - timedelta(days=10)),  # never released, but long past any detention
        _episode(elsewhere, NOW - timedelta(minutes=5), site="WALSALL"),
        CourtListEntry(
            site_code=SITE,
            author="sam.worker",
            person_id=court.id,
            hearing_at=start + timedelta(hours=10),
            courtroom="2",
        ),
        CourtListEntry(
            site_code=SITE,
            author="sam.worker",
            person_id=court_tomorrow.id,
            hearing_at=end + timedelta(hours=10),
        ),
    ]
    save_records(session, records)
    entries = load_today(session, now=NOW)
    assert [e.family_name for e in entries if e.place is Place.CUSTODY] == ["Here"]
    court_rows = [e for e in entries if e.place is Place.COURT]
    assert [(e.family_name, e.courtroom) for e in court_rows] == [("Court", "2")]
    assert entries[0].custody_record_number in {"CRN-Here", None}
    assert "HERE, Marnie" in {e.name for e in entries}


def test_needs_follow_the_records(session: WorkstationSession) -> None:
    tested, drafted, referred, released, returned, due = (
        _person(n) for n in ("Tested", "Drafted", "Referred", "Released", "Returned", "Due")
    )
    arrived = NOW - timedelta(minutes=1)
    eps = {p.family_name: _episode(p, arrived) for p in (tested, drafted, referred, returned, due)}
    eps["Released"] = _episode(released, arrived, released_at=NOW)
    records: list[RecordBase] = [tested, drafted, referred, released, returned, due, *eps.values()]
    records.append(_test(tested, eps["Tested"]))
    records.append(_form(drafted, AssessmentKind.LIFESTYLE, AssessmentStatus.DRAFT))
    lifestyle = _form(
        referred,
        AssessmentKind.LIFESTYLE,
        AssessmentStatus.COMPLETED,
        episode_id=eps["Referred"].id,
        completed_at=NOW,
        answers={"next_steps": ["referral"], "consent_to_share": "yes"},
    )
    records.append(lifestyle)
    records.append(
        NaloxoneSupply(
            site_code=SITE,
            author="sam.worker",
            person_id=released.id,
            episode_id=eps["Released"].id,
            product=NaloxoneProduct.PRENOXAD,
            batch_number="B1",
            expiry_date=date.today() + timedelta(days=300),
            supplied_on=date.today(),
        )
    )
    sent_back = _form(
        returned, AssessmentKind.LIFESTYLE, AssessmentStatus.COMPLETED, completed_at=NOW - timedelta(days=3)
    )
    records.append(sent_back)
    start, _ = uk_day_bounds(uk_today(NOW))
    records.append(
        Appointment(
            site_code=SITE,
            author="sam.worker",
            person_id=due.id,
            starts_at=max(start + timedelta(hours=12), NOW),
            location_site_code=SITE,
            reason="required_assessment",
            booked_by="sam.worker",
            booked_by_role=Role.WORKER,
            ra1_issued=True,
        )
    )
    save_records(session, records)
    save_records(
        session,
        [
            ReviewDecision(
                site_code=SITE,
                author="sam.worker",
                assessment_id=sent_back.id,
                assessment_revision=1,
                decision="returned",
                comment="Add the AUDIT-C score.",
            )
        ],
    )
    needs = _by_name(load_today(session, now=NOW))
    assert needs["Tested"] == (Need.TEST_FOLLOW_UP,)
    assert needs["Drafted"] == (Need.DRAFT,)
    assert needs["Referred"] == (Need.REFERRAL,)
    assert needs["Released"] == (Need.RELEASE_PACK,)
    assert needs["Returned"] == (Need.RETURNED,)
    assert Need.REQUIRED_ASSESSMENT_DUE in needs["Due"]

    # The referral is made: the need goes.
    save_records(
        session,
        [
            Referral(
                site_code=SITE,
                author="sam.worker",
                person_id=referred.id,
                provider_code="CGL-SANDWELL",
                local_authority="SANDWELL",
            )
        ],
    )
    assert _by_name(load_today(session, now=NOW + timedelta(seconds=1)))["Referred"] == ()


def test_a_required_assessment_started_clears_the_test_follow_up(session: WorkstationSession) -> None:
    person = _person("Tested")
    episode = _episode(person, NOW - timedelta(minutes=1))
    ra = _form(person, AssessmentKind.REQUIRED_INITIAL, AssessmentStatus.DRAFT, episode_id=episode.id)
    save_records(session, [person, episode, _test(person, episode), ra])
    assert _by_name(load_today(session, now=NOW))["Tested"] == (Need.DRAFT,)


def test_custody_staff_do_not_see_today(workstation: Workstation) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            load_today(custody)
    finally:
        custody.lock()
