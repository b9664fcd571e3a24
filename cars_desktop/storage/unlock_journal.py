"""Failed unlocks and lockouts, recorded before any key exists.

A failed unlock happens outside the encrypted store, so it is written to an append-only,
hash-chained journal file beside it: user name, time, workstation and event, nothing else. The
lockout state is computed from the journal, so it survives restarts. At the next successful unlock
the new entries are folded into the signed audit log and the journal's head is anchored inside
the store; from then on, editing or removing any folded entry is detected. (Entries written since
the last unlock can only be protected by the data folder's permissions: without a key, nothing on
disk can stop someone with write access removing them, but the anchor check reports it.)
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from cars_desktop.domain.errors import IntegrityFailure
from cars_protocol.records import UtcDateTime

JournalEvent = Literal[
    "failed_unlock", "unlocked", "lockout_cleared", "refused_locked_out", "refused_disabled"
]
GENESIS = "0" * 64


class JournalEntry(BaseModel):
    """One line of the journal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    at: UtcDateTime
    username: str
    workstation_id: str
    event: JournalEvent
    prev: str
    hash: str

    @staticmethod
    def digest(seq: int, at: datetime, username: str, workstation_id: str, event: str, prev: str) -> str:
        """The chained hash of one entry's content."""
        material = json.dumps([seq, at.isoformat(), username, workstation_id, event, prev])
        return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class LockoutState:
    """How a user stands: consecutive failures and, if locked out, until when."""

    failures: int
    locked_until: datetime | None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


class UnlockJournal:
    """The append-only journal file of unlock events at one workstation."""

    def __init__(self, path: Path, workstation_id: str) -> None:
        self.path = path
        self.workstation_id = workstation_id

    def entries(self) -> list[JournalEntry]:
        """Every entry, checked link by link; a broken chain raises IntegrityFailure."""
        if not self.path.exists():
            return []
        entries: list[JournalEntry] = []
        prev = GENESIS
        with self.path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    entry = JournalEntry.model_validate_json(line)
                except ValidationError:
                    if not line.endswith(b"\n"):
                        break  # a torn last line from a crash mid-write: not tampering
                    raise IntegrityFailure(f"unlock journal line {number} is damaged") from None
                expected = JournalEntry.digest(
                    entry.seq, entry.at, entry.username, entry.workstation_id, entry.event, prev
                )
                if entry.prev != prev or entry.hash != expected or entry.seq != len(entries) + 1:
                    raise IntegrityFailure(f"unlock journal entry {entry.seq} has been altered")
                entries.append(entry)
                prev = entry.hash
        return entries

    def append(self, username: str, event: JournalEvent, at: datetime) -> JournalEntry:
        """Add one event durably (fsync) before the caller answers the user."""
        existing = self.entries()
        prev = existing[-1].hash if existing else GENESIS
        seq = len(existing) + 1
        digest = JournalEntry.digest(seq, at, username, self.workstation_id, event, prev)
        entry = JournalEntry(
            seq=seq,
            at=at,
            username=username,
            workstation_id=self.workstation_id,
            event=event,
            prev=prev,
            hash=digest,
        )
        line = entry.model_dump_json().encode() + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        return entry

    def lockout_state(
        self, username: str, attempts: int, period: timedelta, entries: list[JournalEntry] | None = None
    ) -> LockoutState:
        """Replay the journal: `attempts` consecutive failures lock the user for `period`."""
        failures = 0
        locked_until: datetime | None = None
        for entry in entries if entries is not None else self.entries():
            if entry.username != username:
                continue
            if entry.event in ("unlocked", "lockout_cleared"):
                failures, locked_until = 0, None
            elif entry.event == "failed_unlock":
                if locked_until is not None and entry.at >= locked_until:
                    failures, locked_until = 0, None
                failures += 1
                if failures >= attempts:
                    locked_until = entry.at + period
        return LockoutState(failures, locked_until)
