"""One-time workstation enrolment codes: printed once, stored only as a hash, single use."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cars_server.audit_log import write_audit
from cars_server.auth.tokens import hash_token, new_token
from cars_server.errors import AdminError
from cars_server.storage.tables import EnrolmentCodeRow, SiteRow

MAX_CODE_HOURS = 24 * 30


def issue_code(engine: Engine, site_code: str, hours: int, actor: str, now: datetime) -> str:
    """A new code that enrols one workstation at `site_code` within `hours`; returned once."""
    if not 1 <= hours <= MAX_CODE_HOURS:
        raise AdminError(f"--hours must be between 1 and {MAX_CODE_HOURS}")
    code = new_token()
    with Session(engine) as session, session.begin():
        site = session.get(SiteRow, site_code)
        if site is None or not site.active:
            raise AdminError(f"no such active site: {site_code}")
        expires_at = now + timedelta(hours=hours)
        session.add(
            EnrolmentCodeRow(
                code_hash=hash_token(code),
                site_code=site_code,
                created_at=now,
                expires_at=expires_at,
                used_at=None,
                used_by=None,
            )
        )
        write_audit(
            session,
            actor=actor,
            operation="enrolment_code_issued",
            detail={"site": site_code, "hours": hours},
            at=now,
        )
    return code
