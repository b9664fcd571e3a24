"""Server users: create, disable, change password, list. Passwords are stored as Argon2id hashes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.domain.passwords import check_new_password
from cars_protocol.records import Code, Role, Username
from cars_server.admin.validation import describe
from cars_server.audit_log import write_audit
from cars_server.auth.passwords import hash_password
from cars_server.config import ServerSettings
from cars_server.errors import AdminError
from cars_server.storage.tables import SessionRow, SiteRow, UserRow


class NewUser(BaseModel):
    """A user as the operator typed them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: Username
    display_name: Annotated[str, Field(min_length=1, max_length=200)]
    roles: Annotated[list[Role], Field(min_length=1)]
    sites: Annotated[list[Code], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class UserSummary:
    """One line of `admin user list`."""

    username: str
    display_name: str
    roles: list[str]
    sites: list[str]
    active: bool


def _checked_password(password: str, username: str) -> str:
    try:
        check_new_password(password, username)
    except InvalidInput as exc:
        raise AdminError(str(exc)) from None
    return password


def create_user(
    engine: Engine,
    settings: ServerSettings,
    *,
    username: str,
    display_name: str,
    roles: list[str],
    sites: list[str],
    password: str,
    actor: str,
    now: datetime,
) -> None:
    """Add an active user with roles and sites; every site must exist."""
    try:
        user = NewUser.model_validate(
            {"username": username, "display_name": display_name.strip(), "roles": roles, "sites": sites}
        )
    except ValidationError as exc:
        raise AdminError(describe(exc)) from None
    password_hash = hash_password(settings, _checked_password(password, user.username))
    with Session(engine) as session, session.begin():
        if session.get(UserRow, user.username) is not None:
            raise AdminError(f"user {user.username} already exists")
        missing = [code for code in user.sites if session.get(SiteRow, code) is None]
        if missing:
            raise AdminError(f"no such site: {', '.join(missing)} (create it with 'admin site create')")
        session.add(
            UserRow(
                username=user.username,
                display_name=user.display_name,
                password_hash=password_hash,
                roles=json.dumps(sorted({role.value for role in user.roles})),
                sites=json.dumps(sorted(set(user.sites))),
                active=True,
                password_changed_at=now,
                created_at=now,
            )
        )
        write_audit(
            session,
            actor=actor,
            operation="user_created",
            detail={"user": user.username, "roles": sorted(r.value for r in user.roles), "sites": user.sites},
            at=now,
        )


def disable_user(engine: Engine, username: str, actor: str, now: datetime) -> None:
    """Stop a user signing in anywhere; their open sessions end at once."""
    with Session(engine) as session, session.begin():
        user = session.get(UserRow, username)
        if user is None:
            raise AdminError(f"no such user: {username}")
        user.active = False
        for row in session.scalars(select(SessionRow).where(SessionRow.username == username)):
            session.delete(row)
        write_audit(session, actor=actor, operation="user_disabled", detail={"user": username}, at=now)


def set_password(
    engine: Engine, settings: ServerSettings, username: str, password: str, actor: str, now: datetime
) -> None:
    """Replace a user's password; workstations pick it up at the user's next online sign-in."""
    with Session(engine) as session, session.begin():
        user = session.get(UserRow, username)
        if user is None:
            raise AdminError(f"no such user: {username}")
        user.password_hash = hash_password(settings, _checked_password(password, username))
        user.password_changed_at = now
        write_audit(session, actor=actor, operation="user_password_set", detail={"user": username}, at=now)


def list_users(engine: Engine) -> list[UserSummary]:
    """Every user, by user name."""
    with Session(engine) as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.username)).all()
        return [
            UserSummary(
                username=row.username,
                display_name=row.display_name,
                roles=list(json.loads(row.roles)),
                sites=list(json.loads(row.sites)),
                active=row.active,
            )
            for row in rows
        ]
