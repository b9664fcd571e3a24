"""AUDIT and AUDIT-C scoring (DOMAIN.md 3.1, 3.2) with UK bands and WHO zones.

The real workflow asks AUDIT-C (questions 1-3) first and only asks questions 4-10 when AUDIT-C
is positive, so `audit` accepts either all ten answers or only the first three when AUDIT-C is
under the cut-off; it refuses a short AUDIT when AUDIT-C is positive, because the remaining
questions should then have been asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.scoring.answers import item_score, numbered_answers, required
from cars_desktop.forms.scoring.rules import AuditBand, AuditRules, scoring_rules

AUDIT = "AUDIT"


@dataclass(frozen=True, slots=True)
class AuditCResult:
    """AUDIT-C (questions 1-3): total 0-12, positive at the UK cut-off."""

    items: tuple[int, ...]
    total: int
    positive: bool
    positive_at: int
    summary: str
    rules_version: int

    @property
    def needs_full_audit(self) -> bool:
        """A positive AUDIT-C means the remaining seven AUDIT questions must be asked."""
        return self.positive


@dataclass(frozen=True, slots=True)
class AuditResult:
    """The AUDIT score with its band, subscales and dependence flag.

    `complete` is False when only questions 1-3 were asked (AUDIT-C under the cut-off): the
    total is then the AUDIT-C total, and `dependence` and `harm` are None because those
    questions were not asked (not because they scored 0).
    """

    items: tuple[int, ...]
    complete: bool
    total: int
    band: AuditBand
    consumption: int
    dependence: int | None
    harm: int | None
    dependence_flag: bool
    refer_for_specialist_assessment: bool
    action: str
    audit_c: AuditCResult
    summary: str
    rules_version: int


def audit_c(items: Mapping[int, int] | Sequence[int], *, on: date | None = None) -> AuditCResult:
    """Score AUDIT-C from questions 1-3.

    Input: a list of three scores (questions 1, 2, 3) or a mapping {1: s1, 2: s2, 3: s3}; each
    score 0-4. Positive at 5 or more (UK cut-off, from the rules in effect `on`).
    """
    rules = scoring_rules(on)
    answers = numbered_answers("AUDIT-C", items, rules.audit_c.questions)
    scores = _scores(rules.audit, answers, rules.audit_c.questions)
    return _audit_c_result(scores, rules.audit_c.positive_at, rules.version)


def audit(items: Mapping[int, int] | Sequence[int], *, on: date | None = None) -> AuditResult:
    """Score the full AUDIT, or AUDIT-C alone when it is under the cut-off.

    Input: a list of 10 scores (questions 1-10) or a mapping {question number: score}; questions
    1-8 score 0-4, questions 9 and 10 only 0, 2 or 4. When AUDIT-C (questions 1-3) is under 5 the
    remaining questions may be left out (list of 3, or a mapping without 4-10, or None for them).
    """
    rules = scoring_rules(on)
    spec = rules.audit
    answers = numbered_answers(AUDIT, items, spec.numbers)
    consumption = _scores(spec, answers, rules.audit_c.questions)
    screen = _audit_c_result(consumption, rules.audit_c.positive_at, rules.version)
    rest = [n for n in spec.numbers if n not in rules.audit_c.questions]
    if not any(n in answers for n in rest):
        if screen.positive:
            raise InvalidInput(
                f"AUDIT-C is {screen.total} ({screen.positive_at} or more), so AUDIT questions "
                f"{rest[0]} to {rest[-1]} must be asked too; question {rest[0]} has no answer"
            )
        return _partial(spec, screen, rules.version)
    scores = dict(zip(rules.audit_c.questions, consumption, strict=True))
    scores.update(zip(rest, _scores(spec, answers, tuple(rest)), strict=True))
    return _complete(spec, scores, screen, rules.version)


def _scores(spec: AuditRules, answers: Mapping[int, object], numbers: Sequence[int]) -> tuple[int, ...]:
    return tuple(item_score(AUDIT, n, required(AUDIT, answers, n), spec.values_for(n)) for n in numbers)


def _audit_c_result(scores: tuple[int, ...], positive_at: int, version: int) -> AuditCResult:
    total = sum(scores)
    positive = total >= positive_at
    if positive:
        summary = f"AUDIT-C {total}: positive ({positive_at} or more) — ask the remaining AUDIT questions"
    else:
        summary = f"AUDIT-C {total}: negative (under {positive_at}) — lower risk; no further AUDIT questions"
    return AuditCResult(scores, total, positive, positive_at, summary, version)


def _partial(spec: AuditRules, screen: AuditCResult, version: int) -> AuditResult:
    band = spec.band_for(screen.total)
    asked = len(screen.items)
    summary = (
        f"AUDIT {screen.total} (questions 1 to {asked} only; AUDIT-C under {screen.positive_at}, "
        f"so the rest were not asked): {band.title} — {band.advice}"
    )
    return AuditResult(
        items=screen.items,
        complete=False,
        total=screen.total,
        band=band,
        consumption=screen.total,
        dependence=None,
        harm=None,
        dependence_flag=False,
        refer_for_specialist_assessment=band.refer,
        action=band.action,
        audit_c=screen,
        summary=summary,
        rules_version=version,
    )


def _complete(spec: AuditRules, scores: dict[int, int], screen: AuditCResult, version: int) -> AuditResult:
    total = sum(scores.values())
    band = spec.band_for(total)
    dependence = sum(scores[n] for n in spec.dependence)
    flag = dependence >= spec.dependence_flag_at
    # UK guidance: no brief intervention for anyone who may be dependent; refer instead.
    refer = band.refer or flag
    flag_text = f"dependence items {spec.dependence_flag_at} or more"
    action = band.action if band.refer or not flag else f"{flag_text}: {spec.dependence_flag_advice}"
    advice = spec.dependence_flag_advice if flag else band.advice
    summary = f"AUDIT {total}: {band.title}" + (f"; {flag_text}" if flag else "") + f" — {advice}"
    return AuditResult(
        items=tuple(scores[n] for n in spec.numbers),
        complete=True,
        total=total,
        band=band,
        consumption=sum(scores[n] for n in spec.consumption),
        dependence=dependence,
        harm=sum(scores[n] for n in spec.harm),
        dependence_flag=flag,
        refer_for_specialist_assessment=refer,
        action=action,
        audit_c=screen,
        summary=summary,
        rules_version=version,
    )
