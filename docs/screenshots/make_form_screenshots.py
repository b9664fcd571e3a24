"""Render three forms in the generic form widget offscreen at 1366x768, for the docs and for review.

Run from the repository root:  PYTHONPATH=. .venv/bin/python docs/screenshots/make_form_screenshots.py

Writes form_lifestyle.png (the AUDIT-C section with its live score), form_vulnerability.png (the
DASH checklist with its count) and form_naloxone.png (a Naloxone supply). Each form is a draft of
the latest shipped version with invented answers, saved in a throwaway workstation in a temporary
folder, so no real store is read and nothing personal can appear.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication
from screenshot_store import SETTINGS, WORKER, WORKER_PASSWORD, make_demo_store, save_grab

from cars_desktop.services.forms import save_draft, start_form
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.task_runner import InlineTaskRunner
from cars_desktop.ui.widgets.form_widget import FormWidget
from cars_protocol.records import Person

TODAY = date.today()

LIFESTYLE: dict[str, Any] = {
    "assessment_type": "voluntary_custody",
    "referral_source": "arrest_referral",
    "interpreter_used": "no",
    "problem_use": "yes",
    "substances": [
        {"substance": "heroin", "route": "smoked", "frequency": "daily", "amount": "£20 to £30 a day"},
        {"substance": "alcohol", "route": "oral", "frequency": "4_6_days_week", "amount": "4 cans"},
    ],
    "injecting_status": "previously_injected",
    "overdose_ever": "no",
    "audit_1": 3,
    "audit_2": 2,
    "audit_3": 2,
    "drinking_days_28": 18,
    "audit_4": 1,
}

VULNERABILITY: dict[str, Any] = {
    "feeling_today": "Low and tired; says she has not slept for two days.",
    "current_self_harm_thoughts": "no",
    "self_harm_history": "no",
    "mh_diagnosis": "no",
    "da_disclosed": "yes",
    "da_role": "victim",
    "safe_to_talk": "yes",
    "safe_contact": "Text her own mobile after 6 pm; do not leave messages.",
    **{
        f"dash_{n}": answer
        for n, answer in enumerate(["yes", "yes", "no", "yes", "not_known", "no"], start=1)
    },
}

NALOXONE: dict[str, Any] = {
    "opioid_use": "yes",
    "advice_given": ["overdose_risk", "bbv_testing"],
    "naloxone_offered": "yes",
    "consent_to_supply": "yes",
    "recipient_type": "family_friend_carer",
    "recipient_name": "Marian Kettleby",
    "recipient_dob": "1968-04-17",
    "supply_location": "custody",
    "product": "nyxoid",
    "batch_number": "NX24-0917",
    "supplied_on": TODAY.isoformat(),
    "expiry_date": (TODAY + timedelta(days=560)).isoformat(),
    "quantity": 1,
    "reason": "first_supply",
    "training_kind": "full",
    "training_topics": ["risk_factors", "recognising_overdose", "call_999", "recovery_position"],
}

SHOTS = [
    ("lifestyle", LIFESTYLE, "alcohol", "form_lifestyle.png"),
    ("vulnerability", VULNERABILITY, "dash", "form_vulnerability.png"),
    ("harm_reduction", NALOXONE, "supply", "form_naloxone.png"),
]


def _shoot(
    app: QApplication,
    context: AppContext,
    session: WorkstationSession,
    shot: tuple[str, dict[str, Any], str, str],
) -> Path:
    form_id, answers, section_id, name = shot
    person = Person(
        site_code=session.site_code,
        author=session.user.username,
        family_name="Kettleby",
        given_names="Rowan",
        date_of_birth=date(1991, 5, 3),
    )
    save_records(session, [person])
    draft = save_draft(session, start_form(session, form_id, person.id), answers)
    widget = FormWidget(context, session, draft, autosave_ms=60_000)
    save_grab(app, widget, name)  # lays the form out before moving to the section
    section = next(n for n, s in enumerate(widget.spec.sections) if s.id == section_id)
    widget.go_to_section(section)
    path = save_grab(app, widget, name)
    widget.close()
    return path


def main() -> int:
    """Write the three form screenshots."""
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="cars-form-shots-") as tmp:
        data_dir = Path(tmp) / "store"
        make_demo_store(data_dir)
        context = AppContext(SETTINGS, data_dir, InlineTaskRunner())
        session = unlock(SETTINGS, data_dir, WORKER, WORKER_PASSWORD)
        try:
            for shot in SHOTS:
                print(_shoot(app, context, session, shot))
        finally:
            session.lock("screenshots")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
