"""The change feed: pages in commit order, resumable cursors, first-pull window, conflict flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from cars_protocol.records import Role
from cars_protocol.sync import ErrorCode, PushRequest
from cars_server.sync.caller import Caller
from cars_server.sync.errors import ChangesRefused
from cars_server.sync.feed import FeedScope, read_feed, scope_for
from cars_server.sync.ingest import apply_push
from tests.factories import person
from tests.server.sync.conftest import NOW, OTHER_SITE, add_workstation, change_of, edit

EVERYWHERE = FeedScope(site_codes=None)


def test_pages_cover_every_record_once_and_the_cursor_resumes(engine: Engine, caller: Caller) -> None:
    people = [person(family_name=f"Tester{n}") for n in range(7)]
    apply_push(engine, caller, PushRequest(changes=[change_of(p) for p in people[:4]]), NOW)
    apply_push(engine, caller, PushRequest(changes=[change_of(p) for p in people[4:]]), NOW)

    seen: list[str] = []
    cursor, pages = 0, 0
    while True:
        page = read_feed(engine, EVERYWHERE, cursor, 3)
        pages += 1
        seen.extend(str(item.record["family_name"]) for item in page.items)
        assert [item.seq for item in page.items] == sorted(item.seq for item in page.items)
        assert all(item.seq > cursor for item in page.items)
        cursor = page.cursor
        if not page.more:
            break

    assert sorted(seen) == sorted(p.family_name for p in people)
    assert pages == 3
    # Nothing new: the cursor stays, and an edit shows up after it.
    assert read_feed(engine, EVERYWHERE, cursor, 3).items == []
    assert read_feed(engine, EVERYWHERE, cursor, 3).cursor == cursor


def test_an_edited_record_moves_to_the_end_of_the_feed(engine: Engine, caller: Caller) -> None:
    first, second = person(family_name="Amberley"), person(family_name="Birchall")
    created = change_of(first)
    apply_push(engine, caller, PushRequest(changes=[created, change_of(second)]), NOW)
    cursor = read_feed(engine, EVERYWHERE, 0, 10).cursor

    edited = change_of(edit(first, phone="07700 900222"), base_change_id=created.change_id)
    apply_push(engine, caller, PushRequest(changes=[edited]), NOW)
    page = read_feed(engine, EVERYWHERE, cursor, 10)

    assert [(item.record["family_name"], item.change_id) for item in page.items] == [
        ("Amberley", edited.change_id)
    ]
    full = read_feed(engine, EVERYWHERE, 0, 10)
    assert [item.record["family_name"] for item in full.items] == ["Birchall", "Amberley"]


def test_a_conflict_is_announced_in_the_feed(engine: Engine, caller: Caller) -> None:
    original = person()
    created = change_of(original)
    apply_push(engine, caller, PushRequest(changes=[created]), NOW)
    apply_push(
        engine,
        caller,
        PushRequest(changes=[change_of(edit(original, given_names="A"), base_change_id=created.change_id)]),
        NOW,
    )
    cursor = read_feed(engine, EVERYWHERE, 0, 10).cursor

    apply_push(
        engine,
        caller,
        PushRequest(changes=[change_of(edit(original, given_names="B"), base_change_id=created.change_id)]),
        NOW,
    )
    [item] = read_feed(engine, EVERYWHERE, cursor, 10).items

    assert item.conflicted is True
    assert item.record["given_names"] == "A"


def test_site_scope_and_first_pull_window(engine: Engine, caller: Caller) -> None:
    court = add_workstation(engine, site=OTHER_SITE, label="Court PC", username="cal.court")
    old = person(family_name="Oldfield")
    recent = person(family_name="Newbold")
    at_court = person(family_name="Courtney", site_code=OTHER_SITE)
    # The window is the server's receipt time (see test_feed_window.py for the people-based rule).
    apply_push(engine, caller, PushRequest(changes=[change_of(old)]), NOW - timedelta(days=40))
    apply_push(engine, caller, PushRequest(changes=[change_of(recent)]), NOW)
    apply_push(engine, court, PushRequest(changes=[change_of(at_court)]), NOW)

    windowed = scope_for(caller, NOW, window_days=30)
    first = read_feed(engine, windowed, 0, 10)
    own_site = read_feed(engine, FeedScope(site_codes=frozenset({OTHER_SITE})), 0, 10)

    assert windowed.site_codes is None
    assert sorted(item.record["family_name"] for item in first.items) == ["Courtney", "Newbold"]
    assert [item.record["family_name"] for item in own_site.items] == ["Courtney"]


@pytest.mark.parametrize(("cursor", "limit"), [(-1, 10), (0, 0), (0, 1001)])
def test_out_of_range_cursor_or_limit_is_refused(engine: Engine, cursor: int, limit: int) -> None:
    with pytest.raises(ChangesRefused) as refused:
        read_feed(engine, EVERYWHERE, cursor, limit)
    assert refused.value.code is ErrorCode.INVALID_REQUEST


def test_scope_is_service_wide_for_every_role() -> None:
    supervisor = Caller(
        "w", OTHER_SITE, "sue.super", frozenset({Role.SUPERVISOR.value}), frozenset({OTHER_SITE})
    )
    assert scope_for(supervisor, NOW, 14) == FeedScope(site_codes=None, active_since=NOW - timedelta(days=14))
