"""The feed never lets a cursor skip a change that commits late (PostgreSQL, concurrent writers).

A sequence value is not commit order: these tests hold a write transaction open while other
writes commit and a pull runs, then commit it, and show that the next pull still delivers it.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, text

from cars_protocol.records import Person
from cars_protocol.sync import PushRequest, ReceiptStatus
from cars_server.sync.caller import Caller
from cars_server.sync.feed import FeedScope, read_feed, stamp_feed
from cars_server.sync.ingest import apply_in, apply_push
from tests.factories import person
from tests.server.sync.conftest import NOW, add_workstation, change_of, edit

pytestmark = pytest.mark.postgres

EVERYWHERE = FeedScope(site_codes=None)
#: Upper bound for waiting on another connection to block; only a failing test ever waits this long.
BLOCK_WAIT_S = 30.0


def pull_all(engine: Engine, cursor: int, limit: int = 50) -> tuple[dict[str, int], list[str], int]:
    """Pull from `cursor` to the end: latest revision per record id, every id in order, new cursor."""
    latest: dict[str, int] = {}
    order: list[str] = []
    while True:
        page = read_feed(engine, EVERYWHERE, cursor, limit)
        for item in page.items:
            latest[str(item.record["id"])] = int(str(item.record["revision"]))
            order.append(str(item.record["id"]))
        cursor = page.cursor
        if not page.more:
            return latest, order, cursor


def wait_until_blocked_on_a_lock(engine: Engine) -> None:
    """Wait until some other session of this database is waiting for a lock (the feed_head row)."""
    deadline = time.monotonic() + BLOCK_WAIT_S
    with engine.connect() as watcher:
        while True:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            if waiting:
                return
            if time.monotonic() > deadline:
                pytest.fail("the second writer never queued behind the feed lock")
            time.sleep(0.02)
            watcher.rollback()


def test_a_transaction_committing_after_a_later_one_is_still_delivered(pg_engine: Engine) -> None:
    slow, fast = add_workstation(pg_engine, label="Slow PC"), add_workstation(pg_engine, label="Fast PC")
    late, early = person(family_name="Latimer"), person(family_name="Earley")

    with pg_engine.connect() as held:
        transaction = held.begin()
        applied = apply_in(held, slow, PushRequest(changes=[change_of(late)]), NOW)
        # Written but not yet stamped or committed; meanwhile another push commits and a pull runs.
        apply_push(pg_engine, fast, PushRequest(changes=[change_of(early)]), NOW)
        seen, _order, cursor = pull_all(pg_engine, 0)
        assert list(seen) == [str(early.id)]

        stamp_feed(held, applied.touched)
        transaction.commit()

    after, _order, _cursor = pull_all(pg_engine, cursor)
    assert list(after) == [str(late.id)]


def test_a_writer_behind_the_feed_lock_commits_after_the_holder(pg_engine: Engine) -> None:
    slow, fast = add_workstation(pg_engine, label="Slow PC"), add_workstation(pg_engine, label="Fast PC")
    late, later = person(family_name="Latimer"), person(family_name="Laterman")
    outcome: list[ReceiptStatus] = []

    def push_later() -> None:
        receipts = apply_push(pg_engine, fast, PushRequest(changes=[change_of(later)]), NOW).receipts
        outcome.extend(receipt.status for receipt in receipts)

    with pg_engine.connect() as held:
        transaction = held.begin()
        applied = apply_in(held, slow, PushRequest(changes=[change_of(late)]), NOW)
        stamp_feed(held, applied.touched)  # holds the feed_head row lock until commit
        writer = threading.Thread(target=push_later)
        writer.start()
        wait_until_blocked_on_a_lock(pg_engine)
        seen, _order, cursor = pull_all(pg_engine, 0)
        # The later writer cannot commit a feed position while the holder is in flight.
        assert seen == {}
        assert cursor == 0
        transaction.commit()
    writer.join()

    assert outcome == [ReceiptStatus.APPLIED]
    _seen, order, _cursor = pull_all(pg_engine, cursor)
    assert order == [str(late.id), str(later.id)]


def test_concurrent_pushes_and_a_live_puller_see_every_record_exactly_once(pg_engine: Engine) -> None:
    writers, batches, per_batch = 6, 4, 15
    callers: list[Caller] = [add_workstation(pg_engine, label=f"PC {n}") for n in range(writers)]
    shared = person(family_name="Sharedworth")
    shared_created = change_of(shared)
    apply_push(pg_engine, callers[0], PushRequest(changes=[shared_created]), NOW)
    finished = threading.Event()
    live: dict[str, int] = {}

    def pusher(caller: Caller) -> list[Person]:
        made: list[Person] = []
        for batch in range(batches):
            fresh = [person(family_name=f"Writer{batch}x{n}") for n in range(per_batch)]
            changes = [change_of(p) for p in fresh]
            # Every batch also edits the shared record from the same base: one applies, the rest
            # merge or conflict, all under the record's row lock.
            changes.append(
                change_of(
                    edit(shared, phone=f"07700 9{uuid.uuid4().int % 100000:05d}"),
                    base_change_id=shared_created.change_id,
                )
            )
            receipts = apply_push(pg_engine, caller, PushRequest(changes=changes), NOW).receipts
            assert all(r.status is not ReceiptStatus.DUPLICATE for r in receipts)
            # Edit half of what this batch created, in the next push, so records move in the feed.
            edits = [
                change_of(edit(p, phone="07700 900000"), base_change_id=c.change_id)
                for p, c in zip(fresh[::2], changes[::2], strict=False)
            ]
            statuses = [
                r.status for r in apply_push(pg_engine, caller, PushRequest(changes=edits), NOW).receipts
            ]
            assert set(statuses) == {ReceiptStatus.APPLIED}
            made.extend(fresh)
        return made

    def puller() -> None:
        cursor = 0
        while not finished.is_set():
            seen, _order, cursor = pull_all(pg_engine, cursor, limit=25)
            live.update(seen)
        seen, _order, cursor = pull_all(pg_engine, cursor, limit=25)
        live.update(seen)

    watcher = threading.Thread(target=puller)
    watcher.start()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        made = [p for chunk in pool.map(pusher, callers) for p in chunk]
    finished.set()
    watcher.join()

    final, order, _cursor = pull_all(pg_engine, 0, limit=100)
    expected_ids = {str(p.id) for p in made} | {str(shared.id)}
    assert len(order) == len(set(order)) == len(expected_ids)
    assert set(final) == expected_ids
    # The live puller, which pulled while writers were committing, converged on the same state.
    assert live == final
    assert {final[str(p.id)] for p in made} == {1, 2}
