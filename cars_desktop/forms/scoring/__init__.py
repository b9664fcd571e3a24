"""Exact scoring of the screening instruments CARS forms use (DOMAIN.md 3 and 6.3).

Pure functions, no Qt and no SQL, so the desktop forms, documents, reports and the central server
all score the same way. Cut-offs and band edges come from resources/reference/scoring.json
(versioned, with effective dates) and each result records the rules version that made it.
Bad input raises `InvalidInput` with a message naming the question in a worker's words.

Form specs name a scoring function by its key in `SCORERS`; each function's docstring states
the input shape it expects.
"""

from __future__ import annotations

from collections.abc import Callable

from cars_desktop.forms.scoring.audit import AuditCResult, AuditResult, audit, audit_c
from cars_desktop.forms.scoring.dash import DashResult, MaracCriterion, dash
from cars_desktop.forms.scoring.rules import AuditBand, ScoringReference, ScoringRules, scoring_rules
from cars_desktop.forms.scoring.sds import SdsResult, sds
from cars_desktop.forms.scoring.top import top_days

SCORERS: dict[str, Callable[..., object]] = {
    "audit": audit,
    "audit_c": audit_c,
    "sds": sds,
    "dash": dash,
    "top_days": top_days,
}

__all__ = [
    "SCORERS",
    "AuditBand",
    "AuditCResult",
    "AuditResult",
    "DashResult",
    "MaracCriterion",
    "ScoringReference",
    "ScoringRules",
    "SdsResult",
    "audit",
    "audit_c",
    "dash",
    "scoring_rules",
    "sds",
    "top_days",
]
