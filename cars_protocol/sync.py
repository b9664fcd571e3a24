"""The sync wire contract: headers, error bodies, enrolment, sessions, push, pull and status.

Both sides build and parse every message through these models, so a field renamed on one side
fails the other side's tests instead of silently dropping data. Secrets that travel (device
credential, session token, device key, passwords) are `SecretStr` so they never appear in a
`repr()` or a log line by accident.

Transport rules (see docs/sync.md):

- every request carries `X-Cars-Protocol` and `X-Cars-Client-Version`; a client below the server's
  minimum is refused with `ErrorCode.CLIENT_TOO_OLD` and keeps its data and outbox;
- requests other than enrolment carry the device credential as `Authorization: Device <token>`;
  everything about casework also carries the signed-in user's `X-Cars-Session` token;
- request bodies may be gzip-compressed (`Content-Encoding: gzip`); the server bounds both the
  compressed and the decompressed size;
- every refusal is a 4xx/5xx with an `ErrorBody`, never an HTML page or a bare string.

Endpoints (all JSON; `D` = device credential required, `S` = user session required):

    GET  /health                              liveness and database check
    POST /v1/enrol              EnrolRequest -> EnrolResponse   (one-time code, no credential yet)
    PUT  /v1/escrow          D  EscrowRequest -> 204
    POST /v1/session         D  SessionRequest -> SessionResponse
    POST /v1/device-key      DS -> DeviceKeyResponse   (password sessions of the device's site only)
    POST /v1/push            DS PushRequest -> PushResponse
    POST /v1/audit           DS AuditPushRequest -> AuditPushResponse
    GET  /v1/audit/alerts    DS (supervisor) -> list[AuditAlert]
    GET  /v1/slots/overbooked  DS (supervisor) -> list[OverbookedSlot]
    GET  /v1/reference?since=  DS -> ReferenceResponse
    GET  /v1/pull?cursor=&limit=   DS -> PullResponse
    GET  /v1/people/{person_id}/records  DS -> PersonRecordsResponse   (backfill of one person)
    GET  /v1/conflicts       DS (supervisor) -> list[ConflictInfo]
    POST /v1/conflicts/{id}/resolve  DS (supervisor) ConflictResolution -> Receipt
    GET  /v1/workstations    DS (supervisor) -> list[WorkstationStatus]
    GET  /v1/users?known=    DS -> UsersResponse   (users of the device's site, active or not)
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, SecretStr

from cars_protocol.records import MAX_REVISION, MAX_SEQ, Code, Role, ShortText, Username, UtcDateTime

HEADER_PROTOCOL = "X-Cars-Protocol"
HEADER_CLIENT_VERSION = "X-Cars-Client-Version"
HEADER_SESSION = "X-Cars-Session"
#: `Authorization: Device <credential>` identifies the workstation on every request after enrolment.
DEVICE_AUTH_SCHEME = "Device"

#: Most changes one push may carry; the client splits its outbox into batches of at most this many.
MAX_PUSH_CHANGES = 500
#: Largest request body the server accepts, before and after gzip decompression.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Most feed items one pull page may return.
MAX_PULL_LIMIT = 1000

ChangeId = uuid.UUID
Base64 = Annotated[str, Field(min_length=1, max_length=4096, pattern=r"^[A-Za-z0-9+/=_\-]+$")]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorCode(StrEnum):
    """Why the server refused a request; clients branch on the code, people read the message."""

    INVALID_REQUEST = "invalid_request"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_PROTOCOL = "unsupported_protocol"
    CLIENT_TOO_OLD = "client_too_old"
    DEVICE_UNKNOWN = "device_unknown"
    DEVICE_REVOKED = "device_revoked"
    SESSION_REQUIRED = "session_required"
    SESSION_EXPIRED = "session_expired"
    BAD_CREDENTIALS = "bad_credentials"
    USER_DISABLED = "user_disabled"
    NOT_PERMITTED = "not_permitted"
    ENROLMENT_CODE_INVALID = "enrolment_code_invalid"
    WRONG_SITE = "wrong_site"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class Problem(_Message):
    """One thing wrong with a request: where (a dotted path, or a change id) and what."""

    location: Annotated[str, Field(max_length=300)]
    message: Annotated[str, Field(max_length=500)]
    change_id: ChangeId | None = None


class ErrorBody(_Message):
    """The body of every refusal."""

    error: ErrorCode
    message: Annotated[str, Field(max_length=1000)]
    problems: list[Problem] = Field(default_factory=list, max_length=100)


# --- enrolment and sessions -------------------------------------------------------------------


class EnrolRequest(_Message):
    """A workstation asks to join the service with a one-time code, which decides its site."""

    code: SecretStr
    workstation_id: uuid.UUID
    label: ShortText
    signing_public_key: Base64  # raw Ed25519 public key, base64
    audit_head_seq: Annotated[int, Field(ge=0, le=MAX_SEQ)] = 0
    audit_head_digest: Annotated[str, Field(max_length=128)] | None = None


class EnrolResponse(_Message):
    """What the workstation keeps: its credential and device key go into the vault, never to disk in clear."""

    workstation_id: uuid.UUID
    site_code: Code
    device_credential: SecretStr
    device_key: SecretStr  # base64 of 32 random bytes wrapping the server-assisted vault slot
    recovery_public_key: Base64  # the organisation's X25519 public key for escrowing the recovery key
    server_time: UtcDateTime


class EscrowRequest(_Message):
    """The workstation's recovery key sealed to the organisation's recovery public key."""

    sealed_recovery_key: Annotated[str, Field(min_length=1, max_length=4096)]


class SessionRequest(_Message):
    """A user signs in through a workstation, by password or by the workstation's attestation.

    With `password` the server checks its Argon2id hash: a full session, which may also fetch the
    device key and enrol the user on a new workstation. Without a network at unlock time the
    workstation can later get a sync-only session by `attestation`: an Ed25519 signature by its
    device key over `attestation_message(...)`, accepted only for an active user of the device's site.
    """

    username: Username
    password: SecretStr | None = None
    attested_at: UtcDateTime | None = None
    attestation: Base64 | None = None


def attestation_message(workstation_id: uuid.UUID, username: str, attested_at: datetime) -> bytes:
    """The exact bytes a workstation signs to vouch that `username` unlocked it at `attested_at`."""
    return f"cars-session-attestation|{workstation_id}|{username}|{attested_at.isoformat()}".encode()


class UserInfo(_Message):
    """The server's view of a user, so the workstation can enrol or update them locally."""

    username: Username
    display_name: ShortText
    roles: list[Role]
    sites: list[Code]
    active: bool = True
    password_changed_at: UtcDateTime | None = None


class SessionResponse(_Message):
    """A bearer session for casework requests from this workstation, valid until `expires_at`."""

    session_token: SecretStr
    expires_at: UtcDateTime
    user: UserInfo


class DeviceKeyResponse(_Message):
    """The per-device key, released only to an authenticated user of the workstation's site."""

    device_key: SecretStr


# --- push ---------------------------------------------------------------------------------------


class Change(_Message):
    """One revision of one record, as the workstation saved it.

    `base_revision` is the revision the author edited (0 for a new record); the server applies the
    change only if that is still its current revision, otherwise it keeps both and flags a conflict.
    `change_id` is made when the change is queued and never reused, so a retried push is recognised.
    `base_change_id` names the exact revision edited (the change that produced it, None for a new
    record): two workstations can both make "revision 2" offline, and only the change id tells the
    server which branch a later "revision 3, based on 2" belongs to.
    """

    change_id: ChangeId
    record_type: Annotated[str, Field(min_length=1, max_length=40)]
    record_id: uuid.UUID
    revision: Annotated[int, Field(ge=1, le=MAX_REVISION)]
    base_revision: Annotated[int, Field(ge=0, le=MAX_REVISION)]
    base_change_id: ChangeId | None = None
    record: dict[str, JsonValue]


class PushRequest(_Message):
    """A batch of changes, applied by the server in one transaction, plus the workstation's queue state."""

    changes: Annotated[list[Change], Field(max_length=MAX_PUSH_CHANGES)]
    pending_count: Annotated[int, Field(ge=0, le=MAX_SEQ)] = 0
    oldest_pending_at: UtcDateTime | None = None


class ReceiptStatus(StrEnum):
    """What the server did with a change; every status means the change is safely held there."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied by an earlier push; the original receipt is repeated
    CONFLICT = "conflict"  # kept beside the server's revision; a supervisor resolves it
    MERGED = "merged"  # independent fields merged automatically into `server_revision`


class Receipt(_Message):
    """The server's acknowledgement of one change; the client marks the change sent only on this.

    `server_revision` and `server_change_id` name the server's current revision of the record after
    this change (for `merged`, the merge the server made).
    """

    change_id: ChangeId
    record_id: uuid.UUID
    status: ReceiptStatus
    server_revision: Annotated[int, Field(ge=1, le=MAX_REVISION)]
    server_change_id: ChangeId


class PushResponse(_Message):
    receipts: list[Receipt]


# --- pull ---------------------------------------------------------------------------------------


class FeedItem(_Message):
    """The current server revision of one record in the workstation's scope."""

    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    record_type: Annotated[str, Field(min_length=1, max_length=40)]
    change_id: ChangeId  # the change that produced this revision; the base of the next local edit
    record: dict[str, JsonValue]
    conflicted: bool = False


class PullResponse(_Message):
    """One bounded page of the change feed; store `cursor` once the page is applied."""

    items: list[FeedItem]
    cursor: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    more: bool


class PersonRecordsResponse(_Message):
    """Every current record of one person (their Person record and all records about them).

    A workstation asks for this when a person becomes active in its pull window after its cursor
    has passed their older records; items carry their feed `seq` but do not move the cursor.
    """

    items: list[FeedItem]


class ConflictRevision(_Message):
    """One side of a conflict: who saved it, where, and the record as they saved it."""

    revision: Annotated[int, Field(ge=1, le=MAX_REVISION)]
    workstation_id: uuid.UUID | None
    saved_by: Username
    saved_at: UtcDateTime
    record: dict[str, JsonValue]


class ConflictInfo(_Message):
    """A conflicted record: the server's current revision and the change that could not be applied."""

    conflict_id: uuid.UUID
    record_id: uuid.UUID
    record_type: Annotated[str, Field(min_length=1, max_length=40)]
    current: ConflictRevision
    incoming: ConflictRevision
    base_revision: Annotated[int, Field(ge=0, le=MAX_REVISION)]
    fields: list[str]  # top-level fields whose values differ between the two
    raised_at: UtcDateTime


class ConflictResolution(_Message):
    """A supervisor's merged revision; it must follow the server's current revision."""

    record: dict[str, JsonValue]
    reason: Annotated[str, Field(min_length=3, max_length=500)]


# --- audit log ---------------------------------------------------------------------------------


class AuditEntry(_Message):
    """One entry of a workstation's hash-chained, signed s.62 log, exactly as it was chained.

    Field names match `cars_desktop.domain.audit_chain.CHAINED_FIELDS`; `signature` is base64.
    Entries carry identifiers, roles and operation names only, never record contents.
    """

    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    at: Annotated[str, Field(max_length=40)]
    username: Annotated[str, Field(max_length=64)]
    roles: Annotated[str, Field(max_length=200)]
    workstation_id: Annotated[str, Field(max_length=36)]
    operation: Annotated[str, Field(max_length=40)]
    record_type: Annotated[str, Field(max_length=40)] | None
    record_id: Annotated[str, Field(max_length=36)] | None
    justification: Annotated[str, Field(max_length=2000)] | None
    recipient: Annotated[str, Field(max_length=200)] | None
    legal_basis: Annotated[str, Field(max_length=40)] | None
    details: Annotated[str, Field(max_length=20_000)] | None
    prev_hash: Annotated[str, Field(min_length=64, max_length=64)]
    entry_hash: Annotated[str, Field(min_length=64, max_length=64)]
    signature: Annotated[str, Field(min_length=1, max_length=200)]


class AuditPushRequest(_Message):
    """The next entries of the workstation's log, in order, continuing from the last accepted one."""

    entries: Annotated[list[AuditEntry], Field(max_length=MAX_PUSH_CHANGES)]


class AuditPushResponse(_Message):
    """How far the server holds the chain; `alert` names a break (the entries are still kept)."""

    accepted_through: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    alert: Annotated[str, Field(max_length=500)] | None = None


class AuditAlert(_Message):
    """A break the server found in a workstation's audit chain (the entries are kept regardless)."""

    alert_id: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    workstation_id: uuid.UUID
    site_code: Code
    seq: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    problem: Annotated[str, Field(max_length=500)]
    raised_at: UtcDateTime


# --- appointment slots and reference data --------------------------------------------------------


class OverbookedSlot(_Message):
    """An appointment slot holding more bookings than its capacity, for a supervisor to rebook.

    Every booking is kept; `appointment_ids` lists all of them, oldest booking first.
    """

    site_code: Code
    starts_at: UtcDateTime
    capacity: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    appointment_ids: list[uuid.UUID]
    raised_at: UtcDateTime


class ReferenceItem(_Message):
    """One version of one kind of centrally edited reference data, used from `effective_from`.

    `kind` is a list name (`sites`, `providers`, `appointment_slots`, ...) or `form:<form id>`;
    `body` is the file as imported. `seq` orders imports: ask for `since` the last one applied.
    """

    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    kind: Annotated[str, Field(min_length=1, max_length=80)]
    version: Annotated[int, Field(ge=1, le=MAX_REVISION)]
    effective_from: date
    body: dict[str, JsonValue]


class ReferenceResponse(_Message):
    """Reference data versions imported after the workstation's `since`; store `cursor` once applied."""

    items: list[ReferenceItem]
    cursor: Annotated[int, Field(ge=0, le=MAX_SEQ)]


# --- users ---------------------------------------------------------------------------------------

#: Most local user names one `GET /v1/users` may ask about in `known`.
MAX_KNOWN_USERS = 500


class UsersResponse(_Message):
    """The server's users of the workstation's site, so disabling and role changes travel by sync.

    `users` holds every user who has the workstation's site, active or not (no password hashes).
    `elsewhere` names those of the `known` user names the workstation asked about that the server
    knows but that no longer have this site: the workstation withdraws them. A name in neither list
    is unknown to the server (a local administrator made before enrolment) and is left alone.
    """

    users: list[UserInfo]
    elsewhere: list[Username] = Field(default_factory=list)
    as_of: UtcDateTime


# --- status -------------------------------------------------------------------------------------


class WorkstationStatus(_Message):
    """What a supervisor sees about one workstation's sync health."""

    workstation_id: uuid.UUID
    label: ShortText
    site_code: Code
    enrolled_at: datetime
    revoked: bool
    last_contact_at: UtcDateTime | None
    pending_count: int
    oldest_pending_at: UtcDateTime | None
    audit_head_seq: int
    audit_head_digest: str | None
