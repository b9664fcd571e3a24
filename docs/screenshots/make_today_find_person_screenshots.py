"""Render Find a person (a misspelt name typed) and the court list import preview, at 1366x768.

Run from the repository root (Today itself comes from `scripts/screenshots.py today`):

    PYTHONPATH=. .venv/bin/python docs/screenshots/make_today_find_person_screenshots.py

Uses the demo store of `scripts/screenshots.py` (invented people only) on a throwaway copy, and an
invented court list with one good row per known person, one new person and three bad rows.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from cars_desktop.services.today import load_today, uk_today
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.find_person_page import FindPersonPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.today_page import TodayPage
from cars_desktop.ui.task_runner import TaskRunner
from scripts.screenshots import (
    BENCH_USER,
    DEMO_DAYS,
    DEMO_PEOPLE,
    OUT,
    QuietNavigator,
    grab,
    seeded_store,
    settle,
    signed_in,
    working_copy,
)


def main() -> int:
    app = QApplication(sys.argv[:1])
    seeded = seeded_store(people=DEMO_PEOPLE, days=DEMO_DAYS, cheap_kdf=True)
    with tempfile.TemporaryDirectory(prefix="cars-shots-") as scratch:
        store = working_copy(seeded, Path(scratch) / "workstation")
        runner = TaskRunner()
        context = AppContext(store.settings, store.data_dir, runner)
        with signed_in(store, BENCH_USER) as session:
            page_context = PageContext(context, session, ChangeBus(), QuietNavigator())
            known = load_today(session)[:2]
            find = FindPersonPage(page_context)
            find.setWindowTitle("CARS Desktop — Find a person")
            name = known[0].family_name.lower() if known else "smith"
            find.name.setText(f"{name[:3]}{name[4:]}")  # one letter dropped, as typed in a hurry
            find.search_now()
            grab(app, runner, find, "find-person.png")
            find.close()

            day = uk_today().strftime("%d/%m/%Y")
            lines = ["Date,Court,Courtroom,Surname,Forenames,Date of birth,PNC ID,Offence,Hearing time"]
            for entry in known:
                dob = entry.date_of_birth.strftime("%d/%m/%Y")
                lines.append(f"{day},Oldbury,1,{entry.family_name},{entry.given_names},{dob},,Theft,10:00")
            lines += [
                f"{day},Oldbury,2,Quenby,Ada,09/09/1999,,Possession of a Class A drug,10:30",
                f"{day},Oldbury,2,Treharne,Col,31/02/1990,,Assault,11:00",
                f"{day},Oldbury,2,,Bo,01/01/1980,,Theft,11:15",
                f"{day},Oldbury,3,Ulverton,Max,01/01/1980,ABC,Theft,25:00",
            ]
            csv_path = Path(scratch) / "court-list.csv"
            csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            today = TodayPage(page_context)
            dialog = today.import_court_list()
            dialog.load_file(csv_path)
            settle(app, runner)
            grab(app, runner, dialog, "court-list-import.png")
            dialog.close()
            today.close()
        runner.wait_for_done()
        runner.shutdown()
    print(f"written under {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
