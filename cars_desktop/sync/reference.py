"""Reference data from the central server: pulled by the sync, kept in the store, used from its date.

Reference data (sites, providers, service hours, appointment slots, code lists, form versions) is
edited centrally with `cars-server admin reference import`. Each import is a new version of one
kind with an effective date. The workstation keeps every version it receives, future-dated ones
too, and uses for any day the newest version that has taken effect by then; until the first
received version takes effect, the list shipped with the program stays in use.

* Lists reach the program through `resources.reference_list`: `install_received_reference` hands
  the received versions to it (at unlock and after a pull that brought something), so every form
  and picker that reads a list sees the version in effect on the day it asks about.
* Form versions (`form:<form id>`) are also added to the store's form catalogue (validated by the
  forms package; a version that already ships or is already held is left as it is).
* A version this program cannot read is kept but not used, and logged without its content.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime

from pydantic import ValidationError

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.catalogue import parse_spec, shipped_catalogue
from cars_desktop.resources import (
    ReferenceList,
    ReferenceVersion,
    shipped_reference_list,
    use_received_reference,
)
from cars_desktop.storage.reference_repository import ReferenceRepository, StoredReference
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.sync.client import SyncClient
from cars_desktop.sync.errors import ServerUnreachable
from cars_protocol.sync import ReferenceItem

log = logging.getLogger(__name__)

FACT_REFERENCE_CURSOR = "reference_cursor"
FORM_KIND_PREFIX = "form:"
#: Versions asked for per request (the server's own page limit).
REFERENCE_PAGE = 200


def _as_list(stored: StoredReference) -> ReferenceList | None:
    try:
        return ReferenceList.model_validate_json(stored.body)
    except ValidationError:
        return None


def _keep_form(uow: UnitOfWork, item: ReferenceItem, body: str, at: datetime) -> None:
    try:
        spec = parse_spec(body, f"{item.kind} version {item.version}")
    except InvalidInput:
        log.warning(
            "received form version %s v%s is not a valid form; not installed", item.kind, item.version
        )
        return
    try:
        shipped_catalogue().get(spec.id, spec.version)
    except InvalidInput:
        pass
    else:
        return  # ships with this program already
    if any((form_id, version) == (spec.id, spec.version) for form_id, version, _ in uow.form_specs.all()):
        return
    uow.form_specs.add(spec.id, spec.version, spec.model_dump_json(), at)


def _keep(uow: UnitOfWork, item: ReferenceItem, at: datetime) -> bool:
    """Store one received version; True if it was new here."""
    body = json.dumps(item.body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    stored = StoredReference(item.kind, item.version, item.effective_from, item.seq, body)
    if not ReferenceRepository(uow.session).add(stored, at):
        return False
    if item.kind.startswith(FORM_KIND_PREFIX):
        _keep_form(uow, item, body, at)
    elif "items" in item.body and _as_list(stored) is None:
        log.warning("received %s version %s cannot be read by this program", item.kind, item.version)
    return True


def pull_reference(
    uow_factory: Callable[[], UnitOfWork], client: SyncClient, now: Callable[[], datetime]
) -> int:
    """Fetch every version imported since the stored cursor; return how many were new here.

    Each page is stored with its cursor in one transaction, so an interrupted pull resumes.
    """
    with uow_factory() as uow:
        since = int(uow.sync.fact(FACT_REFERENCE_CURSOR) or 0)
    received = 0
    while True:
        page = client.reference(since, REFERENCE_PAGE)
        with uow_factory() as uow:
            at = now()
            received += sum(1 for item in page.items if _keep(uow, item, at))
            uow.sync.set_fact(FACT_REFERENCE_CURSOR, str(page.cursor))
            uow.commit()
        if not page.items:
            return received
        if page.cursor <= since:
            raise ServerUnreachable("the central server's reference data did not move on; try again later")
        since = page.cursor


def received_versions(uow: UnitOfWork) -> dict[str, tuple[ReferenceVersion, ...]]:
    """Every received version of every code list this program can read, by list name."""
    versions: dict[str, list[ReferenceVersion]] = {}
    for stored in ReferenceRepository(uow.session).all():
        if stored.kind.startswith(FORM_KIND_PREFIX):
            continue
        parsed = _as_list(stored)
        if parsed is None:
            continue
        versions.setdefault(stored.kind, []).append(
            ReferenceVersion(version=stored.version, effective_from=stored.effective_from, items=parsed.items)
        )
    return {kind: tuple(found) for kind, found in versions.items()}


def install_received_reference(uow: UnitOfWork) -> None:
    """Make the received list versions part of `resources.reference_list` for this program."""
    use_received_reference(received_versions(uow))


def effective_reference(uow: UnitOfWork, kind: str, on: date) -> ReferenceList:
    """The list `kind` as in effect on `on`: the newest received version by then, else the shipped one.

    Read from the store, so it holds whether or not the versions were installed for the program.
    """
    stored = ReferenceRepository(uow.session).in_effect(kind, on)
    parsed = _as_list(stored) if stored is not None else None
    if parsed is not None:
        return parsed
    try:
        return shipped_reference_list(kind)
    except FileNotFoundError:
        raise InvalidInput(f"there is no reference list called {kind!r}") from None
