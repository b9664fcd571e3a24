"""The pull window is about people: an old Person travels with today's assessment, on every page.

With a window, the feed sends a record when the server received it within the window or when
its person is active (some record of theirs was received within the window); inactive people's
old records stay on the server. `person_records` returns all of one person's records, whatever
the window, for the workstation's backfill. SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from cars_protocol.records import RecordBase
from cars_protocol.sync import PushRequest
from cars_server.sync.caller import Caller
from cars_server.sync.feed import FeedScope, read_feed, scope_for
from cars_server.sync.ingest import apply_push
from cars_server.sync.person_records import person_records
from tests.factories import assessment, episode, person
from tests.server.sync.conftest import NOW, change_of

WINDOW_DAYS = 30
LONG_AGO = NOW - timedelta(days=200)


def _push(engine: Engine, caller: Caller, records: list[RecordBase], received: datetime = NOW) -> None:
    apply_push(engine, caller, PushRequest(changes=[change_of(r) for r in records]), received)


def _pull_all(engine: Engine, scope: FeedScope, cursor: int, limit: int) -> tuple[list[str], int]:
    """Every record id the feed delivers from `cursor`, page by page, and the final cursor."""
    delivered: list[str] = []
    while True:
        page = read_feed(engine, scope, cursor, limit)
        assert all(item.seq > cursor for item in page.items)
        delivered.extend(str(item.record["id"]) for item in page.items)
        cursor = page.cursor
        if not page.more:
            return delivered, cursor


def _ids(*records: RecordBase) -> set[str]:
    return {str(r.id) for r in records}


@pytest.fixture
def casework(engine: Engine, caller: Caller) -> dict[str, list[RecordBase]]:
    """Three invented people, pushed in this order (so old records sit low in the feed):

    * returning: Person, episode and assessment received long ago, a new assessment today;
    * dormant: Person and assessment received long ago, nothing since;
    * fresh: Person and assessment received today.
    """
    returning = person(family_name="Wrenfield")
    dormant = person(family_name="Ollerton")
    fresh = person(family_name="Brackenbury")
    old = [returning, episode(returning.id), assessment(returning.id), dormant, assessment(dormant.id)]
    _push(engine, caller, old, LONG_AGO)
    new_assessment = assessment(returning.id, note="Arrested again today")
    _push(engine, caller, [fresh, assessment(fresh.id), new_assessment])
    return {
        "returning": [*old[:3], new_assessment],
        "dormant": old[3:],
        "fresh": [fresh],
    }


@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_an_old_person_travels_with_todays_assessment_on_every_page_size(
    engine: Engine, caller: Caller, casework: dict[str, list[RecordBase]], limit: int
) -> None:
    delivered, _ = _pull_all(engine, scope_for(caller, NOW, WINDOW_DAYS), 0, limit)

    returning = _ids(*casework["returning"])
    assert returning <= set(delivered)  # the old Person, episode and assessment with the new one
    assert not _ids(*casework["dormant"]) & set(delivered)  # an inactive person's records stay behind
    assert len(delivered) == len(set(delivered)) == len(returning) + 2  # plus the fresh person's two


def test_without_a_window_everything_is_delivered(
    engine: Engine, caller: Caller, casework: dict[str, list[RecordBase]]
) -> None:
    delivered, _ = _pull_all(engine, FeedScope(site_codes=None), 0, 2)

    assert len(delivered) == 8 and _ids(*casework["dormant"]) <= set(delivered)


def test_the_window_is_the_servers_receipt_time_not_the_workstations_clock(
    engine: Engine, caller: Caller
) -> None:
    # Saved 60 days ago on a PC that was offline since, received today: in the window.
    offline = person(
        family_name="Ashworth", created_at=NOW - timedelta(days=60), updated_at=NOW - timedelta(days=60)
    )
    _push(engine, caller, [offline])
    # Saved "today" by a PC whose clock runs fast, but received long ago: not in the window.
    stale = person(family_name="Fenwick", created_at=LONG_AGO, updated_at=NOW)
    _push(engine, caller, [stale], LONG_AGO)

    delivered, _ = _pull_all(engine, scope_for(caller, NOW, WINDOW_DAYS), 0, 10)

    assert delivered == [str(offline.id)]


def test_a_workstation_past_the_old_records_gets_only_the_new_one_and_backfills_the_rest(
    engine: Engine, caller: Caller
) -> None:
    scope = scope_for(caller, NOW, WINDOW_DAYS)
    returning = person(family_name="Hollingsworth")
    old = [returning, episode(returning.id), assessment(returning.id)]
    _push(engine, caller, old, LONG_AGO)
    assert _pull_all(engine, scope, 0, 2) == ([], 0)  # nobody active yet

    # Somebody else arrives and the workstation pulls: its cursor is now past the old records.
    _push(engine, caller, [person(family_name="Pennington")])
    _, cursor = _pull_all(engine, scope, 0, 2)
    new_assessment = assessment(returning.id, note="Seen again")
    _push(engine, caller, [new_assessment])
    later, _ = _pull_all(engine, scope, cursor, 1)

    assert later == [str(new_assessment.id)]
    backfill = person_records(engine, scope, returning.id)
    assert [str(item.record["id"]) for item in backfill.items] == [str(r.id) for r in [*old, new_assessment]]
    assert [item.seq for item in backfill.items] == sorted(item.seq for item in backfill.items)


def test_the_backfill_of_an_unknown_person_is_empty(engine: Engine, caller: Caller) -> None:
    _push(engine, caller, [person(family_name="Kettlewell")])

    assert person_records(engine, scope_for(caller, NOW, WINDOW_DAYS), uuid.uuid4()).items == []
