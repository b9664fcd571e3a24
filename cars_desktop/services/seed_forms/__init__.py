"""Realistic, randomised answers to every CARS form, for invented people (demos, tests, benchmarks).

Each generator takes a `random.Random`, what is known about the person (`Profile`) and the occasion
(`Occasion`: when, where, and the earlier form it follows) and returns answers the form accepts on
completion, plus when the form would be completed. Skip-logic branches are taken in proportions an
arrest referral service would see, so the demo store exercises every branch:

* lifestyle: AUDIT-C of 5 or more (so the full AUDIT is asked) in about a third of people; about a
  quarter of opiate users inject now; overdose history far more often for opiate users;
* required assessment: about 85% attend and stay, 10% fail to attend and 5% fail to remain (each
  failure makes the police-notification action); a follow-up required for about half of those
  found dependent or with a propensity;
* vulnerability: current self-harm thoughts ~6%, domestic abuse disclosed ~12% (Dash high risk in
  about a fifth of those asked), children at risk ~6%, current sex work ~4%, exploitation ~6%;
* harm reduction: opiate users are offered Naloxone, most accept;
* referral outcome: the split between entering treatment and not converting is set by the seeder.

Dates respect `Occasion.end` wherever the form refuses future dates; a form whose completion would
fall after `end` is kept as a draft by the seeder. Nothing here touches the store.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from cars_desktop.services.seed_forms.assessments import court_suitability, lifestyle, vulnerability
from cars_desktop.services.seed_forms.common import (
    STAFF,
    Generated,
    Generator,
    Occasion,
    Profile,
    at_hour,
    chance,
    codes,
    custody_record_number,
    end_of,
    invent_profile,
    pick,
    providers,
    sites,
)
from cars_desktop.services.seed_forms.custody import custody_arrival, required_follow_up, required_initial
from cars_desktop.services.seed_forms.supply_and_referral import (
    case_closure,
    consent,
    harm_reduction,
    out_of_hours_booking,
    referral,
    referral_outcome,
)

__all__ = [
    "GENERATORS",
    "STAFF",
    "Generated",
    "Occasion",
    "Profile",
    "chance",
    "custody_record_number",
    "end_of",
    "invent_profile",
    "pick",
    "sample_answers",
    "sites",
]

GENERATORS: dict[str, Generator] = {
    "custody_arrival": custody_arrival,
    "required_initial": required_initial,
    "required_follow_up": required_follow_up,
    "lifestyle": lifestyle,
    "vulnerability": vulnerability,
    "court_suitability": court_suitability,
    "harm_reduction": harm_reduction,
    "referral": referral,
    "referral_outcome": referral_outcome,
    "out_of_hours_booking": out_of_hours_booking,
    "consent": consent,
    "case_closure": case_closure,
}


def sample_answers(form_id: str, rng: random.Random, end: date) -> Generated:
    """One random answer set for a form, for an invented person on a recent day (used by tests).

    Forms that follow another (a follow-up, an outcome, a court assessment) first generate the
    form they follow, so their answers agree with it.
    """
    person = invent_profile(rng, end)
    day = end - timedelta(days=rng.randrange(30, 90))
    custody = rng.choice(sites("custody", end))
    court = rng.choice(sites("court", end))
    at = at_hour(day, rng, 0 if form_id in ("custody_arrival", "out_of_hours_booking") else 8, 20)
    positive = tuple(d for d in codes("drug_test_panel", end) if chance(rng, 0.6)) or ("opiates",)
    occasion = Occasion(at=at, end=end, site=custody, positive_for=positive, disputed=chance(rng, 0.05))
    if form_id == "required_follow_up":
        while True:
            first = required_initial(rng, person, occasion)
            if first.answers.get("follow_up_decision") == "required":
                break
        occasion = Occasion(at=first.completed_at, end=end, site=custody, earlier=first.answers)
    elif form_id == "referral_outcome":
        made = referral(rng, person, occasion)
        occasion = Occasion(at=made.completed_at, end=end, site=custody, earlier=made.answers)
    elif form_id == "court_suitability":
        earlier = lifestyle(rng, person, occasion).answers if chance(rng, 0.5) else {}
        occasion = Occasion(
            at=at + timedelta(days=2), end=end, site=court, positive_for=positive, earlier=earlier
        )
    elif form_id == "case_closure" and chance(rng, 0.6):
        occasion = Occasion(
            at=at, end=end, site=custody, earlier={"provider_code": providers(end)["BIRMINGHAM"][0]}
        )
    elif form_id in ("lifestyle", "harm_reduction", "referral") and chance(rng, 0.1):
        occasion = Occasion(at=at, end=end, site=court)
    return GENERATORS[form_id](rng, person, occasion)
