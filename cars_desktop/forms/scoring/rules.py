"""The scoring rules as versioned reference data (resources/reference/scoring.json).

Cut-offs, band edges and allowed item values live in data, not in the scoring code, so that a
change of published guidance is a new rules version with its own effective date and a stored
score can always say which rules made it. The models check the file's internal consistency when
it loads (bands contiguous and covering every possible total, subscales splitting the questions),
so the scoring code can rely on it and a bad edit fails at start-up, not in front of a worker.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import resource_path


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AuditQuestion(_Frozen):
    """One AUDIT question and the scores it accepts (questions 9 and 10 skip 1 and 3)."""

    number: int
    values: tuple[int, ...]


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class AuditBand:
    """A UK AUDIT risk band with its WHO zone and the action the guidance suggests.

    A (pydantic) dataclass rather than a model so that `dataclasses.asdict` of a result turns
    it into plain data for storage, like the rest of the result.
    """

    code: str
    label: str
    qualifier: str | None  # e.g. "harmful"; null in the file where the label says it all
    min_total: int
    max_total: int
    who_zone: str
    action: str
    advice: str
    refer: bool

    @property
    def title(self) -> str:
        """The label a worker reads, e.g. "higher risk (harmful)"."""
        return f"{self.label} ({self.qualifier})" if self.qualifier else self.label


class AuditRules(_Frozen):
    """The full 10-question AUDIT: allowed values, subscales, dependence flag and bands."""

    questions: tuple[AuditQuestion, ...]
    consumption: tuple[int, ...]
    dependence: tuple[int, ...]
    harm: tuple[int, ...]
    dependence_flag_at: int
    dependence_flag_advice: str
    bands: tuple[AuditBand, ...]

    @property
    def numbers(self) -> tuple[int, ...]:
        """The question numbers, 1 to 10."""
        return tuple(q.number for q in self.questions)

    @property
    def max_total(self) -> int:
        """The highest possible total (40), which the last band must reach."""
        return sum(max(q.values) for q in self.questions)

    def values_for(self, number: int) -> tuple[int, ...]:
        """The scores one question accepts."""
        return next(q.values for q in self.questions if q.number == number)

    def band_for(self, total: int) -> AuditBand:
        """The band holding this total (the validator guarantees exactly one)."""
        return next(b for b in self.bands if b.min_total <= total <= b.max_total)

    @model_validator(mode="after")
    def _consistent(self) -> AuditRules:
        numbers = self.numbers
        if numbers != tuple(range(1, len(numbers) + 1)):
            raise ValueError("AUDIT questions must be numbered 1, 2, 3, ... in order")
        if sorted(self.consumption + self.dependence + self.harm) != list(numbers):
            raise ValueError("AUDIT subscales must split the questions exactly once each")
        if any(not q.values or min(q.values) != 0 for q in self.questions):
            raise ValueError("every AUDIT question must accept 0")
        edge = 0
        for band in self.bands:
            if band.min_total != edge or band.max_total < band.min_total:
                raise ValueError(f"AUDIT band {band.code} must start at {edge}")
            edge = band.max_total + 1
        if edge != self.max_total + 1:
            raise ValueError(f"AUDIT bands must end at the maximum total {self.max_total}")
        return self


class AuditCRules(_Frozen):
    """AUDIT-C: the consumption questions and the UK positive cut-off."""

    questions: tuple[int, ...]
    positive_at: int


class SdsDrug(_Frozen):
    """A drug the SDS may be asked about; `positive_at` is None where no cut-off is validated."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    positive_at: int | None
    source: str


class SdsRules(_Frozen):
    """Severity of Dependence Scale: item count, item values and per-drug cut-offs."""

    questions: int
    values: tuple[int, ...]
    drugs: tuple[SdsDrug, ...]

    def drug(self, name: str) -> SdsDrug | None:
        """The drug by code, name or alias (case and spacing ignored), or None if not listed."""
        key = _key(name)
        for drug in self.drugs:
            if key in {_key(drug.code), _key(drug.name), *(_key(a) for a in drug.aliases)}:
                return drug
        return None


class DashRules(_Frozen):
    """SafeLives Dash RIC: answer codes, which one counts, and the MARAC thresholds."""

    questions: int
    answers: tuple[str, ...]
    answer_labels: dict[str, str]
    aliases: dict[str, str] = Field(default_factory=dict)
    counted_answer: str
    high_risk_at: int
    escalation_incidents_at: int
    escalation_window_months: int

    def answer_code(self, raw: str) -> str | None:
        """The answer code for what was recorded (case and spacing ignored), or None if unknown."""
        key = _key(raw)
        key = self.aliases.get(key, key)
        return key if key in self.answers else None

    @model_validator(mode="after")
    def _consistent(self) -> DashRules:
        if self.counted_answer not in self.answers or set(self.answer_labels) != set(self.answers):
            raise ValueError("DASH counted answer and labels must match the answer codes")
        if not {"not_known", "not_asked"} <= set(self.answers) - {self.counted_answer}:
            raise ValueError("DASH answers must include not_known and not_asked, neither of them counted")
        if not all(target in self.answers for target in self.aliases.values()):
            raise ValueError("DASH answer aliases must point at answer codes")
        return self


class TopRules(_Frozen):
    """TOP look-back: weekly counts of days over the previous 28 days."""

    weeks: int
    max_days_per_week: int
    max_total_days: int


class ScoringRules(_Frozen):
    """One version of every instrument's rules, in effect from a date."""

    version: int
    effective_from: date
    note: str = ""
    audit: AuditRules
    audit_c: AuditCRules
    sds: SdsRules
    dash: DashRules
    top: TopRules

    @model_validator(mode="after")
    def _audit_c_is_consumption(self) -> ScoringRules:
        if self.audit_c.questions != self.audit.consumption:
            raise ValueError("AUDIT-C questions must be the AUDIT consumption questions")
        return self


class ScoringReference(_Frozen):
    """All shipped rules versions, oldest first."""

    list_name: Literal["scoring"] = Field(alias="list")
    note: str = ""
    versions: tuple[ScoringRules, ...] = Field(min_length=1)

    def in_effect(self, on: date) -> ScoringRules:
        """The newest version whose effective date is on or before `on`."""
        current = [v for v in self.versions if v.effective_from <= on]
        if not current:
            first = self.versions[0].effective_from
            raise InvalidInput(
                f"no scoring rules are in effect on {on:%d %b %Y}; the first rules start on {first:%d %b %Y}"
            )
        return current[-1]

    @model_validator(mode="after")
    def _ordered(self) -> ScoringReference:
        pairs = [(v.version, v.effective_from) for v in self.versions]
        for (v1, d1), (v2, d2) in pairwise(pairs):
            if not (v2 > v1 and d2 > d1):
                raise ValueError("scoring rules versions must rise in number and effective date")
        return self


def _key(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


@cache
def scoring_reference() -> ScoringReference:
    """Load resources/reference/scoring.json once."""
    raw = json.loads(resource_path("reference", "scoring.json").read_text(encoding="utf-8"))
    return ScoringReference.model_validate(raw)


def scoring_rules(on: date | None = None) -> ScoringRules:
    """The rules in effect on a date (today by default)."""
    return scoring_reference().in_effect(on or date.today())
