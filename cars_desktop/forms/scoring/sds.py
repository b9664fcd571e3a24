"""Severity of Dependence Scale (Gossop et al. 1995; DOMAIN.md 3.3) with per-drug cut-offs.

The cut-off depends on the drug and is only published for some. For a drug without a validated
cut-off (benzodiazepines, or any drug not in the reference data) the total is recorded but not
called positive or negative: `positive` is None with an explanation, never a borrowed number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.scoring.answers import item_score, numbered_answers, required
from cars_desktop.forms.scoring.rules import scoring_rules

SDS = "SDS"


@dataclass(frozen=True, slots=True)
class SdsResult:
    """SDS total 0-15 for one named drug, interpreted only where a cut-off is validated."""

    items: tuple[int, ...]
    drug: str
    total: int
    positive_at: int | None
    positive: bool | None
    explanation: str
    summary: str
    rules_version: int


def sds(items: Mapping[int, int] | Sequence[int], drug: str, *, on: date | None = None) -> SdsResult:
    """Score the SDS for the drug it was asked about.

    Input: a list of 5 scores (questions 1-5) or a mapping {question number: score}, each 0-3;
    `drug` as named on the form (code, name or alias, any case). Positive at the drug's cut-off
    from the rules in effect `on` (heroin 3, cocaine 4, amphetamine 4, cannabis 3).
    """
    if not isinstance(drug, str) or not drug.strip():
        raise InvalidInput("SDS needs the drug it was asked about")
    in_effect = scoring_rules(on)
    rules = in_effect.sds
    numbers = tuple(range(1, rules.questions + 1))
    answers = numbered_answers(SDS, items, numbers)
    scores = tuple(item_score(SDS, n, required(SDS, answers, n), rules.values) for n in numbers)
    total = sum(scores)
    known = rules.drug(drug)
    name = known.name if known else drug.strip()
    if known is None or known.positive_at is None:
        cut_off = None
        positive = None
        reason = known.source if known else "the drug is not in the SDS reference data"
        explanation = f"no validated SDS cut-off for {name} ({reason}); the total is recorded, not rated"
        summary = f"SDS {total} for {name}: no validated cut-off, so not rated positive or negative"
    else:
        cut_off = known.positive_at
        positive = total >= cut_off
        explanation = f"cut-off for {name} is {cut_off} or more ({known.source})"
        verdict = "positive — suggests dependence" if positive else "negative"
        summary = f"SDS {total} for {name}: {verdict} (cut-off {cut_off} or more)"
    return SdsResult(scores, name, total, cut_off, positive, explanation, summary, in_effect.version)
