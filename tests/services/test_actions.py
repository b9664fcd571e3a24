"""Open actions: a worker's own, a supervisor's whole site; marking in progress or done with a note."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.services.actions import open_actions, update_action
from cars_desktop.services.records import open_record, save_records
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import Action, ActionStatus, ActionType, Person, Role
from tests.conftest import ADMIN, ADMIN_PASSWORD, CUSTODY, CUSTODY_PASSWORD, SITE, WORKER, Workstation

NOW = datetime.now(UTC)
OTHER = "jo.worker"
OTHER_PASSWORD = "yet another pass"


def action(
    person: Person, owner: str, kind: ActionType, due_in: timedelta | None, **changes: object
) -> Action:
    return Action(
        site_code=SITE,
        author=owner,
        person_id=person.id,
        action_type=kind,
        owner=owner,
        due_at=NOW + due_in if due_in is not None else None,
        notes="Raised by the form",
        **changes,
    )


@pytest.fixture
def other_worker(workstation: Workstation) -> None:
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        enrol_user(admin, OTHER, "Jo Worker", frozenset({Role.WORKER}), OTHER_PASSWORD)
    finally:
        admin.lock()


@pytest.fixture
def actions(session: WorkstationSession, other_worker: None) -> dict[str, Action]:
    person = Person(
        site_code=SITE, author=WORKER, family_name="Acted", given_names="Lee", date_of_birth=date(1979, 8, 1)
    )
    made = {
        "mine_later": action(person, WORKER, ActionType.MARAC, timedelta(hours=20)),
        "mine_overdue": action(person, WORKER, ActionType.POLICE_NOTIFICATION, timedelta(hours=-2)),
        "mine_undated": action(person, WORKER, ActionType.NRM, None),
        "theirs": action(person, OTHER, ActionType.SAFEGUARDING, timedelta(hours=1)),
        "done": action(person, WORKER, ActionType.SAFEGUARDING, timedelta(hours=1), status=ActionStatus.DONE),
        "elsewhere": action(person, WORKER, ActionType.SAFEGUARDING, timedelta(hours=1)).model_copy(
            update={"site_code": "WALSALL"}
        ),
    }
    save_records(session, [person, *made.values()])
    return made


def test_own_open_actions_soonest_due_first(session: WorkstationSession, actions: dict[str, Action]) -> None:
    shown = open_actions(session)
    assert [i.action_id for i in shown.items] == [
        actions["mine_overdue"].id,
        actions["mine_later"].id,
        actions["mine_undated"].id,
    ]
    assert shown.items[0].overdue(NOW) and not shown.items[1].overdue(NOW)
    assert shown.items[0].person_name == "Lee Acted" and shown.items[0].type_label == "Police notification"
    assert not shown.whole_site


def test_a_supervisor_sees_the_whole_site_own_first(
    session: WorkstationSession, actions: dict[str, Action]
) -> None:
    shown = open_actions(session, whole_site=True)
    assert shown.whole_site
    assert [i.action_id for i in shown.items][-1] == actions["theirs"].id
    assert not shown.items[-1].mine


def test_a_worker_asking_for_the_whole_site_gets_their_own(
    workstation: Workstation, actions: dict[str, Action]
) -> None:
    worker = workstation.unlock(OTHER, OTHER_PASSWORD)
    try:
        shown = open_actions(worker, whole_site=True)
    finally:
        worker.lock()
    assert not shown.whole_site and [i.action_id for i in shown.items] == [actions["theirs"].id]


def test_custody_staff_see_no_actions(workstation: Workstation, actions: dict[str, Action]) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            open_actions(custody)
    finally:
        custody.lock()


def test_marking_in_progress_then_done_keeps_each_note(
    session: WorkstationSession, actions: dict[str, Action]
) -> None:
    target = actions["mine_overdue"]
    saved = update_action(session, target.id, 1, ActionStatus.IN_PROGRESS, "Rang the custody desk")
    assert saved.changes.record_ids == {target.id}
    update_action(session, target.id, 2, ActionStatus.DONE, "PC 1234 told by phone")
    stored = open_record(session, target.id)
    assert isinstance(stored, Action) and stored.status is ActionStatus.DONE
    lines = (stored.notes or "").splitlines()
    assert lines[0] == "Raised by the form"
    assert lines[1].endswith(f"{WORKER} (in progress): Rang the custody desk")
    assert lines[2].endswith(f"{WORKER} (done): PC 1234 told by phone")
    assert target.id not in {i.action_id for i in open_actions(session).items}


def test_done_needs_a_note_and_the_revision_seen(
    session: WorkstationSession, actions: dict[str, Action]
) -> None:
    target = actions["mine_later"]
    with pytest.raises(InvalidInput, match="say what was done"):
        update_action(session, target.id, 1, ActionStatus.DONE, "  ")
    with pytest.raises(InvalidInput, match="changed by someone else"):
        update_action(session, target.id, 5, ActionStatus.IN_PROGRESS, "")
    with pytest.raises(InvalidInput):
        update_action(session, target.id, 1, ActionStatus.OPEN, "back")
