"""Render the person record, release and actions pages from invented casework, offscreen, at 1366x768.

Run from the repository root:
    PYTHONPATH=. .venv/bin/python docs/screenshots/make_person_release_actions_screenshots.py

A throwaway OLDBURY workstation is seeded with invented people (`services/seed.py`), plus one
invented person leaving custody today with a Naloxone kit in property, a required initial
assessment, a safeguarding action and a release pack printed. Writes person.png, release.png and
actions.png beside this script.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication
from screenshot_store import SETTINGS, WORKER, WORKER_PASSWORD, make_demo_store, save_grab

from cars_desktop.documents.model import DocumentKind
from cars_desktop.services.documents import preview_document, record_print
from cars_desktop.services.form_projections import derived_id
from cars_desktop.services.records import save_records
from cars_desktop.services.seed import seed
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.actions_page import ActionsPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.person_page import PersonPage
from cars_desktop.ui.pages.release_page import ReleasePage
from cars_desktop.ui.task_runner import InlineTaskRunner
from cars_protocol.records import (
    Action,
    ActionType,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    CustodyEpisode,
    NaloxoneProduct,
    NaloxoneSupply,
    Person,
    RecordBase,
)

SITE = "OLDBURY"


class QuietNavigator:
    """The screenshots open nothing else."""

    def show_page(self, page_id: str) -> None: ...
    def open_person(self, person_id: uuid.UUID) -> None: ...
    def open_form(self, *args: object, **kwargs: object) -> None: ...
    def preview_document(self, *args: object, **kwargs: object) -> None: ...
    def notify(self, message: str) -> None: ...


def invented_leaver(session: WorkstationSession) -> Person:
    """One invented person arrived this morning, with a kit in property and two actions."""
    now = datetime.now(UTC)
    person = Person(
        site_code=SITE,
        author=WORKER,
        family_name="Specimen",
        given_names="Jordan",
        date_of_birth=date(1991, 7, 14),
        aliases=["Jay Specimen"],
        address="12 Invented Close, Oldbury",
        postcode="B69 0ZZ",
        local_authority="SANDWELL",
        pnc_id="91/000001Z",
        phone="07700 900123",
    )
    episode = CustodyEpisode(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        custody_record_number="20/000123/26",
        arrived_at=now - timedelta(hours=5),
        offences=["Theft from a shop"],
        trigger_offence=True,
        created_at=now - timedelta(hours=5),
        updated_at=now - timedelta(hours=5),
    )
    initial = Assessment(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        episode_id=episode.id,
        kind=AssessmentKind.REQUIRED_INITIAL,
        form_id="required_initial",
        form_version=1,
        status=AssessmentStatus.COMPLETED,
        completed_at=now - timedelta(hours=3),
        created_at=now - timedelta(hours=4),
        updated_at=now - timedelta(hours=3),
    )
    harm = Assessment(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        episode_id=episode.id,
        kind=AssessmentKind.HARM_REDUCTION,
        form_id="harm_reduction",
        form_version=2,
        status=AssessmentStatus.COMPLETED,
        completed_at=now - timedelta(hours=2, minutes=30),
        created_at=now - timedelta(hours=2, minutes=40),
        updated_at=now - timedelta(hours=2, minutes=30),
    )
    kit = NaloxoneSupply(
        id=derived_id(harm.id, NaloxoneSupply.record_type),
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        episode_id=episode.id,
        product=NaloxoneProduct.NYXOID,
        batch_number="SPEC-001",
        expiry_date=date.today() + timedelta(days=500),
        supplied_on=date.today(),
        handed_to_property=True,
        consent_given=True,
        leaflet_given=True,
    )
    vulnerability = Assessment(
        site_code=SITE,
        author=WORKER,
        person_id=person.id,
        episode_id=episode.id,
        kind=AssessmentKind.VULNERABILITY,
        form_id="vulnerability",
        form_version=1,
    )
    actions: list[RecordBase] = [
        Action(
            site_code=SITE,
            author=WORKER,
            person_id=person.id,
            source_record_id=initial.id,
            action_type=ActionType.SAFEGUARDING,
            owner=WORKER,
            due_at=now - timedelta(minutes=40),
            notes="Children at home: refer to children's services",
        ),
        Action(
            site_code=SITE,
            author=WORKER,
            person_id=person.id,
            source_record_id=initial.id,
            action_type=ActionType.CUSTODY_OFFICER_ALERT,
            owner=WORKER,
            due_at=now + timedelta(minutes=50),
            notes="Tell the custody officer about the self-harm risk",
        ),
        Action(
            site_code=SITE,
            author="jo.worker",
            person_id=person.id,
            action_type=ActionType.MARAC,
            owner="jo.worker",
            due_at=now + timedelta(hours=20),
            notes="DASH 15: MARAC referral",
        ),
    ]
    save_records(session, [person, episode, initial, harm, kit, vulnerability, *actions])
    pack = preview_document(session, person.id, DocumentKind.HARM_REDUCTION_ADVICE)
    record_print(session, pack, None, "Custody printer 1")
    return person


def main() -> int:
    """Write person.png, release.png and actions.png."""
    app = QApplication(sys.argv)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "ws"
        make_demo_store(data_dir)
        session = unlock(SETTINGS, data_dir, WORKER, WORKER_PASSWORD)
        runner = InlineTaskRunner()
        try:
            seed(session, 150, days=14)
            person = invented_leaver(session)
            context = PageContext(
                AppContext(SETTINGS, data_dir, runner), session, ChangeBus(), QuietNavigator()
            )
            person_page = PersonPage(context)
            person_page.show_person(person.id)
            written.append(save_grab(app, person_page, "person.png"))
            person_page.close()
            release = ReleasePage(context)
            release.show_person(person.id)
            written.append(save_grab(app, release, "release.png"))
            release.close()
            actions = ActionsPage(context)
            actions.whole_site.setChecked(True)
            written.append(save_grab(app, actions, "actions.png"))
            actions.close()
        finally:
            runner.shutdown()
            session.lock("screenshots")
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
