"""SafeLives Dash risk checklist (DOMAIN.md 6.3): the count of yes answers and the MARAC criteria.

Only "yes" counts: "not known" and "not asked" never do, because a question the victim could not
or was not asked to answer is not evidence of risk, and counting it would inflate referrals. The
count is not the only route to MARAC, so the result names every criterion that was met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.scoring.answers import numbered_answers, required
from cars_desktop.forms.scoring.rules import DashRules, scoring_rules

DASH = "DASH"


class MaracCriterion(StrEnum):
    """A reason a case goes to MARAC."""

    VISIBLE_HIGH_RISK = "visible_high_risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    POTENTIAL_ESCALATION = "potential_escalation"
    REPEAT = "repeat"

    @property
    def label(self) -> str:
        """The criterion as a worker names it."""
        return _LABELS[self]


_LABELS = {
    MaracCriterion.VISIBLE_HIGH_RISK: "visible high risk",
    MaracCriterion.PROFESSIONAL_JUDGEMENT: "professional judgement",
    MaracCriterion.POTENTIAL_ESCALATION: "potential escalation",
    MaracCriterion.REPEAT: "repeat MARAC",
}


@dataclass(frozen=True, slots=True)
class DashResult:
    """The checklist count, whether the case is high risk, and the MARAC criteria met."""

    answers: tuple[str, ...]
    yes_count: int
    not_known_count: int
    not_asked_count: int
    high_risk_at: int
    high_risk: bool
    professional_judgement: bool
    judgement_reason: str | None
    incidents_last_12_months: int | None
    repeat_within_12_months_of_last_referral: bool
    criteria_met: tuple[MaracCriterion, ...]
    marac_referral_required: bool
    summary: str
    rules_version: int

    @property
    def total(self) -> int:
        """The score a form shows: the number of yes answers."""
        return self.yes_count


def dash(
    answers: Mapping[int, str] | Sequence[str],
    professional_judgement: bool = False,
    judgement_reason: str | None = None,
    incidents_last_12_months: int | None = None,
    repeat_within_12_months_of_last_referral: bool = False,
    *,
    on: date | None = None,
) -> DashResult:
    """Count the checklist and decide high risk and MARAC referral.

    Input: all 24 answers as a mapping {question number: answer} (or a list, questions 1-24),
    each "yes", "no", "not_known" or "not_asked" (any case; "not known" and "not answered" are
    read as such). High risk at 14 or more yes, or by professional judgement (which needs a
    reason), or on potential escalation (3 or more incidents in 12 months). A repeat (new
    incident within 12 months of the last referral) also requires a MARAC referral.
    """
    in_effect = scoring_rules(on)
    rules = in_effect.dash
    numbers = tuple(range(1, rules.questions + 1))
    given = numbered_answers(DASH, answers, numbers)
    codes = tuple(_answer(rules, n, given) for n in numbers)
    reason = _reason(professional_judgement, judgement_reason)
    incidents = _incidents(incidents_last_12_months)
    yes = codes.count(rules.counted_answer)
    met: list[MaracCriterion] = []
    if yes >= rules.high_risk_at:
        met.append(MaracCriterion.VISIBLE_HIGH_RISK)
    if professional_judgement:
        met.append(MaracCriterion.PROFESSIONAL_JUDGEMENT)
    if incidents is not None and incidents >= rules.escalation_incidents_at:
        met.append(MaracCriterion.POTENTIAL_ESCALATION)
    high_risk = bool(met)
    if repeat_within_12_months_of_last_referral:
        met.append(MaracCriterion.REPEAT)
    return DashResult(
        answers=codes,
        yes_count=yes,
        not_known_count=codes.count("not_known"),
        not_asked_count=codes.count("not_asked"),
        high_risk_at=rules.high_risk_at,
        high_risk=high_risk,
        professional_judgement=professional_judgement,
        judgement_reason=reason,
        incidents_last_12_months=incidents,
        repeat_within_12_months_of_last_referral=repeat_within_12_months_of_last_referral,
        criteria_met=tuple(met),
        marac_referral_required=bool(met),
        summary=_summary(rules, codes, yes, high_risk, tuple(met), incidents),
        rules_version=in_effect.version,
    )


def _answer(rules: DashRules, number: int, given: Mapping[int, object]) -> str:
    raw = required(DASH, given, number)
    code = rules.answer_code(raw) if isinstance(raw, str) else None
    if code is None:
        labels = [rules.answer_labels[a] for a in rules.answers]
        choices = ", ".join(labels[:-1]) + f" or {labels[-1]}"
        raise InvalidInput(f"DASH question {number} accepts {choices} (got {raw!r})")
    return code


def _reason(professional_judgement: bool, judgement_reason: str | None) -> str | None:
    reason = judgement_reason.strip() if isinstance(judgement_reason, str) else None
    if professional_judgement and not reason:
        raise InvalidInput(
            "DASH professional judgement needs a reason (for example non-fatal strangulation, "
            "stalking, threats to kill or the victim's own fear)"
        )
    if reason and not professional_judgement:
        raise InvalidInput(
            "a DASH professional-judgement reason was given but professional judgement is not ticked"
        )
    return reason or None


def _incidents(count: int | None) -> int | None:
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidInput(
            f"DASH incidents in the last 12 months must be a whole number, 0 or more (got {count!r})"
        )
    return count


def _summary(
    rules: DashRules,
    codes: tuple[str, ...],
    yes: int,
    high_risk: bool,
    met: tuple[MaracCriterion, ...],
    incidents: int | None,
) -> str:
    # The judgement reason is free text and may name people; the summary only says one is recorded.
    unsure = [
        f"{codes.count(code)} {rules.answer_labels[code]}"
        for code in ("not_known", "not_asked")
        if codes.count(code)
    ]
    head = f"DASH {yes} of {rules.questions} yes" + (f" ({', '.join(unsure)})" if unsure else "")
    if not met:
        return (
            f"{head}: not high risk (high risk is {rules.high_risk_at} or more yes) — no MARAC criteria met; "
            "use professional judgement if concerned"
        )
    details = {
        MaracCriterion.VISIBLE_HIGH_RISK: f"visible high risk: {rules.high_risk_at} or more yes",
        MaracCriterion.PROFESSIONAL_JUDGEMENT: "professional judgement, reason recorded",
        MaracCriterion.POTENTIAL_ESCALATION: (
            f"potential escalation: {incidents} incidents in {rules.escalation_window_months} months"
        ),
        MaracCriterion.REPEAT: (
            f"repeat: new incident within {rules.escalation_window_months} months of the last referral"
        ),
    }
    verdict = "high risk" if high_risk else "not high risk on the checklist"
    return f"{head}: {verdict} — refer to MARAC ({'; '.join(details[c] for c in met)})"
