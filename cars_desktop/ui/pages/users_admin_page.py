"""Local users: who can unlock this workstation, and the administrator's actions on them.

Supervisors and administrators see the list (user name, name, roles, state, last unlock) and,
as their roles allow, enrol a user, reset a password (with administrator rights, or with the
recovery key for a supervisor at night with nobody else to ask), clear a lockout or disable a user.
The list is read through the task runner and re-read whenever an op anywhere says users changed
(`Changes.users`), such as a sync bringing a central change.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cars_desktop.domain.access import Permission, allows
from cars_desktop.domain.changes import Changes
from cars_desktop.services.users import UserSummary, clear_lockout, list_users
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.user_dialogs import (
    DisableUserDialog,
    EnrolUserDialog,
    ResetPasswordDialog,
    button,
)
from cars_desktop.ui.pages.users_model import UsersModel
from cars_desktop.ui.table_model import sortable
from cars_desktop.ui.table_view import fit_columns, list_view

USER_CHANGES = Changes(users=True)


class UsersAdminPage(QWidget):
    """The local users list and the buttons that act on the selected user."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.setAccessibleName("Local users")
        actor = context.session.actor
        self.model = UsersModel(self)
        self.proxy = sortable(self.model, self)
        self.table = list_view("Users enrolled at this workstation", self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)

        heading = QLabel("<h2>Local users</h2>")
        heading.setAccessibleName("Local users")
        intro = QLabel("Everyone who can unlock this workstation. Choose a user in the list, then an action.")
        intro.setWordWrap(True)

        self.enrol_button = button("Enrol a user…", "Enrol a user", "Ctrl+N")
        self.reset_button = button("Reset &password…", "Reset the selected user's password")
        self.clear_button = button("&Clear lockout", "Clear the selected user's lockout")
        self.disable_button = button("&Disable user…", "Disable the selected user")
        self.refresh_button = button("Refresh", "Refresh the list of users", "F5")
        self.enrol_button.setVisible(allows(actor, Permission.ENROL_USERS))
        self.disable_button.setVisible(allows(actor, Permission.ENROL_USERS))
        self.clear_button.setVisible(allows(actor, Permission.CLEAR_LOCKOUTS))
        self.enrol_button.clicked.connect(self.enrol)
        self.reset_button.clicked.connect(self.reset_password)
        self.clear_button.clicked.connect(self.clear_lockout)
        self.disable_button.clicked.connect(self.disable)
        self.refresh_button.clicked.connect(self.refresh)

        self.notice = MessageLabel(MessageKind.NOTICE, "Notice", self)
        self.error = MessageLabel(MessageKind.ERROR, "Problem", self)

        buttons = QHBoxLayout()
        for widget in (
            self.enrol_button,
            self.reset_button,
            self.clear_button,
            self.disable_button,
        ):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.notice)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.table, self.enrol_button)

        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        context.bus.sig_changed.connect(self._on_changed)
        self._loaded = False
        self._update_buttons()

    # -- reading ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Read the list the first time the page is shown (built lazily, shown later)."""
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the users, keeping the selected one selected."""
        self._loaded = True
        keep = self.selected_user()
        session = self._context.session

        def show(users: list[UserSummary]) -> None:
            self.error.clear_message()
            self.model.set_rows(users)
            fit_columns(self.table)
            self.select(keep.username if keep else None)
            self._update_buttons()

        run_op(
            self._context.app.runner, lambda: list_users(session), show, self.error.show_message, parent=self
        )

    def _on_changed(self, changes: Changes) -> None:
        if self._loaded and concerns(changes, users=True):
            self.refresh()

    # -- selection ---------------------------------------------------------------------------

    def selected_user(self) -> UserSummary | None:
        """The user whose row is selected, if any."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.model.row_at(self.proxy.mapToSource(rows[0]).row())

    def select(self, username: str | None) -> None:
        """Select `username`'s row (the first row if they are gone or None), and make it current."""
        row = self.model.row_of(username) if username else -1
        index = self.proxy.mapFromSource(self.model.index(max(row, 0), 0))
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.selectRow(index.row())

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        user = self.selected_user()
        me = self._context.session.user.username
        active = user is not None and user.active
        self.reset_button.setEnabled(active)
        self.clear_button.setEnabled(
            active and user is not None and (user.locked_until is not None or user.failed_attempts > 0)
        )
        self.disable_button.setEnabled(
            user is not None and user.username != me and (user.active or user.can_unlock_here)
        )

    # -- actions ---------------------------------------------------------------------------

    def _after(self, notice: str) -> None:
        self.error.clear_message()
        self.notice.show_message(notice)
        self._context.bus.broadcast(USER_CHANGES)  # this page re-reads through the bus like any other
        self.table.setFocus()

    def enrol(self) -> None:
        """Open the enrol dialog."""
        dialog = EnrolUserDialog(self._context, self)
        self._open(dialog)

    def reset_password(self) -> None:
        """Open the reset dialog for the selected user."""
        user = self.selected_user()
        if user is not None and user.active:
            self._open(ResetPasswordDialog(self._context, user, self))

    def disable(self) -> None:
        """Ask to confirm disabling the selected user."""
        user = self.selected_user()
        if user is not None:
            self._open(DisableUserDialog(self._context, user, self))

    def clear_lockout(self) -> None:
        """Let the selected user try again at once."""
        user = self.selected_user()
        if user is None:
            return
        session, username = self._context.session, user.username
        run_op(
            self._context.app.runner,
            lambda: clear_lockout(session, username),
            lambda _: self._after(f"Lockout cleared: {username} can try to unlock again now"),
            self.error.show_message,
            parent=self,
        )

    def _open(self, dialog: EnrolUserDialog | ResetPasswordDialog | DisableUserDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_done.connect(self._after)
        self.notice.clear_message()
        dialog.open()


def build(context: PageContext) -> QWidget:
    """The page, for the main window."""
    return UsersAdminPage(context)


PAGE = PageSpec(
    page_id="users",
    title="Local users",
    build=build,
    permission=Permission.LIST_USERS,
    order=900,
    help_topic="users",
    roles_note="Supervisors and administrators: enrol users, reset passwords, clear lockouts, disable users.",
)
