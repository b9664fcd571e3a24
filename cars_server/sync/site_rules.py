"""Site and type rules of a push that need the server's copy of each record.

A new record must belong to the workstation's own site. A change to a record the server holds
must keep its type and its site, and that site must be one the caller may change (service-wide for
now, see `feed.scope_for`). A record first seen earlier in the batch counts as held for the later
changes to it. Everything is checked before anything is written, so a refusal stores nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from cars_protocol.sync import ErrorCode, Problem
from cars_server.sync.errors import ChangesRefused
from cars_server.sync.validation import CheckedChange


def check_sites(
    held: Mapping[str, tuple[str, str]],
    workstation_site: str,
    editable: frozenset[str] | None,
    checked: list[CheckedChange],
) -> None:
    """Raise `ChangesRefused` (WRONG_SITE first, else INVALID_REQUEST) for any change breaking a rule.

    `held` maps record id to (record type, site code) of the records the server holds;
    `editable` is the set of sites the caller may change (None = every site).
    """
    known = dict(held)
    wrong_site: list[Problem] = []
    invalid: list[Problem] = []
    for item in checked:
        change, site = item.change, item.record.site_code
        prefix = f"changes[{item.index}]"
        current = known.get(str(change.record_id))
        if current is None:
            if change.base_revision == 0 and site != workstation_site:
                wrong_site.append(
                    _problem(
                        prefix,
                        "record.site_code",
                        "a new record must belong to the workstation's own site",
                        change.change_id,
                    )
                )
            elif editable is not None and site not in editable:
                wrong_site.append(_outside(prefix, change.change_id))
            else:
                known[str(change.record_id)] = (change.record_type, site)
            continue
        held_type, held_site = current
        if held_type != change.record_type:
            invalid.append(
                _problem(
                    prefix,
                    "record_type",
                    "the server holds this record id as another record type",
                    change.change_id,
                )
            )
        elif site != held_site:
            wrong_site.append(
                _problem(prefix, "record.site_code", "a record's site cannot change", change.change_id)
            )
        elif editable is not None and held_site not in editable:
            wrong_site.append(_outside(prefix, change.change_id))
    if wrong_site:
        raise ChangesRefused(
            ErrorCode.WRONG_SITE,
            f"{len(wrong_site)} change(s) in the batch belong to another site; nothing was stored.",
            wrong_site + invalid,
        )
    if invalid:
        raise ChangesRefused(
            ErrorCode.INVALID_REQUEST,
            f"{len(invalid)} change(s) in the batch do not match the server's records; nothing was stored.",
            invalid,
        )


def _problem(prefix: str, field: str, message: str, change_id: uuid.UUID) -> Problem:
    return Problem(location=f"{prefix}.{field}", message=message, change_id=change_id)


def _outside(prefix: str, change_id: uuid.UUID) -> Problem:
    return _problem(
        prefix, "record.site_code", "the record belongs to a site this user may not change", change_id
    )
