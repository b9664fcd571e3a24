"""Open actions are chosen by the store (site, live, open or in progress), not by reading every action."""

from __future__ import annotations

from datetime import date, timedelta

from cars_desktop.services.actions import open_actions
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.lookup_repository import LookupRepository
from cars_protocol.records import ActionStatus, ActionType, Person
from tests.conftest import SITE, WORKER
from tests.services.test_actions import action


def test_only_live_open_or_in_progress_actions_at_this_site_are_read(session: WorkstationSession) -> None:
    person = Person(
        site_code=SITE,
        author=WORKER,
        family_name="Queried",
        given_names="Ash",
        date_of_birth=date(1988, 3, 9),
    )
    hour = timedelta(hours=1)
    wanted = [
        action(person, WORKER, ActionType.MARAC, hour),
        action(person, WORKER, ActionType.NRM, hour, status=ActionStatus.IN_PROGRESS),
    ]
    unwanted = [
        action(person, WORKER, ActionType.SAFEGUARDING, hour, status=ActionStatus.DONE),
        action(person, WORKER, ActionType.SAFEGUARDING, hour, status=ActionStatus.CANCELLED),
        action(person, WORKER, ActionType.SAFEGUARDING, hour).model_copy(update={"site_code": "WALSALL"}),
    ]
    save_records(session, [person, *wanted, *unwanted])
    with session.unit_of_work() as uow:
        read = LookupRepository(uow.session).live_at_site_in_states(
            "action", SITE, [ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value]
        )
    assert {r.id for r in read} == {a.id for a in wanted}
    listed = open_actions(session, log_consultation=False)
    assert {i.action_id for i in listed.items} == {a.id for a in wanted}
    assert {i.person_name for i in listed.items} == {"Ash Queried"}
