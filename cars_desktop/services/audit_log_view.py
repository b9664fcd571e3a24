"""Reading the audit log a page at a time, with filters, for the administrator's audit log viewer.

The log can hold hundreds of thousands of entries, so it is never read whole: a page is the newest
`page_size` entries older than a cursor (keyset paging on `seq`, which the log's primary key
orders), and the filters become a SQL `WHERE` with bound parameters. Newest first, because the
question asked is nearly always "what happened lately".

Reading the log is itself a consultation of personal-data processing records, so opening it and
each change of filter writes one CONSULTATION entry carrying the filters only (ids and names of
users, never the content of what was found). Turning a page under the same filter does not: the
filter was logged when it was applied.

Dates in filters are UK calendar days; entries are stored in UTC ("...+00:00" ISO text), so a day
becomes the UTC instants its UK midnight boundaries fall on, compared as text (ISO text sorts as
time does when every value carries the same offset, which the writer guarantees).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.audit_reads import AuditQuery, read_audit_rows
from cars_desktop.storage.repositories import UserRepository

UK = ZoneInfo("Europe/London")
DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 1_000

#: Plain words for each operation, as the viewer shows them (the stored value stays the legal term).
OPERATION_LABELS: dict[str, str] = {
    AuditOperation.COLLECTION.value: "Recorded",
    AuditOperation.ALTERATION.value: "Changed",
    AuditOperation.CONSULTATION.value: "Viewed",
    AuditOperation.DISCLOSURE.value: "Shared or printed",
    AuditOperation.COMBINATION.value: "Merged",
    AuditOperation.ERASURE.value: "Deleted",
    AuditOperation.LOGIN.value: "Unlocked",
    AuditOperation.FAILED_LOGIN.value: "Unlock refused",
    AuditOperation.LOCK.value: "Locked",
    AuditOperation.ADMINISTRATION.value: "Administration",
    AuditOperation.SECURITY_ALERT.value: "Security alert",
}


def operation_label(operation: str) -> str:
    """The plain label of a stored operation (the value itself if this program does not know it)."""
    return OPERATION_LABELS.get(operation, operation)


@dataclass(frozen=True)
class AuditFilter:
    """What to show; every field left empty means "any"."""

    date_from: date | None = None  # UK calendar day, inclusive
    date_to: date | None = None  # UK calendar day, inclusive
    username: str = ""
    operation: str = ""
    record_type: str = ""
    record_id: str = ""

    def cleaned(self) -> AuditFilter:
        """The same filter with text trimmed; InvalidInput for a filter that cannot match anything."""
        cleaned = AuditFilter(
            self.date_from,
            self.date_to,
            self.username.strip(),
            self.operation.strip(),
            self.record_type.strip(),
            self.record_id.strip().lower(),
        )
        if cleaned.date_from and cleaned.date_to and cleaned.date_from > cleaned.date_to:
            raise InvalidInput("the 'from' date is after the 'to' date; swap them or clear one")
        if cleaned.operation and cleaned.operation not in OPERATION_LABELS:
            raise InvalidInput(f"{cleaned.operation!r} is not a kind of audit entry")
        return cleaned

    def as_details(self) -> dict[str, str]:
        """The filters set, as text for the consultation entry (ids and user names only)."""
        return {key: str(value) for key, value in asdict(self).items() if value not in (None, "")}


@dataclass(frozen=True)
class AuditEntryView:
    """One entry as the viewer shows it; the hash and signature stay in the store."""

    seq: int
    at: datetime  # UTC
    username: str
    roles: str
    workstation_id: str
    operation: str
    record_type: str | None
    record_id: str | None
    justification: str | None
    recipient: str | None
    legal_basis: str | None
    details: str  # "key: value; ..." or ""

    @property
    def operation_label(self) -> str:
        return operation_label(self.operation)


@dataclass(frozen=True)
class AuditPage:
    """One page of entries, newest first, and where it sits among those the filter matches."""

    filter: AuditFilter
    entries: tuple[AuditEntryView, ...]
    before_seq: int | None  # the cursor this page was read from (None: the newest page)
    has_older: bool
    total: int  # entries the filter matches, in the whole log
    newest_seq: int  # the newest entry in the whole log when read (0 if empty)

    @property
    def older_cursor(self) -> int | None:
        """The cursor for the next (older) page, or None at the end."""
        return self.entries[-1].seq if self.has_older and self.entries else None


def _bound(day: date) -> str:
    """The UTC instant a UK day starts, as the text prefix stored times are compared with."""
    start = datetime.combine(day, time.min, tzinfo=UK).astimezone(UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%S")


def _query(flt: AuditFilter) -> AuditQuery:
    return AuditQuery(
        at_from=_bound(flt.date_from) if flt.date_from else None,
        at_before=_bound(flt.date_to + timedelta(days=1)) if flt.date_to else None,
        username=flt.username,
        operation=flt.operation,
        record_type=flt.record_type,
        record_id=flt.record_id,
    )


def details_text(raw: str | None) -> str:
    """An entry's details as "key: value; ..." (the stored JSON as it is if it cannot be read)."""
    if not raw:
        return ""
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return raw
    if not isinstance(parsed, dict):
        return str(parsed)
    parts = []
    for key, value in parsed.items():
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else value
        if isinstance(value, dict):
            shown = json.dumps(value, sort_keys=True)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def read_audit_page(
    session: WorkstationSession,
    flt: AuditFilter,
    *,
    before_seq: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    log_consultation: bool = False,
) -> AuditPage:
    """One page of entries matching `flt`, older than `before_seq` (the newest page if None).

    With `log_consultation` (the viewer's first read and each new filter), a CONSULTATION entry
    naming the filters is written after the read, so the page shows the log as it was found.
    """
    require(session.actor, Permission.VERIFY_AUDIT, "read the audit log")
    flt = flt.cleaned()
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    with session.store.read_session() as read:
        found = read_audit_rows(read, _query(flt), before_seq, size + 1)
    rows = found.rows
    entries = tuple(
        AuditEntryView(
            seq=row.seq,
            at=_parse_at(row.at),
            username=row.username,
            roles=row.roles,
            workstation_id=row.workstation_id,
            operation=row.operation,
            record_type=row.record_type,
            record_id=row.record_id,
            justification=row.justification,
            recipient=row.recipient,
            legal_basis=row.legal_basis,
            details=details_text(row.details),
        )
        for row in rows[:size]
    )
    if log_consultation:
        details: dict[str, object] = {"viewed": "audit_log", **flt.as_details()}
        with session.unit_of_work() as uow:
            uow.audit(AuditEvent(AuditOperation.CONSULTATION, "audit_log", details=details))
            uow.commit()
    return AuditPage(flt, entries, before_seq, len(rows) > size, found.total, found.newest)


def _parse_at(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AuditChoices:
    """What the filter drop-downs offer: user names enrolled here and the kinds of entry."""

    usernames: tuple[str, ...]
    operations: tuple[tuple[str, str], ...]  # (stored value, plain label)


def audit_choices(session: WorkstationSession) -> AuditChoices:
    """The filter choices, without scanning the log (user names come from the user table)."""
    require(session.actor, Permission.VERIFY_AUDIT, "read the audit log")
    with session.store.read_session() as read:
        names = tuple(account.username for account in UserRepository(read).list())
    return AuditChoices(names, tuple(OPERATION_LABELS.items()))
