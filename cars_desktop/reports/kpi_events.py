"""The events each KPI counts: which records, on which UK date, keyed by what (`kpis` names them).

Each function takes the report's `Facts` and gives `Event`s: the record, the UK date it counts on,
the thing a rate counts distinct (a record or a person), and a category, weight or amount where
the KPI needs one. The plain-English definitions in `kpis.KPIS` say the same in words; a change
here must change the words there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain

from cars_desktop.reports import forms_facts as ff
from cars_desktop.reports.events import Event, EventSource
from cars_desktop.reports.facts import Facts, answer_date, answer_time
from cars_protocol.records import (
    ActionStatus,
    ActionType,
    Assessment,
    AssessmentKind,
    ReferralOutcome,
)

K = AssessmentKind


def completed_at(facts: Facts, a: Assessment) -> Event:
    return Event(facts.completed_day(a), a, a.id)


def voluntary(facts: Facts) -> Iterator[Event]:
    for a in facts.completed(K.LIFESTYLE):
        if a.answers.get("assessment_type") in ff.VOLUNTARY_TYPES:
            yield completed_at(facts, a)


def ra1_day(facts: Facts, a: Assessment) -> Event:
    issued = answer_time(a.answers, "ra1_issued_at") or a.created_at
    return Event(facts.uk_day(issued), a, a.id)


def required_requested(facts: Facts) -> Iterator[Event]:
    return (ra1_day(facts, a) for a in facts.forms.get(K.REQUIRED_INITIAL, ()))


def took_place(a: Assessment) -> bool:
    return ff.said_yes(a, "attended") and ff.said_yes(a, "remained")


def required_taken_place(facts: Facts) -> Iterator[Assessment]:
    """Completed required initial assessments the person attended and stayed for."""
    return (a for a in facts.completed(K.REQUIRED_INITIAL) if took_place(a))


def required_completed(facts: Facts) -> Iterator[Event]:
    return (completed_at(facts, a) for a in facts.remembered(required_taken_place))


def required_complied(facts: Facts) -> Iterator[Event]:
    return (ra1_day(facts, a) for a in facts.remembered(required_taken_place))


def suitability_requested(facts: Facts) -> Iterator[Event]:
    for a in facts.forms.get(K.COURT_SUITABILITY, ()):
        day = answer_date(a.answers, "hearing_date") or facts.uk_day(a.created_at)
        yield Event(day, a, a.id)


def suitability_done(facts: Facts) -> Iterator[Assessment]:
    """Completed court suitability assessments with an outcome other than "not completed"."""
    return iter(facts.remembered(_suitability_done))


def _suitability_done(facts: Facts) -> Iterator[Assessment]:
    for a in facts.completed(K.COURT_SUITABILITY):
        outcome = a.answers.get("outcome")
        if isinstance(outcome, str) and outcome != "not_completed":
            yield a


def suitability_completed(facts: Facts) -> Iterator[Event]:
    return (completed_at(facts, a) for a in suitability_done(facts))


def adjournments(facts: Facts) -> Iterator[Event]:
    return (
        completed_at(facts, a) for a in facts.completed(K.COURT_SUITABILITY) if ff.said_yes(a, "adjourned")
    )


def suitable_drr_atr(facts: Facts) -> Iterator[Event]:
    for a in facts.completed(K.COURT_SUITABILITY):
        proposed = a.answers.get("requirement_type")
        recommended = a.answers.get("outcome") == "suitable_recommended"
        if recommended and isinstance(proposed, str) and ff.requirement_includes(proposed) & {"drr", "atr"}:
            yield completed_at(facts, a)


def made(order: str) -> EventSource:
    def events(facts: Facts) -> Iterator[Event]:
        for a in facts.completed(K.COURT_SUITABILITY):
            if order in ff.orders_made(a):
                day = answer_date(a.answers, "sentence_date") or facts.completed_day(a)
                yield Event(day, a, a.id)

    return events


def referrals(facts: Facts) -> Iterator[Event]:
    return (Event(facts.uk_day(r.created_at), r, r.id) for r in facts.referrals)


def entered_by_referral_day(facts: Facts) -> Iterator[Event]:
    return (
        Event(facts.uk_day(r.created_at), r, r.id)
        for r in facts.referrals
        if r.outcome is ReferralOutcome.ENTERED_TREATMENT
    )


def entries(facts: Facts) -> Iterator[Event]:
    for r in facts.referrals:
        if r.outcome is ReferralOutcome.ENTERED_TREATMENT and r.entered_treatment_on is not None:
            days = (r.entered_treatment_on - facts.uk_day(r.created_at)).days
            yield Event(r.entered_treatment_on, r, r.id, amount=float(days))


def not_converted(facts: Facts) -> Iterator[Event]:
    for r in facts.referrals:
        if r.outcome is ReferralOutcome.NOT_CONVERTED:
            yield Event(facts.uk_day(r.created_at), r, r.id, category=r.not_converted_reason)


def cases_closed(facts: Facts) -> Iterator[Event]:
    for a in facts.completed(K.CASE_CLOSURE):
        day = answer_date(a.answers, "closed_on") or facts.completed_day(a)
        yield Event(day, a, a.id)


def kits(facts: Facts) -> Iterator[Event]:
    return (Event(s.supplied_on, s, s.id, weight=s.quantity) for s in facts.naloxone)


def kpi_assessments(facts: Facts) -> Iterator[Assessment]:
    """Every assessment in the KPI sense: required (took place), lifestyle (any type but
    "required", which is the content of a required assessment) and court suitability (completed)."""
    return iter(facts.remembered(_kpi_assessments))


def _kpi_assessments(facts: Facts) -> Iterator[Assessment]:
    yield from facts.remembered(required_taken_place)
    yield from (a for a in facts.completed(K.LIFESTYLE) if a.answers.get("assessment_type") != "required")
    yield from suitability_done(facts)


def assessment_events(facts: Facts) -> Iterator[Event]:
    return iter(facts.remembered(dated_assessments))


def dated_assessments(facts: Facts) -> Iterator[Event]:
    return (completed_at(facts, a) for a in kpi_assessments(facts))


def by_person(events: Iterable[Event], facts: Facts) -> Iterator[Event]:
    """The same events keyed by the (surviving) person, for rates over distinct people."""
    for e in events:
        person = facts.person_of_record(e.record)
        if person is not None:
            yield Event(e.day, e.record, person, e.category, e.weight, e.amount)


def forms_by_person(forms: Iterable[Assessment], facts: Facts) -> Iterator[Event]:
    """Completed forms as events on the UK date completed, keyed by the (surviving) person: what
    `by_person` makes of `completed_at`, without the event in between (the denominator of
    assessment conversion is every completed form of a year)."""
    person_of, completed_day = facts.person_of_record, facts.completed_day
    for a in forms:
        person = person_of(a)
        if person is not None:
            yield Event(completed_day(a), a, person)


def people_assessed(facts: Facts) -> Iterator[Event]:
    return forms_by_person(kpi_assessments(facts), facts)


def people_engaged(facts: Facts) -> Iterator[Event]:
    return forms_by_person(chain.from_iterable(facts.completed(kind) for kind in facts.forms), facts)


def opiate_users_assessed(facts: Facts) -> Iterator[Event]:
    opioids = ff.opioid_substances()
    for kind in (K.LIFESTYLE, K.COURT_SUITABILITY):
        yield from forms_by_person((a for a in facts.completed(kind) if ff.substances_of(a) & opioids), facts)
    yield from forms_by_person(
        (a for a in facts.completed(K.HARM_REDUCTION) if ff.said_yes(a, "opioid_use")), facts
    )


def people_supplied(facts: Facts) -> Iterator[Event]:
    return by_person(kits(facts), facts)


def screens(facts: Facts) -> Iterator[Event]:
    return (completed_at(facts, a) for a in facts.completed(K.VULNERABILITY))


def people_screened(facts: Facts) -> Iterator[Event]:
    return forms_by_person(facts.completed(K.VULNERABILITY), facts)


ONWARD = (
    ActionType.LIAISON_AND_DIVERSION,
    ActionType.MARAC,
    ActionType.SAFEGUARDING,
    ActionType.NRM,
)


def onward(facts: Facts) -> Iterator[Event]:
    for action in facts.actions:
        if action.action_type in ONWARD and action.status is not ActionStatus.CANCELLED:
            yield Event(facts.uk_day(action.created_at), action, action.id, category=action.action_type.value)


def consent_days(facts: Facts) -> set[tuple[object, object]]:
    """(person, UK date) pairs on which a consent decision was recorded: a completed lifestyle
    assessment answering "consent to share" (yes or no), or a completed consent form."""
    days: set[tuple[object, object]] = set()
    for a in facts.completed(K.LIFESTYLE):
        if ff.consent_answered(a):
            days.add((facts.person_of_record(a), facts.completed_day(a)))
    for a in facts.completed(K.CONSENT):
        days.add((facts.person_of_record(a), facts.completed_day(a)))
    return days


def consent_recorded(facts: Facts) -> Iterator[Event]:
    days = consent_days(facts)
    for event in assessment_events(facts):
        if (facts.person_of_record(event.record), event.day) in days:
            yield event


def lifestyle_events(facts: Facts) -> Iterator[Event]:
    return (completed_at(facts, a) for a in facts.completed(K.LIFESTYLE))


def ndtms_complete(facts: Facts) -> Iterator[Event]:
    for a in facts.completed(K.LIFESTYLE):
        survivor = facts.person_of_record(a)
        person = facts.people.get(survivor) if survivor is not None else None
        if person is not None and ff.ndtms_complete(a, person.sex.value):
            yield completed_at(facts, a)


NALOXONE_SUPPLY = "naloxone_supply"
"""The harm-reduction line for a take-home Naloxone supply."""
USED_REASONS = frozenset({"used_on_self", "used_on_other"})
"""Replacement reasons that mean the last kit was used (naloxone_reasons.json)."""


def harm_reduction(facts: Facts) -> Iterator[Event]:
    for a in facts.completed(K.HARM_REDUCTION):
        event = completed_at(facts, a)
        for code in ff.advice_given(a):
            yield Event(event.day, a, (a.id, code), category=code)
    for s in facts.naloxone:
        yield Event(s.supplied_on, s, s.id, category=NALOXONE_SUPPLY)


def replacements_for_used(facts: Facts) -> Iterator[Event]:
    for s in facts.naloxone:
        if s.reason == "replacement" and s.replacement_reason in USED_REASONS:
            yield Event(s.supplied_on, s, s.id, category=s.replacement_reason)


def recommended_for(order: str) -> EventSource:
    def events(facts: Facts) -> Iterator[Event]:
        for a in facts.completed(K.COURT_SUITABILITY):
            proposed = a.answers.get("requirement_type")
            if (
                a.answers.get("outcome") == "suitable_recommended"
                and isinstance(proposed, str)
                and order in ff.requirement_includes(proposed)
            ):
                yield completed_at(facts, a)

    return events


def order_made_on_recommendation(order: str) -> EventSource:
    """The recommended assessments (keyed and dated as in `recommended_for`) where the order was made."""

    def events(facts: Facts) -> Iterator[Event]:
        for event in recommended_for(order)(facts):
            assert isinstance(event.record, Assessment)
            if order in ff.orders_made(event.record):
                yield event

    return events


def people_referred(facts: Facts) -> Iterator[Event]:
    return by_person(referrals(facts), facts)


def people_offered_or_supplied(facts: Facts) -> Iterator[Event]:
    offered = (a for a in facts.completed(K.HARM_REDUCTION) if ff.said_yes(a, "naloxone_offered"))
    yield from forms_by_person(offered, facts)
    yield from people_supplied(facts)


def suitability_done_events(facts: Facts) -> Iterator[Event]:
    return (completed_at(facts, a) for a in suitability_done(facts))


def suitability_recommended(facts: Facts) -> Iterator[Event]:
    for a in suitability_done(facts):
        if a.answers.get("outcome") == "suitable_recommended":
            yield completed_at(facts, a)
