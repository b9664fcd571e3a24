"""Creating the custody blocks, courts and offices that workstations and users belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cars_protocol.records import Code
from cars_server.admin.validation import describe
from cars_server.audit_log import write_audit
from cars_server.errors import AdminError
from cars_server.storage.tables import SiteRow

SiteKind = Literal["custody", "court", "office"]


class NewSite(BaseModel):
    """A site as the operator typed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: SiteKind


def create_site(engine: Engine, code: str, name: str, kind: str, actor: str, now: datetime) -> None:
    """Add a site; refuses a code already in use."""
    try:
        site = NewSite.model_validate({"code": code, "name": name.strip(), "kind": kind})
    except ValidationError as exc:
        raise AdminError(describe(exc)) from None
    with Session(engine) as session, session.begin():
        if session.get(SiteRow, site.code) is not None:
            raise AdminError(f"site {site.code} already exists")
        session.add(SiteRow(code=site.code, name=site.name, kind=site.kind, active=True, created_at=now))
        write_audit(session, actor=actor, operation="site_created", detail={"site": site.code}, at=now)
