"""Answer generators for the lifestyle, vulnerability and court suitability assessments."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cars_desktop.services.seed_forms.common import (
    SDS_DRUG,
    STAFF,
    Generated,
    Occasion,
    Profile,
    chance,
    codes,
    iso,
    pick,
    providers,
    sites,
    treatment_authority,
    yes_no,
)

# -- lifestyle ------------------------------------------------------------------------------------


def _past_day(rng: random.Random, before: date, most_days: int) -> date:
    """A day strictly before `before`, at most `most_days` earlier (dates the forms refuse in the future)."""
    return before - timedelta(days=rng.randrange(1, max(2, most_days)))


def _audit_c(rng: random.Random, heavy: bool) -> tuple[int, int, int]:
    """AUDIT items 1-3: 5 or more for a heavy drinker, under 5 otherwise."""
    while True:
        if heavy:
            items = (
                pick(rng, [(2, 0.15), (3, 0.35), (4, 0.5)]),
                pick(rng, [(1, 0.3), (2, 0.3), (3, 0.2), (4, 0.2)]),
                pick(rng, [(1, 0.3), (2, 0.3), (3, 0.25), (4, 0.15)]),
            )
            if sum(items) >= 5:
                return items
        else:
            first = pick(rng, [(0, 0.3), (1, 0.3), (2, 0.3), (3, 0.1)])
            items = (
                (first, 0, 0)
                if first == 0
                else (first, pick(rng, [(0, 0.6), (1, 0.3), (2, 0.1)]), pick(rng, [(0, 0.7), (1, 0.3)]))
            )
            if sum(items) < 5:
                return items


def alcohol_answers(rng: random.Random, person: Profile, full_days: bool = True) -> dict[str, Any]:
    """AUDIT-C, and the full AUDIT when it is 5 or more (the form's skip logic)."""
    first, second, third = _audit_c(rng, person.heavy_drinker)
    a: dict[str, Any] = {"audit_1": first, "audit_2": second, "audit_3": third}
    if full_days and first > 0 and chance(rng, 0.8):
        low, high = {1: (0, 1), 2: (2, 4), 3: (8, 13), 4: (16, 28)}[first]
        a["drinking_days_28"] = rng.randint(low, high)
    if first + second + third >= 5:
        weights = [(0, 0.35), (1, 0.25), (2, 0.2), (3, 0.12), (4, 0.08)]
        for item in range(4, 9):
            a[f"audit_{item}"] = pick(rng, weights)
        for item in (9, 10):
            a[f"audit_{item}"] = pick(rng, [(0, 0.6), (2, 0.2), (4, 0.2)])
    return a


def substance_answers(rng: random.Random, person: Profile) -> dict[str, Any]:
    """The substances repeat group and the SDS for the main drug (only with problem use)."""
    if not person.substances:
        return {"problem_use": "no"}
    entries = []
    for s in person.substances:
        entry: dict[str, Any] = {"substance": s.code, "route": s.route, "frequency": s.frequency}
        if s.other:
            entry["substance_other"] = s.other
        if s.amount:
            entry["amount"] = s.amount
        if s.age_first_used is not None:
            entry["age_first_used"] = s.age_first_used
        entries.append(entry)
    main = person.substances[0]
    daily = main.frequency == "daily"
    weights = (
        [(0, 0.1), (1, 0.25), (2, 0.35), (3, 0.3)] if daily else [(0, 0.4), (1, 0.35), (2, 0.2), (3, 0.05)]
    )
    a: dict[str, Any] = {
        "problem_use": "yes",
        "substances": entries,
        "sds_drug": SDS_DRUG.get(main.code, "other"),
    }
    for item in range(1, 6):
        a[f"sds_{item}"] = pick(rng, weights)
    return a


def lifestyle(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """The voluntary lifestyle assessment offered on a cell sweep (or at court)."""
    at, end = occasion.at, occasion.end
    today = at.date()
    court = occasion.site in sites("court", end)
    a: dict[str, Any] = {
        "assessment_type": "court" if court else pick(rng, [("voluntary_custody", 0.93), ("required", 0.07)]),
        "referral_source": "court"
        if court
        else pick(
            rng,
            [("arrest_referral", 0.75), ("self", 0.1), ("police_other", 0.08), ("liaison_diversion", 0.07)],
        ),
    }
    if person.language:
        a["interpreter_used"] = "yes"
        a["interpreter_language"] = person.language
    elif chance(rng, 0.7):
        a["interpreter_used"] = "no"
    a.update(substance_answers(rng, person))
    a["injecting_status"] = person.injecting
    if person.injecting == "currently_injecting":
        a["shared_needles"] = yes_no(chance(rng, 0.2))
        a["shared_paraphernalia"] = yes_no(chance(rng, 0.35))
        if chance(rng, 0.8):
            a["uses_needle_exchange"] = yes_no(chance(rng, 0.6))
        for week in range(1, 5):
            a[f"injecting_week_{week}"] = pick(rng, [(7, 0.5), (6, 0.15), (5, 0.1), (3, 0.15), (1, 0.1)])
    elif person.injecting == "previously_injected" and chance(rng, 0.7):
        a["last_injected"] = _past_day(rng, today, 2500).isoformat()
    overdosed = chance(rng, 0.35 if person.opiates else 0.06)
    a["overdose_ever"] = yes_no(overdosed)
    if overdosed:
        if chance(rng, 0.8):
            a["overdose_count"] = pick(rng, [(1, 0.5), (2, 0.25), (3, 0.15), (5, 0.1)])
        a["overdose_last"] = _past_day(rng, today, 1500).isoformat()
        if chance(rng, 0.5):
            a["overdose_details"] = "Heroin with pregabalin; friend called 999, given Naloxone by paramedics."
    a.update(alcohol_answers(rng, person))
    treated = chance(rng, 0.6 if person.opiates else 0.2)
    a["treatment_ever"] = yes_no(treated)
    if treated and chance(rng, 0.85):
        first_year = max(1970, person.date_of_birth.year + 16)
        a["treatment_history"] = [
            {
                "treatment_type": pick(
                    rng,
                    [
                        ("prescribing", 0.5),
                        ("psychosocial", 0.25),
                        ("community_detox", 0.1),
                        ("prison_treatment", 0.15),
                    ],
                ),
                "treatment_where": rng.choice(
                    ("Change Grow Live Birmingham", "HMP Birmingham", "Cranstoun Sandwell")
                ),
                "treatment_year": rng.randint(min(first_year, today.year), today.year),
                "treatment_outcome": pick(
                    rng, [("left_early", 0.45), ("completed", 0.3), ("transferred", 0.1), ("not_known", 0.15)]
                ),
            }
            for _ in range(pick(rng, [(1, 0.7), (2, 0.3)]))
        ]
    in_treatment = chance(rng, 0.25 if person.opiates else 0.05)
    a["in_treatment_now"] = yes_no(in_treatment)
    la = treatment_authority(person.local_authority, occasion.site, end)
    if in_treatment:
        a["current_provider"] = providers(end)[la][0]
        if chance(rng, 0.6):
            a["current_keyworker"] = rng.choice(STAFF)
    prescribed = in_treatment and person.opiates and chance(rng, 0.8)
    a["prescribed_now"] = yes_no(prescribed)
    if prescribed:
        medication = pick(
            rng, [("methadone", 0.65), ("buprenorphine", 0.25), ("buprenorphine_long_acting", 0.1)]
        )
        a["prescribed_medication"] = medication
        if chance(rng, 0.8):
            a["prescribed_dose"] = "60 ml daily, supervised" if medication == "methadone" else "16 mg daily"
        if chance(rng, 0.5):
            a["prescriber"] = "Dr Anand, community drug team"
        if chance(rng, 0.7):
            a["last_dose_at"] = iso(at - timedelta(hours=rng.randrange(3, 30)))
    gp = chance(rng, 0.8)
    a["gp_registered"] = yes_no(gp)
    if gp and chance(rng, 0.6):
        a["gp_practice"] = rng.choice(
            ("Lion Farm Health Centre", "Summerfield GP Surgery", "Walsall Manor Practice")
        )
    if chance(rng, 0.3):
        a["physical_health"] = rng.choice(
            ("Chest infection last month.", "Old abscess scar on left arm.", "Asthma.")
        )
    injector = person.injecting in ("currently_injecting", "previously_injected")
    a["hep_b_vaccination"] = pick(
        rng,
        [
            ("completed", 0.2),
            ("in_progress", 0.1),
            ("not_vaccinated", 0.3),
            ("declined", 0.05),
            ("not_known", 0.35),
        ],
    )
    a["hep_c_test"] = pick(
        rng,
        [("tested_negative", 0.45), ("tested_positive", 0.15), ("never_tested", 0.25), ("not_known", 0.15)]
        if injector
        else [("tested_negative", 0.15), ("never_tested", 0.6), ("not_known", 0.25)],
    )
    if a["hep_c_test"] in ("tested_negative", "tested_positive", "awaiting_result") and chance(rng, 0.7):
        a["hep_c_tested_on"] = _past_day(rng, today, 1200).isoformat()
    a["hiv_test"] = pick(rng, [("tested_negative", 0.3), ("never_tested", 0.5), ("not_known", 0.2)])
    offered = chance(rng, 0.8 if injector else 0.3)
    a["bbv_test_offered"] = yes_no(offered)
    if offered:
        a["bbv_test_accepted"] = yes_no(chance(rng, 0.6))
    if person.local_authority == "NFA":
        a["accommodation"] = pick(
            rng, [("rough_sleeping", 0.4), ("sofa_surfing", 0.35), ("hostel_temporary", 0.25)]
        )
    else:
        a["accommodation"] = pick(
            rng,
            [
                ("rented_tenancy", 0.4),
                ("with_family_friends", 0.2),
                ("owner_occupier", 0.05),
                ("supported_housing", 0.1),
                ("hostel_temporary", 0.1),
                ("sofa_surfing", 0.1),
                ("approved_premises", 0.05),
            ],
        )
    a["eviction_risk"] = yes_no(chance(rng, 0.12))
    a["local_authority"] = person.local_authority
    a["employment"] = pick(
        rng,
        [
            ("unemployed_seeking", 0.4),
            ("long_term_sick", 0.2),
            ("employed_full_time", 0.12),
            ("employed_part_time", 0.08),
            ("self_employed", 0.05),
            ("carer_homemaker", 0.05),
            ("other", 0.1),
        ],
    )
    a["children_under_18"] = person.children
    if person.children:
        a["children_live_with"] = pick(rng, [("all", 0.3), ("some", 0.15), ("none", 0.55)])
        a["parental_responsibility"] = yes_no(chance(rng, 0.75))
        a["children_unattended"] = yes_no(chance(rng, 0.03))
        if chance(rng, 0.8):
            a["children_social_care"] = yes_no(chance(rng, 0.2))
    if person.female and chance(rng, 0.9):
        a["pregnant"] = yes_no(chance(rng, 0.04))
    a["cares_for_adult"] = yes_no(chance(rng, 0.05))
    consented = chance(rng, 0.85)
    a["consent_to_share"] = yes_no(consented)
    if consented:
        recipients = ["treatment_provider"] + [r for r in ("gp", "ndtms", "probation") if chance(rng, 0.4)]
        a["consent_recipients"] = recipients
        a["consent_signature"] = {"name": person.name, "signed_at": iso(at + timedelta(minutes=30))}
    steps = [
        s
        for s, p in (
            ("referral", 0.45),
            ("harm_reduction", 0.3),
            ("vulnerability_screen", 0.25),
            ("alcohol_advice", 0.2),
        )
        if chance(rng, p)
    ]
    if steps or chance(rng, 0.5):
        a["next_steps"] = steps or ["none"]
    if chance(rng, 0.3):
        a["worker_notes"] = rng.choice(
            ("Wants a prescribing assessment.", "Prefers text messages.", "Staying with a friend.")
        )
    return Generated(a, at + timedelta(minutes=rng.randrange(35, 75)))


# -- vulnerability ------------------------------------------------------------------------------


def vulnerability(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """The vulnerability screen; every positive finding makes an action through the form's rules.

    Current self-harm thoughts ~6%, self-harm history ~25%, a mental health diagnosis ~35%,
    learning disability ~4%, domestic abuse disclosed ~12% (Dash asked of victims safe to talk,
    14 or more yes in about a fifth), children at risk ~6%, current sex work ~4% (more for women),
    exploitation concerns ~6%.
    """
    at = occasion.at
    a: dict[str, Any] = {}
    if chance(rng, 0.6):
        a["feeling_today"] = rng.choice(
            ("Low and tired.", "Anxious about losing the flat.", "Says they are fine.")
        )
    thoughts = chance(rng, 0.06)
    a["current_self_harm_thoughts"] = yes_no(thoughts)
    if thoughts:
        a["current_self_harm_plans"] = yes_no(chance(rng, 0.3))
        a["current_risk_details"] = (
            "Says they have thought about ending it since the arrest; no plan described."
        )
        if chance(rng, 0.9):
            a["custody_officer_told_at"] = iso(at + timedelta(minutes=10))
    history = chance(rng, 0.25)
    a["self_harm_history"] = yes_no(history)
    if history:
        a["self_harm_history_details"] = "Overdosed on paracetamol two years ago; seen at the local hospital."
    diagnosis = chance(rng, 0.35)
    a["mh_diagnosis"] = yes_no(diagnosis)
    if diagnosis and chance(rng, 0.8):
        a["mh_diagnosis_details"] = rng.choice(
            ("Depression and anxiety", "PTSD", "Bipolar disorder", "Psychosis")
        )
    if chance(rng, 0.6):
        services = [
            s
            for s, p in (("gp", 0.4), ("cpn", 0.1), ("crisis_team", 0.05), ("psychiatrist", 0.05))
            if chance(rng, p)
        ]
        a["mh_services"] = services or ["none"]
    if chance(rng, 0.7):
        a["mha_detained_ever"] = yes_no(chance(rng, 0.05))
    medicated = chance(rng, 0.3)
    a["medication_prescribed"] = yes_no(medicated)
    if medicated:
        a["medication_missed"] = yes_no(chance(rng, 0.25))
    a["withdrawal_risk"] = yes_no(chance(rng, 0.4 if person.opiates else 0.08))
    a["refer_liaison_diversion"] = yes_no(chance(rng, 0.15))
    disability = chance(rng, 0.04)
    a["learning_disability"] = yes_no(disability)
    if disability and chance(rng, 0.7):
        a["learning_disability_details"] = "Attended a special school; needs things explained simply."
    a["reading_writing_difficulty"] = yes_no(chance(rng, 0.2))
    if chance(rng, 0.4):
        a["communication_needs"] = (["interpreter"] if person.language else []) + (
            ["easy_read"] if disability else []
        )
    disclosed = chance(rng, 0.12 if not person.female else 0.3)
    a["da_disclosed"] = yes_no(disclosed)
    if disclosed:
        role = pick(rng, [("victim", 0.55), ("perpetrator", 0.2), ("both", 0.1), ("unclear", 0.15)])
        a["da_role"] = role
        if role in ("victim", "both"):
            safe = chance(rng, 0.8)
            a["safe_to_talk"] = yes_no(safe)
            if chance(rng, 0.5):
                a["safe_contact"] = "Text own mobile after 6 pm; do not leave messages."
            if not safe:
                a["not_safe_plan"] = (
                    "Partner nearby; gave the helpline number discreetly and will call back tomorrow."
                )
            else:
                high = chance(rng, 0.2)
                p_yes = 0.75 if high else 0.25
                while True:
                    items = [
                        pick(rng, [("yes", p_yes), ("no", 0.85 - p_yes + 0.1), ("not_known", 0.05)])
                        for _ in range(24)
                    ]
                    if (items.count("yes") >= 14) == high:
                        break
                for number, answer in enumerate(items, start=1):
                    a[f"dash_{number}"] = answer
                a["dash_incidents_12m"] = pick(rng, [(0, 0.25), (1, 0.3), (2, 0.2), (3, 0.15), (5, 0.1)])
                judgement = chance(rng, 0.1)
                a["professional_judgement"] = yes_no(judgement)
                if judgement:
                    a["judgement_reason"] = (
                        "Recent strangulation and threats to kill, though few boxes ticked."
                    )
                a["repeat_marac"] = yes_no(chance(rng, 0.08))
        else:
            a["da_notes"] = "Disclosed pushing their partner during arguments; police aware."
    at_risk = chance(rng, 0.06 if person.children else 0.01)
    a["children_at_risk"] = yes_no(at_risk)
    if at_risk:
        a["children_at_risk_details"] = "Children live at an address where drugs are used and supplied."
        if chance(rng, 0.7):
            a["child_protection_plan"] = yes_no(chance(rng, 0.4))
    a["children_unattended"] = yes_no(bool(person.children) and chance(rng, 0.03))
    sex_work = pick(
        rng,
        [("current", 0.15), ("past", 0.12), ("no", 0.68), ("declined", 0.05)]
        if person.female
        else [("current", 0.01), ("past", 0.02), ("no", 0.94), ("declined", 0.03)],
    )
    a["sex_work"] = sex_work
    if sex_work == "current" and chance(rng, 0.8):
        a["sex_work_setting"] = [pick(rng, [("on_street", 0.6), ("off_street", 0.25), ("online", 0.15)])]
    if sex_work in ("current", "past"):
        a["sex_work_coercion"] = yes_no(chance(rng, 0.2))
        if chance(rng, 0.7):
            a["sexual_health_testing"] = yes_no(chance(rng, 0.5))
    if sex_work == "current" and chance(rng, 0.7):
        a["condoms_supplied"] = yes_no(chance(rng, 0.8))
    exploited = chance(rng, 0.06)
    a["exploitation_concern"] = yes_no(exploited)
    if exploited:
        a["exploitation_types"] = [
            pick(rng, [("criminal", 0.5), ("cuckooing", 0.3), ("labour", 0.1), ("sexual", 0.1)])
        ]
        if chance(rng, 0.7):
            a["exploitation_indicators"] = rng.sample(list(codes("exploitation_indicators", occasion.end)), 2)
        a["nrm_consent"] = yes_no(chance(rng, 0.4))
        a["first_responder_told"] = pick(rng, [("police", 0.6), ("local_authority", 0.2), ("not_yet", 0.2)])
    if chance(rng, 0.8):
        a["crisis_numbers_given"] = yes_no(chance(rng, 0.7))
    if chance(rng, 0.2):
        a["notes"] = "Custody nurse aware; agreed to see the Liaison and Diversion team."
    return Generated(a, at + timedelta(minutes=rng.randrange(20, 45)))


# -- court suitability --------------------------------------------------------------------------

_REQUIREMENT_MADE = {"drr": "drr_made", "atr": "atr_made", "mhtr": "mhtr_made"}


def court_suitability(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """Suitability for a DRR, ATR or MHTR at a magistrates' court, with the outcome the tests lead to.

    Answers that a recent lifestyle assessment gave (in `occasion.earlier`) are carried over, as
    the form does for the court worker.
    """
    at, end = occasion.at, occasion.end
    hearing = at.date()
    earlier = occasion.earlier
    a: dict[str, Any] = {
        "court": occasion.site,
        "hearing_date": hearing.isoformat(),
        "case_number": f"20{rng.choice(('BH', 'CV', 'WV'))}{rng.randrange(10**6, 10**7)}{hearing:%y}",
        "offences": rng.choice(
            ("Theft from a shop x3", "Burglary (non-dwelling)", "Possession of crack cocaine; theft")
        ),
        "conviction_status": pick(rng, [("pleaded_guilty", 0.75), ("found_guilty", 0.1), ("not_yet", 0.15)]),
        "remand_status": pick(rng, [("bail", 0.7), ("custody", 0.2), ("summons", 0.1)]),
    }
    if chance(rng, 0.8):
        a["report_type"] = pick(rng, [("oral", 0.3), ("fast_delivery", 0.6), ("standard", 0.1)])
    if chance(rng, 0.6):
        a["probation_officer"] = rng.choice(STAFF)
    if occasion.positive_for:
        a["dtoa_positive_for"] = list(occasion.positive_for)
    carried = {k: v for k, v in earlier.items() if k in {"problem_use", "substances", "injecting_status"}}
    a.update(carried or {**substance_answers(rng, person), "injecting_status": person.injecting})
    if a["problem_use"] == "yes":
        sds = {k: v for k, v in earlier.items() if k.startswith("sds_") and k != "sds_score"}
        a.update(sds or {k: v for k, v in substance_answers(rng, person).items() if k.startswith("sds_")})
    else:
        a.pop("substances", None)
    a["in_treatment_now"] = earlier.get("in_treatment_now", "no")
    a["prescribed_now"] = earlier.get("prescribed_now", "no")
    if a["prescribed_now"] == "yes":
        a["prescribed_medication"] = earlier.get("prescribed_medication", "methadone")
    if chance(rng, 0.5):
        a["treatment_history_summary"] = "Short methadone script some years ago, stopped after moving house."
    audit = {k: v for k, v in earlier.items() if k.startswith("audit_") and not k.endswith("score")}
    audit.pop("audit_c_score", None)
    a.update(audit or alcohol_answers(rng, person, full_days=False))
    drugs = a["problem_use"] == "yes" and any(e["substance"] != "alcohol" for e in a.get("substances", []))
    drinking = person.heavy_drinker
    dependency = pick(rng, [("dependent", 0.75), ("propensity", 0.25)]) if drugs else "neither"
    a["drug_dependency"] = dependency
    a["alcohol_dependency"] = yes_no(drinking and chance(rng, 0.8))
    a["dependency_evidence"] = (
        "Daily use for years with withdrawal on stopping; scores on SDS and AUDIT agree."
    )
    link = pick(rng, [("direct", 0.6), ("contributory", 0.3), ("none", 0.1)])
    a["offending_link"] = link
    if link != "none":
        a["offending_link_details"] = (
            "Steals to fund use." if link == "direct" else "Offends when intoxicated."
        )
    if chance(rng, 0.8):
        a["motivation"] = rng.randint(1, 5)
    willing = chance(rng, 0.85)
    susceptible = chance(rng, 0.85)
    mental_health = chance(rng, 0.25)
    a["willing_to_comply"] = yes_no(willing)
    a["susceptible"] = yes_no(susceptible)
    a["susceptible_reasoning"] = "Engaged with prescribing before; wants support with drugs and drink."
    a["mental_health_concerns"] = yes_no(mental_health)
    if mental_health:
        a["mental_health_details"] = "Anxiety and low mood, treated by the GP."
    if chance(rng, 0.3):
        a["risk_notes"] = "No safeguarding concerns disclosed."
    la = person.local_authority if person.local_authority in providers(end) else None
    home = la or treatment_authority(person.local_authority, occasion.site, end)
    a["home_local_authority"] = person.local_authority
    available = chance(rng, 0.95 if la is not None else 0.5)
    a["treatment_available"] = yes_no(available)
    if available:
        a["provider_code"] = providers(end)[home][0]
        if chance(rng, 0.6):
            a["testing_arrangements"] = "Weekly oral fluid tests at the provider"
        if chance(rng, 0.6):
            a["earliest_start"] = (hearing + timedelta(days=rng.randrange(7, 21))).isoformat()
    dependent = dependency != "neither" or a["alcohol_dependency"] == "yes"
    if not dependent:
        outcome = "not_suitable_no_dependency"
    elif not willing:
        outcome = "suitable_no_consent"
    elif not susceptible:
        outcome = "not_suitable_not_susceptible"
    elif not available:
        outcome = "not_suitable_no_treatment"
    else:
        outcome = pick(
            rng, [("suitable_recommended", 0.8), ("further_assessment", 0.15), ("not_completed", 0.05)]
        )
    a["outcome"] = outcome
    if outcome.startswith("not_"):
        a["outcome_reasons"] = "See the tests above; discussed with the probation officer."
    requirement = ""
    if outcome == "suitable_recommended":
        parts = [
            p
            for p, wanted in (("drr", dependency != "neither"), ("atr", a["alcohol_dependency"] == "yes"))
            if wanted
        ]
        parts += ["mhtr"] if mental_health and chance(rng, 0.2) else []
        requirement = "_".join(parts)
        length = pick(rng, [(6, 0.4), (9, 0.2), (12, 0.3), (18, 0.1)])
        reviews = (length > 12 and requirement.startswith("drr")) or chance(rng, 0.75)
        a["requirement_type"] = requirement
        a["length_months"] = length
        a["residence"] = pick(rng, [("non_resident", 0.95), ("resident", 0.05)])
        a["reviews"] = yes_no(reviews)
        if reviews:
            a["review_interval_months"] = pick(rng, [(1, 0.5), (2, 0.3), (3, 0.2)])
    adjourned = outcome == "further_assessment" or chance(rng, 0.4)
    a["adjourned"] = yes_no(adjourned)
    sentence_day = hearing
    if adjourned:
        sentence_day = hearing + timedelta(days=rng.randrange(7, 22))
        a["return_date"] = sentence_day.isoformat()
    known = sentence_day <= end and outcome != "further_assessment" and chance(rng, 0.7)
    a["sentence_known"] = yes_no(known)
    completed = at + timedelta(minutes=rng.randrange(60, 180))
    if known:
        if requirement and chance(rng, 0.7):
            result = _REQUIREMENT_MADE.get(requirement, "combined_made")
        else:
            result = pick(
                rng,
                [
                    ("other_community_order", 0.4),
                    ("suspended_sentence", 0.3),
                    ("custody", 0.2),
                    ("other", 0.1),
                ],
            )
        a["sentence_result"] = result
        a["sentence_date"] = sentence_day.isoformat()
        if result.endswith("_made"):
            a["sentence_length_months"] = a.get("length_months", 6)
        completed = max(completed, datetime.combine(sentence_day, time(16, 30), tzinfo=UTC))
    return Generated(a, completed)
