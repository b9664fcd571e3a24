"""The local users list: one row per account enrolled at this workstation."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QWidget

from cars_desktop.services.users import UserSummary
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.widgets.typed_dates import uk_time_text

ROLE_WORDS = {
    "admin": "Administrator",
    "supervisor": "Supervisor",
    "worker": "Worker",
    "court_worker": "Court worker",
    "custody_staff": "Custody staff",
}


def roles_text(user: UserSummary) -> str:
    """Roles as words, e.g. "Supervisor, Worker"."""
    return ", ".join(sorted(ROLE_WORDS.get(r, r) for r in user.roles))


def state_text(user: UserSummary) -> str:
    """How the account stands, in words (never colour alone)."""
    if not user.active:
        return "Disabled"
    if not user.can_unlock_here:
        return "No password here (signs in through the server)"
    if user.locked_until is not None:
        return f"Locked out until {uk_time_text(user.locked_until)}"
    if user.failed_attempts:
        attempts = user.failed_attempts
        return f"Active ({attempts} failed unlock{'s' if attempts != 1 else ''})"
    return "Active"


def _when(moment: datetime | None) -> str:
    return uk_time_text(moment) if moment else "Never"


USER_COLUMNS: tuple[Column[UserSummary], ...] = (
    Column("User name", lambda u: u.username),
    Column("Name", lambda u: u.display_name),
    Column("Roles", roles_text),
    Column("State", state_text),
    Column("Last unlock", lambda u: _when(u.last_unlock), sort_key=lambda u: u.last_unlock),
)


class UsersModel(ColumnTableModel[UserSummary]):
    """Users enrolled here, as `list_users` returns them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(USER_COLUMNS, parent)

    def row_of(self, username: str) -> int:
        """The row showing `username`, or -1."""
        return next((i for i, u in enumerate(self.rows) if u.username == username), -1)
