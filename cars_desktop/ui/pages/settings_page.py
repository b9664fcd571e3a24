"""The Settings page: each user's display preferences, and (administrators) the workstation's settings.

Both parts are drawn by one generic `ModelForm` from the pydantic models in
`services/local_settings.py`: a check box for a yes/no field, a text box for the rest, the field's
title as the label and its description under it. What is typed is checked by the same model the
file is read with, and each problem shows beside its field before anything is saved.

Display preferences apply at once (and at every unlock by this user). Workstation settings apply
at once too: the session's settings take them (`save_workstation_settings`), the idle lock and the
sync read them each time, and the main window updates its idle notice; only a new server
certificate file waits for the next start (the HTTP client is made with it then).
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.access import Permission, allows
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.local_settings import (
    LocalSettings,
    Preferences,
    WorkstationSettings,
    load_local_settings,
    save_preferences,
    save_workstation_settings,
)
from cars_desktop.ui.appearance import apply_appearance
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec


def _is_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return all(arg is bool or arg is type(None) for arg in get_args(annotation))
    return False


class ModelForm(QWidget):
    """A form for a flat pydantic model: one editor per field, problems shown beside the field."""

    def __init__(self, model: type[BaseModel], values: BaseModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.editors: dict[str, QCheckBox | QLineEdit] = {}
        self.problems: dict[str, MessageLabel] = {}
        layout = QFormLayout(self)
        for name, info in model.model_fields.items():
            title = info.title or name.replace("_", " ").capitalize()
            editor: QCheckBox | QLineEdit
            if _is_bool(info.annotation):
                editor = QCheckBox(title)
                editor.setChecked(bool(getattr(values, name)))
                label = QLabel("")
            else:
                editor = QLineEdit()
                value = getattr(values, name)
                editor.setText(
                    "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
                )
                label = QLabel(f"{title}:")
                label.setBuddy(editor)
            editor.setObjectName(name)
            editor.setAccessibleName(title)
            if info.description:
                editor.setAccessibleDescription(info.description)
                editor.setToolTip(info.description)
            problem = MessageLabel(MessageKind.ERROR, f"Problem with {title}")
            column = QVBoxLayout()
            column.addWidget(editor)
            if info.description:
                hint = QLabel(info.description)
                hint.setWordWrap(True)
                hint.setStyleSheet("color: palette(placeholder-text);")
                column.addWidget(hint)
            column.addWidget(problem)
            layout.addRow(label, column)
            self.editors[name] = editor
            self.problems[name] = problem

    def values(self) -> dict[str, Any]:
        """What is typed: ticks as booleans, empty boxes as None (meaning "the standard value")."""
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            else:
                out[name] = editor.text().strip() or None
        return out

    def check(self) -> BaseModel | None:
        """Validate with the model; show each problem beside its field; the model or None."""
        for label in self.problems.values():
            label.clear_message()
        try:
            return self.model.model_validate(self.values())
        except ValidationError as exc:
            first: QWidget | None = None
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                if name in self.problems:
                    self.problems[name].show_message(str(error["msg"]).removeprefix("Value error, "))
                    first = first or self.editors[name]
            if first is not None:
                first.setFocus()
            return None

    def set_editable(self, editable: bool) -> None:
        """Read-only for someone who may look but not change."""
        for editor in self.editors.values():
            if isinstance(editor, QLineEdit):
                editor.setReadOnly(not editable)
            else:
                editor.setEnabled(editable)


class SettingsPage(QWidget):
    """Your display, and this workstation's settings (administrators change those)."""

    sig_saved = Signal(str)
    """A part was saved ("preferences" or "workstation")."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.setAccessibleName("Settings")
        data_dir = context.app.data_dir
        self.file_problem = MessageLabel(MessageKind.ERROR, "Settings file problem")
        try:
            local = load_local_settings(data_dir)
        except InvalidInput as exc:  # said here; saving either part writes a good file again
            self.file_problem.show_message(exc.message)
            local = LocalSettings()
        session = context.session
        self.may_manage = allows(session.actor, Permission.MANAGE_SETTINGS)

        self.preferences = ModelForm(Preferences, local.preferences_of(session.user.username))
        self.save_preferences_button = QPushButton("Save &my display settings")
        self.save_preferences_button.setAccessibleName("Save my display settings")
        self.save_preferences_button.clicked.connect(self.save_preferences)
        self.preferences_message = MessageLabel(MessageKind.NOTICE, "Display settings message")
        mine = QGroupBox("Your display (only for you, on this workstation)")
        mine_column = QVBoxLayout(mine)
        mine_column.addWidget(self.preferences)
        mine_column.addWidget(self.preferences_message)
        mine_column.addLayout(_right(self.save_preferences_button))

        self.workstation = ModelForm(WorkstationSettings, local.workstation)
        self.workstation.set_editable(self.may_manage)
        self.save_workstation_button = QPushButton("Save &workstation settings")
        self.save_workstation_button.setAccessibleName("Save workstation settings")
        self.save_workstation_button.clicked.connect(self.save_workstation)
        self.save_workstation_button.setVisible(self.may_manage)
        self.workstation_message = MessageLabel(MessageKind.NOTICE, "Workstation settings message")
        self.in_use = QLabel(self._in_use_text())
        self.in_use.setWordWrap(True)
        now = self.in_use
        theirs = QGroupBox("This workstation")
        theirs_column = QVBoxLayout(theirs)
        theirs_column.addWidget(now)
        theirs_column.addWidget(self.workstation)
        theirs_column.addWidget(self.workstation_message)
        theirs_column.addLayout(_right(self.save_workstation_button))

        content = QWidget()
        column = QVBoxLayout(content)
        heading = QLabel("<h2>Settings</h2>")
        heading.setAccessibleName("Settings")
        column.addWidget(heading)
        column.addWidget(self.file_problem)
        column.addWidget(mine)
        column.addWidget(theirs)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _in_use_text(self) -> str:
        running = self._context.session.settings
        return (
            "In use now: server "
            + (running.server_url or "as set at enrolment")
            + f"; locks after {running.idle_lock_minutes:g} minutes without use. Empty boxes keep the "
            "standard value. Changes apply when saved, except a new certificate file, which applies "
            "the next time CARS Desktop starts."
            + ("" if self.may_manage else " Only an administrator can change these.")
        )

    def save_preferences(self) -> None:
        """Keep the user's display choices and apply them now."""
        chosen = self.preferences.check()
        if not isinstance(chosen, Preferences):
            return
        session, data_dir = self._context.session, self._context.app.data_dir
        run_op(
            self._context.app.runner,
            lambda: save_preferences(session, data_dir, chosen.model_dump()),
            self._preferences_saved,
            self.preferences_message.show_message,
            parent=self,
        )

    def _preferences_saved(self, chosen: Preferences) -> None:
        apply_appearance(chosen)
        self.preferences_message.show_message("Your display settings are saved and in use.")
        self.sig_saved.emit("preferences")

    def save_workstation(self) -> None:
        """Keep the workstation settings (administrators); they apply at the next start."""
        if not self.may_manage:
            return
        chosen = self.workstation.check()
        if not isinstance(chosen, WorkstationSettings):
            return
        session, data_dir = self._context.session, self._context.app.data_dir
        run_op(
            self._context.app.runner,
            lambda: save_workstation_settings(session, data_dir, chosen.model_dump()),
            self._workstation_saved,
            self.workstation_message.show_message,
            parent=self,
        )

    def _workstation_saved(self, _chosen: WorkstationSettings) -> None:
        self.file_problem.clear_message()
        self.in_use.setText(self._in_use_text())
        self.workstation_message.show_message("The workstation settings are saved and in use.")
        self.sig_saved.emit("workstation")


def _right(button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    return row


PAGE = PageSpec(
    page_id="settings",
    title="Settings",
    build=SettingsPage,
    permission=None,
    order=900,
    help_topic="settings",
    roles_note="Everyone: large print and high contrast. Administrators: server, idle lock, printer.",
)
