"""Settings kept in the data folder: the workstation's (server, CA file, idle lock, printer) and each
user's own display preferences (large print, high contrast).

Why a file and not the store: the server address and CA file are needed before anyone unlocks (the
unlock itself may talk to the server), and none of it is secret or personal. It is a small JSON file,
`settings.json`, validated with pydantic; a bad file is refused with a message naming the field,
never a crash, and the program carries on with the environment's values.

Precedence, lowest first: the built-in default, then a `CARS_` environment variable, then this file
(what an administrator saved on the Settings page wins, so a change made in the program is the one
that applies). A field the file leaves out keeps the environment's value.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cars_desktop.config import Settings
from cars_desktop.domain.access import Permission, allows
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput, NotPermitted

if TYPE_CHECKING:  # the store stack is not needed to read this file: the unlock window reads it first
    from cars_desktop.services.workstation import WorkstationSession

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"


class WorkstationSettings(BaseModel):
    """What an administrator sets for the whole workstation; None means "as the environment says"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server_url: Annotated[
        str | None,
        Field(title="Central server address", description="For example https://cars.example.nhs.uk"),
    ] = None
    server_ca_file: Annotated[
        str | None,
        Field(title="Server certificate file", description="A CA bundle or the server's own certificate"),
    ] = None
    idle_lock_minutes: Annotated[
        float | None,
        Field(title="Lock after (minutes without use)", ge=1, le=60, description="From 1 to 60 minutes"),
    ] = None
    printer_name: Annotated[
        str | None,
        Field(title="Printer", max_length=200, description="Empty: the computer's default printer"),
    ] = None

    @field_validator("server_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("the server address must start with https://")
        return value.rstrip("/")

    @field_validator("server_ca_file", "printer_name")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class Preferences(BaseModel):
    """One user's display preferences: their own choice, on every workstation screen they unlock."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    large_print: Annotated[
        bool, Field(title="Large print", description="Bigger text on screen and on printed documents")
    ] = False
    high_contrast: Annotated[
        bool, Field(title="High contrast", description="Black on white with strong outlines and focus")
    ] = False


class LocalSettings(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workstation: WorkstationSettings = Field(default_factory=WorkstationSettings)
    preferences: dict[str, Preferences] = Field(default_factory=dict)

    def preferences_of(self, username: str) -> Preferences:
        """A user's preferences, or the defaults if they never chose."""
        return self.preferences.get(username, Preferences())


def settings_path(data_dir: Path) -> Path:
    """Where the file lives."""
    return data_dir / SETTINGS_FILE


def problem_text(exc: ValidationError, where: str = "") -> str:
    """The first problem of a validation error as a sentence naming the field (no values quoted)."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "the file"
    prefix = f"{where}: " if where else ""
    reason = str(error["msg"]).removeprefix("Value error, ")
    return f"{prefix}the setting “{field}” is not right: {reason}"


def load_local_settings(data_dir: Path) -> LocalSettings:
    """Read the file (absent: all defaults); a bad file raises InvalidInput naming the field."""
    path = settings_path(data_dir)
    if not path.exists():
        return LocalSettings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            f"the settings file {path} could not be read ({type(exc).__name__}); the program uses the "
            "standard settings until an administrator saves the Settings page again"
        ) from None
    try:
        return LocalSettings.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(
            problem_text(exc, f"the settings file {path}")
            + "; the program uses the standard settings until an administrator corrects it"
        ) from None


def apply_local_settings(settings: Settings, local: LocalSettings) -> Settings:
    """The settings to run with: the file's workstation values over the environment's."""
    chosen = local.workstation
    update: dict[str, Any] = {}
    if chosen.server_url is not None:
        update["server_url"] = chosen.server_url
    if chosen.server_ca_file is not None:
        update["server_ca_file"] = Path(chosen.server_ca_file)
    if chosen.idle_lock_minutes is not None:
        update["idle_lock_minutes"] = chosen.idle_lock_minutes
    return settings.model_copy(update=update) if update else settings


def settings_with_local_file(settings: Settings, data_dir: Path) -> tuple[Settings, str | None]:
    """The environment's settings with the data folder's settings file over them, and any problem.

    The program and the command line both run with what an administrator saved (a provisioned
    workstation's server certificate is only named there); a damaged file is reported, not fatal.
    """
    try:
        return apply_local_settings(settings, load_local_settings(data_dir)), None
    except InvalidInput as exc:
        log.warning("the settings file was not used: %s", exc.message)
        return settings, exc.message


def write_local_settings(data_dir: Path, local: LocalSettings) -> None:
    """Replace the file atomically, so a crash leaves the old file or the new one, never half."""
    path = settings_path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(local.model_dump(mode="json", exclude_defaults=False), indent=2, sort_keys=True)
    handle, temp = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=data_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def current_or_fresh(data_dir: Path) -> LocalSettings:
    """The file as it is, or (if it is damaged) a fresh one: saving repairs a bad file."""
    try:
        return load_local_settings(data_dir)
    except InvalidInput:
        log.warning("replacing a settings file that could not be read")
        return LocalSettings()


def save_workstation_settings(
    session: WorkstationSession, data_dir: Path, values: dict[str, Any]
) -> WorkstationSettings:
    """Validate and keep the workstation settings (administrators only); the change is audited.

    The session's settings take the new values at once (an emptied box keeps the value in use until
    the next start, when the environment's applies again).
    """
    if not allows(session.actor, Permission.MANAGE_SETTINGS):
        raise NotPermitted("only an administrator can change the workstation settings")
    try:
        chosen = WorkstationSettings.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(problem_text(exc)) from None
    current = current_or_fresh(data_dir)
    changed = sorted(
        name
        for name in WorkstationSettings.model_fields
        if getattr(chosen, name) != getattr(current.workstation, name)
    )
    write_local_settings(data_dir, current.model_copy(update={"workstation": chosen}))
    # In use at once: the idle lock and the sync read the session's settings each time they act.
    session.settings = apply_local_settings(session.settings, LocalSettings(workstation=chosen))
    with session.unit_of_work() as uow:
        uow.audit(
            AuditEvent(
                AuditOperation.ADMINISTRATION, details={"action": "settings_changed", "fields": changed}
            )
        )
        uow.commit()
    return chosen


def save_preferences(session: WorkstationSession, data_dir: Path, values: dict[str, Any]) -> Preferences:
    """Keep the signed-in user's own display preferences (anyone may, for themselves only)."""
    try:
        chosen = Preferences.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(problem_text(exc)) from None
    current = current_or_fresh(data_dir)
    preferences = {**current.preferences, session.user.username: chosen}
    write_local_settings(data_dir, current.model_copy(update={"preferences": preferences}))
    return chosen
