"""Open actions: what findings oblige someone to do (police notifications, safeguarding, MARAC, NRM...).

A worker sees the open and in-progress actions they own at this site; a supervisor sees every open
action at the site, their own first. Each comes with the person's name and when it is due, and is
marked in progress or done with a note: the note is added to the action's notes with the time and
the user, so the history of what was done stays on the action (and every revision in the record
history). No Qt here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cars_desktop.domain.access import Permission, allows, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput, RecordNotFound
from cars_desktop.services.person_record import ACTION_LABELS, STATUS_LABELS, words
from cars_desktop.services.records import Saved, save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.lookup_repository import LookupRepository
from cars_protocol.records import Action, ActionStatus, ActionType, utc_now

UK = ZoneInfo("Europe/London")
NOTES_LIMIT = 2000
OPEN_STATES = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})


@dataclass(frozen=True)
class ActionItem:
    """One open action as the list shows it."""

    action_id: uuid.UUID
    revision: int
    person_id: uuid.UUID
    person_name: str
    action_type: ActionType
    status: ActionStatus
    owner: str
    due_at: datetime | None
    created_at: datetime
    notes: str
    mine: bool

    @property
    def type_label(self) -> str:
        return ACTION_LABELS.get(self.action_type.value, words(self.action_type.value))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status.value, words(self.status.value))

    def overdue(self, now: datetime) -> bool:
        """Past its due time and not done."""
        return self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class ActionList:
    """The actions shown and whether they are the whole site's (a supervisor's view) or the user's own."""

    items: tuple[ActionItem, ...]
    whole_site: bool


def may_view_whole_site(session: WorkstationSession) -> bool:
    """Supervisors see every open action at the site; others only their own."""
    return allows(session.actor, Permission.REVIEW_CASEWORK)


def _sort_key(item: ActionItem) -> tuple[bool, bool, datetime, str]:
    far = datetime.max.replace(tzinfo=UK)
    return (not item.mine, item.due_at is None, item.due_at or far, item.person_name)


def open_actions(
    session: WorkstationSession, *, whole_site: bool = False, log_consultation: bool = True
) -> ActionList:
    """Open and in-progress actions at this site: the user's own, or (supervisors) everyone's.

    Sorted the user's own first, then by due time (soonest, so overdue ones, first); actions with
    no due time come after those with one. The list is logged as one consultation with its size.
    """
    require(session.actor, Permission.VIEW_CASEWORK, "see actions")
    site_wide = whole_site and may_view_whole_site(session)
    me = session.user.username
    with session.unit_of_work() as uow:
        lookups = LookupRepository(uow.session)
        chosen = [
            a
            for a in lookups.live_at_site_in_states(
                Action.record_type, session.site_code, [s.value for s in OPEN_STATES]
            )
            if isinstance(a, Action) and a.is_live and (site_wide or a.owner == me)
        ]
        names = {
            p.id: f"{p.given_names} {p.family_name}"
            for p in lookups.people({a.person_id for a in chosen})
            if p.is_live
        }
        items = tuple(
            ActionItem(
                a.id,
                a.revision,
                a.person_id,
                names[a.person_id],
                a.action_type,
                a.status,
                a.owner,
                a.due_at,
                a.created_at,
                a.notes or "",
                a.owner == me,
            )
            for a in chosen
            if a.person_id in names
        )
        if log_consultation:
            uow.audit(
                AuditEvent(
                    AuditOperation.CONSULTATION,
                    "action",
                    details={"list": "open_actions", "whole_site": site_wide, "results": len(items)},
                )
            )
            uow.commit()
    return ActionList(tuple(sorted(items, key=_sort_key)), site_wide)


def _note_line(username: str, status: ActionStatus, note: str, at: datetime) -> str:
    local = at.astimezone(UK)
    label = STATUS_LABELS.get(status.value, words(status.value))
    return f"{local:%d/%m/%Y %H:%M} {username} ({label.lower()}): {note}"


def update_action(
    session: WorkstationSession,
    action_id: uuid.UUID,
    revision: int,
    status: ActionStatus,
    note: str,
) -> Saved:
    """Mark an action in progress or done, adding a note (required when it is done).

    `revision` is the revision the user saw: if someone changed the action since, the save is
    refused with a message asking to reload.
    """
    require(session.actor, Permission.EDIT_CASEWORK, "update actions")
    if status not in (ActionStatus.IN_PROGRESS, ActionStatus.DONE):
        raise InvalidInput("an action can be marked in progress or done")
    text = " ".join(note.split())
    if status is ActionStatus.DONE and len(text) < 3:
        raise InvalidInput("say what was done (who was told, and how) before marking the action done")
    with session.unit_of_work() as uow:
        stored = uow.records.get(action_id)
    if not isinstance(stored, Action) or not stored.is_live:
        raise RecordNotFound("no open action with that reference is available to you")
    if stored.revision != revision:
        raise InvalidInput(
            "this action was changed by someone else since the list was shown; it has been reloaded"
        )
    if stored.status is ActionStatus.DONE:
        raise InvalidInput("this action is already done")
    notes = stored.notes or ""
    if text:
        line = _note_line(session.user.username, status, text, utc_now())
        notes = f"{notes}\n{line}" if notes else line
    if len(notes) > NOTES_LIMIT:
        raise InvalidInput(
            f"the action's notes would be longer than {NOTES_LIMIT} characters; shorten the note"
        )
    return save_record(session, stored.model_copy(update={"status": status, "notes": notes}))
