"""Backfill: fetch all records of a person who became active here after the cursor passed them.

The server's pull window is about people (see `cars_server.sync.feed`): a workstation is sent the
records of people active in the window, but only those after its cursor. When someone last seen
months ago is arrested again, the pull brings today's assessment while their Person record and
older records sit below the cursor. So, while a pull applies its pages, `note_page` notes each
person who arrives without their Person record already here, and after the pull `backfill` asks
the server for all of that person's records (`GET /v1/people/{id}/records`) and applies them the
same way as pulled ones (`apply_remote` never overwrites unsent local changes).

Which people are noted, for a page of a pull that started at cursor `c0` (checked before the page
is applied):

* a record about a person whose Person record is not here and is not on this page;
* a Person record not here before, at revision 2 or later, when `c0 > 0`: the person existed on
  the server before, so records about them may sit below the cursor. (A revision 1 Person first
  reached the server after the cursor, and with it everything about them.) Without this, a person
  whose Person record arrived alone (an address change) would never get their history, because
  later records would find the Person here;
* on a first pull (`c0 == 0`) nothing is below the cursor: every record of an active person comes
  in the pull itself, so people noted only because their Person was on a later page are dropped
  again at its end (`forget_held`).

The list of people waiting is a sync fact, written in the same transaction as the page that noted
them and shortened in the same transaction as each person's records are applied, so a crash
forgets nobody and repeats nobody. At most `MAX_BACKFILL_PEOPLE` are fetched per cycle; the rest
wait for the next.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable

from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.sync.client import SyncClient
from cars_desktop.sync.errors import ServerRefused
from cars_protocol.records import Person
from cars_protocol.sync import ErrorCode, FeedItem

FACT_BACKFILL_PEOPLE = "backfill_people"
#: Most people whose records one cycle fetches; the rest wait for the next cycle.
MAX_BACKFILL_PEOPLE = 200

UowFactory = Callable[[], UnitOfWork]
#: Applies items in the caller's transaction and returns how many were stored.
ApplyItems = Callable[[UnitOfWork, list[FeedItem]], int]


def person_key(item: FeedItem) -> str | None:
    """The person a pulled item is about (a Person record is about itself), as a canonical UUID."""
    value = item.record.get("id") if item.record_type == Person.record_type else item.record.get("person_id")
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _held(uow: UnitOfWork, person_id: str) -> bool:
    return uow.records.current_revision(uuid.UUID(person_id)) is not None


def people_to_backfill(uow: UnitOfWork, items: list[FeedItem], pull_start_cursor: int) -> list[str]:
    """The people of a page, about to be applied, whose older records may be missing here.

    Call before the page is applied (it asks what is held now). See the module notes for the rule.
    """
    arriving: dict[str, int] = {}
    about: list[str] = []
    for item in items:
        key = person_key(item)
        if key is None:
            continue
        about.append(key)
        if item.record_type == Person.record_type:
            revision = item.record.get("revision")
            arriving[key] = max(arriving.get(key, 0), revision if isinstance(revision, int) else 1)
    noted: list[str] = []
    for key in dict.fromkeys(about):
        if _held(uow, key):
            continue
        if key not in arriving or (pull_start_cursor > 0 and arriving[key] > 1):
            noted.append(key)
    return noted


def waiting(uow: UnitOfWork) -> list[str]:
    """People whose records are still to be fetched, oldest noted first."""
    text = uow.sync.fact(FACT_BACKFILL_PEOPLE)
    if not text:
        return []
    value = json.loads(text)
    return [str(v) for v in value] if isinstance(value, list) else []


def _store(uow: UnitOfWork, people: list[str]) -> None:
    uow.sync.set_fact(FACT_BACKFILL_PEOPLE, json.dumps(people) if people else None)


def note_page(uow: UnitOfWork, items: list[FeedItem], pull_start_cursor: int) -> None:
    """Add the page's people needing a backfill to the waiting list (call before applying the page)."""
    noted = people_to_backfill(uow, items, pull_start_cursor)
    if noted:
        _store(uow, list(dict.fromkeys([*waiting(uow), *noted])))


def forget_held(uow: UnitOfWork) -> None:
    """After a first pull: drop the people whose Person record has arrived since they were noted."""
    _store(uow, [key for key in waiting(uow) if not _held(uow, key)])


def _forget(uow: UnitOfWork, people: Iterable[str]) -> None:
    done = set(people)
    _store(uow, [key for key in waiting(uow) if key not in done])


def backfill(
    uow_factory: UowFactory, client: SyncClient, apply: ApplyItems, max_people: int = MAX_BACKFILL_PEOPLE
) -> tuple[int, int]:
    """Fetch and apply the records of up to `max_people` waiting people; (records stored, still waiting).

    Each person's records are applied, and the person taken off the list, in one transaction. A
    person the server no longer knows or lets this workstation see is taken off the list; any
    other failure propagates (the list keeps the people not yet done).
    """
    with uow_factory() as uow:
        todo = waiting(uow)[: max(0, max_people)]
    stored = 0
    for key in todo:
        try:
            items = client.person_records(uuid.UUID(key)).items
        except ServerRefused as refused:
            if refused.code not in (ErrorCode.NOT_FOUND, ErrorCode.NOT_PERMITTED, ErrorCode.WRONG_SITE):
                raise
            items = []
        with uow_factory() as uow:
            stored += apply(uow, items)
            _forget(uow, [key])
            uow.commit()
    with uow_factory() as uow:
        return stored, len(waiting(uow))
