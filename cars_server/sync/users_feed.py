"""The users a workstation must know about: its site's users, and its own users moved elsewhere.

Disabling a user or changing their roles centrally must reach every workstation where they hold a
key slot, even if they never sign in there again; workstations learn it from this list at sync.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cars_protocol.sync import UsersResponse
from cars_server.auth.sessions import user_info
from cars_server.storage.tables import UserRow


def _has_site(row: UserRow, site_code: str) -> bool:
    sites = json.loads(row.sites)
    return isinstance(sites, list) and site_code in sites


def users_of_site(engine: Engine, site_code: str, known: Collection[str], now: datetime) -> UsersResponse:
    """Every user with `site_code` (active or not), and which of `known` the server holds elsewhere.

    Sites are a JSON list per user, so the filter runs here rather than in SQL; the user table is
    small (an organisation's staff). Password hashes never leave the server.
    """
    asked = set(known)
    with Session(engine) as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.username)).all()
        here = [user_info(row) for row in rows if _has_site(row, site_code)]
        elsewhere = [row.username for row in rows if row.username in asked and not _has_site(row, site_code)]
    return UsersResponse(users=here, elsewhere=elsewhere, as_of=now)
