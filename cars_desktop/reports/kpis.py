"""Every KPI, defined once: its name, its plain-English definition and the function that counts it.

The definitions say exactly which records and which date count, because the same words go into
the commissioner's report appendix. Dates are UK local dates of UTC times (see periods.uk_date_of).
In every KPI only live records count (deleted and merged ones do not), each record once at its
newest revision, and "completed" means a form that has been completed (approved, returned for
changes and amended forms included; drafts never).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cars_desktop.reports import kpi_events as ev
from cars_desktop.reports.events import EventSource

KpiKind = Literal["count", "rate", "breakdown", "median"]


@dataclass(frozen=True)
class Kpi:
    """One KPI: what it is called, what it counts, and the functions that count it.

    kind "count": value is the number of events; "breakdown": value is the total and `breakdown`
    the number per category; "rate": value is numerator / denominator as a fraction (0 to 1) over
    distinct things (the numerator is always a subset of the denominator); "median": value is the
    median of the events' amounts (the numerator is how many there were).
    """

    kpi_id: str
    name: str
    definition: str
    kind: KpiKind
    numerator: str | None = None
    denominator: str | None = None
    unit: str = "count"
    events: EventSource = field(default=lambda facts: (), repr=False, compare=False)
    over: EventSource | None = field(default=None, repr=False, compare=False)
    #: True once checked that every event is dated by a date held in the record counted, and that no
    #: record changes an event but that one, people, and records dated on the event's own day (a
    #: consent decision recorded the same day). Only then may a source skip, unparsed, records
    #: holding no date near the report's periods (`compute.report_window`); one KPI without it
    #: (one that looks at arrests after an assessment, say) makes the whole report read everything.
    self_dated: bool = False


# --- the catalogue --------------------------------------------------------------------------

_ASSESSMENTS_TEXT = (
    "assessments: required initial assessments the person attended and stayed for, lifestyle "
    'assessments of every type except "required" (which is the content of a required assessment, '
    "not a second assessment), and court suitability assessments completed with an outcome other "
    'than "not completed"'
)

KPIS: tuple[Kpi, ...] = (
    Kpi(
        "voluntary_assessments",
        "Voluntary needs assessments",
        "Completed lifestyle assessments whose type is voluntary (in custody after a cell sweep, or "
        "after release), counted on the UK date they were completed.",
        "count",
        events=ev.voluntary,
        self_dated=True,
    ),
    Kpi(
        "required_assessments_requested",
        "Required assessments requested",
        "Required initial assessment forms started (drafts included): each is a required assessment "
        "imposed with written notice (RA1), counted on the UK date of the RA1 time recorded on the "
        "form, or the date the form was started when no RA1 time is recorded yet.",
        "count",
        events=ev.required_requested,
        self_dated=True,
    ),
    Kpi(
        "required_assessments_completed",
        "Required assessments completed",
        "Completed required initial assessment forms recording that the person attended and stayed "
        "for the whole assessment, counted on the UK date the form was completed.",
        "count",
        events=ev.required_completed,
        self_dated=True,
    ),
    Kpi(
        "suitability_assessments_requested",
        "Suitability assessments requested",
        "Court suitability assessment forms started (drafts included), counted on the hearing date "
        "recorded on the form (the day the court asked), or the date the form was started when no "
        "hearing date is recorded yet.",
        "count",
        events=ev.suitability_requested,
        self_dated=True,
    ),
    Kpi(
        "suitability_assessments_completed",
        "Suitability assessments completed",
        'Completed court suitability assessments with an outcome other than "assessment not '
        'completed", counted on the UK date the form was completed.',
        "count",
        events=ev.suitability_completed,
        self_dated=True,
    ),
    Kpi(
        "suitability_adjournments",
        "Adjournments for suitability assessments",
        "Completed court suitability assessments recording that the case was adjourned for "
        "assessment or reports, counted on the UK date the form was completed.",
        "count",
        events=ev.adjournments,
        self_dated=True,
    ),
    Kpi(
        "assessed_suitable_drr_atr",
        "Assessed as suitable for DRR and/or ATR",
        'Completed court suitability assessments with the outcome "suitable: recommended" and a '
        "proposed requirement that includes a DRR or an ATR (DRR, ATR or a combination with either), "
        'counted on the UK date the form was completed. "Suitable, but does not consent" is not '
        "counted: no requirement can be proposed without consent.",
        "count",
        events=ev.suitable_drr_atr,
        self_dated=True,
    ),
    Kpi(
        "drr_made",
        "DRRs made",
        "Completed court suitability assessments whose recorded sentence is a DRR, or combined "
        "treatment requirements where the proposed combination includes a DRR, counted on the "
        "sentence date recorded (or the UK date the form was completed when none is recorded).",
        "count",
        events=ev.made("drr"),
        self_dated=True,
    ),
    Kpi(
        "atr_made",
        "ATRs made",
        "Completed court suitability assessments whose recorded sentence is an ATR, or combined "
        "treatment requirements where the proposed combination includes an ATR, counted on the "
        "sentence date recorded (or the UK date the form was completed when none is recorded).",
        "count",
        events=ev.made("atr"),
        self_dated=True,
    ),
    Kpi(
        "referrals_into_treatment",
        "Referrals into treatment",
        "Referrals to a treatment provider, counted on the UK date the referral was made (created).",
        "count",
        events=ev.referrals,
        self_dated=True,
    ),
    Kpi(
        "entries_into_treatment",
        "Entries into treatment",
        'Referrals whose outcome is "entered treatment", counted on the date treatment started '
        "(as confirmed and recorded on the referral).",
        "count",
        events=ev.entries,
        self_dated=True,
    ),
    Kpi(
        "referrals_not_converted",
        "Reasons referrals did not convert",
        'Referrals whose outcome is "did not enter treatment", by the reason recorded, counted on '
        "the UK date the referral was made (so the lines describe the referrals made in the period).",
        "breakdown",
        events=ev.not_converted,
        self_dated=True,
    ),
    Kpi(
        "cases_closed",
        "Cases closed",
        "Completed case closure forms, counted on the closure date recorded on the form (or the UK "
        "date the form was completed when none is recorded).",
        "count",
        events=ev.cases_closed,
        self_dated=True,
    ),
    Kpi(
        "naloxone_kits_supplied",
        "Naloxone kits supplied",
        "Take-home Naloxone kits handed over (the quantity of each supply record), counted on the "
        "supply date.",
        "count",
        unit="kits",
        events=ev.kits,
        self_dated=True,
    ),
    Kpi(
        "vulnerability_screens_completed",
        "Vulnerability screens completed",
        "Completed vulnerability screens, counted on the UK date the form was completed.",
        "count",
        events=ev.screens,
        self_dated=True,
    ),
    Kpi(
        "onward_referrals",
        "Onward referrals from screening",
        "Actions raised for an onward referral (Liaison and Diversion, MARAC, safeguarding, NRM via "
        "a first responder) that were not cancelled, by type, counted on the UK date the action was "
        "raised.",
        "breakdown",
        events=ev.onward,
        self_dated=True,
    ),
    Kpi(
        "assessment_conversion",
        "Assessment conversion",
        "People assessed / people engaged in the period. People engaged: distinct people (merged "
        "records followed) with any completed form of any kind in the period; contacts that left no "
        "completed form (a cell-sweep conversation nobody recorded) are not held, so this overstates "
        "the service's own rate. People assessed: those of them with one or more "
        + _ASSESSMENTS_TEXT
        + ", on the UK date completed.",
        "rate",
        numerator="People assessed",
        denominator="People engaged",
        unit="proportion",
        events=ev.people_assessed,
        over=ev.people_engaged,
        self_dated=True,
    ),
    Kpi(
        "statutory_share",
        "Statutory share",
        "Required assessments completed / all " + _ASSESSMENTS_TEXT + "; each counted on the UK date "
        "the form was completed.",
        "rate",
        numerator="Required assessments completed",
        denominator="All assessments",
        unit="proportion",
        events=ev.required_completed,
        over=ev.assessment_events,
        self_dated=True,
    ),
    Kpi(
        "required_assessment_compliance",
        "Required-assessment compliance",
        'Of the required assessments requested in the period (by RA1 date, as in "Required '
        'assessments requested"), the share completed with the person attending and staying for the '
        "whole initial assessment. A request whose form is not yet completed counts as not complied.",
        "rate",
        numerator="Initial assessments attended and stayed",
        denominator="Required assessments requested",
        unit="proportion",
        events=ev.required_complied,
        over=ev.required_requested,
        self_dated=True,
    ),
    Kpi(
        "transfer_into_treatment",
        "Transfer into treatment",
        "Of the referrals into treatment made in the period (UK date created), the share whose "
        'outcome is "entered treatment" (on any date). Referrals still awaiting an outcome count as '
        "not transferred, so recent periods rise as outcomes arrive.",
        "rate",
        numerator="Referrals that entered treatment",
        denominator="Referrals into treatment",
        unit="proportion",
        events=ev.entered_by_referral_day,
        over=ev.referrals,
        self_dated=True,
    ),
    Kpi(
        "median_days_to_treatment",
        "Median time to treatment (days)",
        "For the entries into treatment in the period (by the date treatment started), the median "
        "number of days from the UK date the referral was made to the date treatment started.",
        "median",
        numerator="Entries into treatment",
        unit="days",
        events=ev.entries,
        self_dated=True,
    ),
    Kpi(
        "naloxone_to_opiate_users",
        "Naloxone supplied to opiate users",
        "Of the people assessed as using opioids in the period (a completed lifestyle or suitability "
        "assessment listing an opioid among the problem substances, or a completed harm reduction "
        "form recording opioid use; UK date completed), the share supplied a take-home Naloxone kit "
        "in the same period (supply date). Kits supplied in an earlier period are not counted.",
        "rate",
        numerator="Opiate users assessed who were supplied Naloxone",
        denominator="Opiate users assessed",
        unit="proportion",
        events=ev.people_supplied,
        over=ev.opiate_users_assessed,
        self_dated=True,
    ),
    Kpi(
        "vulnerability_screen_rate",
        "Vulnerability screens completed for people assessed",
        "Of the people assessed in the period (" + _ASSESSMENTS_TEXT + "), the share with a completed "
        "vulnerability screen in the same period (UK date completed).",
        "rate",
        numerator="People assessed who were screened",
        denominator="People assessed",
        unit="proportion",
        events=ev.people_screened,
        over=ev.people_assessed,
        self_dated=True,
    ),
    Kpi(
        "consent_recorded_rate",
        "Assessments with a recorded consent decision",
        "Of the " + _ASSESSMENTS_TEXT + " (UK date completed), the share for which a consent "
        "decision was recorded for the same person (merged records followed) on the same UK date: a "
        'completed lifestyle assessment answering "agrees to information being shared" (yes or no), '
        "or a completed consent form.",
        "rate",
        numerator="Assessments with a consent decision",
        denominator="All assessments",
        unit="proportion",
        events=ev.consent_recorded,
        over=ev.assessment_events,
        self_dated=True,
    ),
    Kpi(
        "ndtms_fields_complete_rate",
        "Lifestyle assessments with NDTMS-style fields complete",
        "Of the lifestyle assessments completed in the period (every type; UK date completed), the "
        "share holding every field we check against the NDTMS/CJIT-style list (DOMAIN.md 2.3): type "
        "of assessment, referral source, whether there is a problem with drugs or alcohol now and, "
        "when there is, the main problem substance with its route and age first used, injecting "
        "status, accommodation, employment, local authority, hepatitis B vaccination, hepatitis C "
        'test, consent to share; and on the person\'s record a sex other than "not stated". Ethnicity '
        "is not checked because no screen records it yet.",
        "rate",
        numerator="Lifestyle assessments with the fields complete",
        denominator="Lifestyle assessments",
        unit="proportion",
        events=ev.ndtms_complete,
        over=ev.lifestyle_events,
        self_dated=True,
    ),
    Kpi(
        "harm_reduction_interventions",
        "Harm reduction interventions",
        "Each piece of harm reduction advice ticked on a completed harm reduction form (overdose "
        "risk, safer injecting, needle exchange, blood-borne virus testing, alcohol and mixing "
        "drugs), counted on the UK date the form was completed, and each take-home Naloxone supply "
        "(one per supply record, whatever the number of kits), counted on the supply date; by type.",
        "breakdown",
        events=ev.harm_reduction,
        self_dated=True,
    ),
    Kpi(
        "naloxone_replacements_for_used",
        "Replacement Naloxone kits for kits used",
        "Naloxone supplies whose reason is a replacement because the last kit was used, on the "
        "person themselves or on someone else (a proxy for overdoses reversed), one per supply "
        "record, counted on the supply date; by reason.",
        "breakdown",
        events=ev.replacements_for_used,
        self_dated=True,
    ),
    Kpi(
        "drr_order_rate",
        "DRR order rate",
        "Of the court suitability assessments completed in the period (UK date completed) that "
        "recommended a requirement including a Drug Rehabilitation Requirement, the share where the "
        "court made a DRR (alone or combined), as recorded on the same form on any date. Sentences "
        "not yet recorded count as not made, so recent periods rise as results arrive.",
        "rate",
        numerator="Recommendations followed by a DRR",
        denominator="Assessments recommending a DRR",
        unit="proportion",
        events=ev.order_made_on_recommendation("drr"),
        over=ev.recommended_for("drr"),
        self_dated=True,
    ),
    Kpi(
        "atr_order_rate",
        "ATR order rate",
        "Of the court suitability assessments completed in the period (UK date completed) that "
        "recommended a requirement including an Alcohol Treatment Requirement, the share where the "
        "court made an ATR (alone or combined), as recorded on the same form on any date. Sentences "
        "not yet recorded count as not made, so recent periods rise as results arrive.",
        "rate",
        numerator="Recommendations followed by an ATR",
        denominator="Assessments recommending an ATR",
        unit="proportion",
        events=ev.order_made_on_recommendation("atr"),
        over=ev.recommended_for("atr"),
        self_dated=True,
    ),
    Kpi(
        "referral_rate",
        "Referral rate",
        "Of the people assessed in the period (" + _ASSESSMENTS_TEXT + "; UK date completed; merged "
        "records followed), the share with a referral into treatment made in the same period (UK date "
        "the referral was made).",
        "rate",
        numerator="People assessed who were referred",
        denominator="People assessed",
        unit="proportion",
        events=ev.people_referred,
        over=ev.people_assessed,
        self_dated=True,
    ),
    Kpi(
        "naloxone_offered_to_opiate_users",
        "Naloxone offered or supplied to opiate users",
        'Of the people assessed as using opioids in the period (as in "Naloxone supplied to opiate '
        'users"), the share offered take-home Naloxone on a completed harm reduction form (UK date '
        "completed) or supplied a kit (supply date) in the same period, whether or not they took it.",
        "rate",
        numerator="Opiate users assessed who were offered or supplied Naloxone",
        denominator="Opiate users assessed",
        unit="proportion",
        events=ev.people_offered_or_supplied,
        over=ev.opiate_users_assessed,
        self_dated=True,
    ),
    Kpi(
        "suitability_recommended_rate",
        "Suitability assessments recommending a requirement",
        'Of the court suitability assessments completed in the period (outcome other than "not '
        'completed"; UK date completed), the share whose outcome is "suitable, requirement '
        'recommended".',
        "rate",
        numerator="Assessments recommending a requirement",
        denominator="Suitability assessments completed",
        unit="proportion",
        events=ev.suitability_recommended,
        over=ev.suitability_done_events,
        self_dated=True,
    ),
)

KPI_BY_ID: dict[str, Kpi] = {k.kpi_id: k for k in KPIS}
