"""The HTTP client of the sync protocol, over an `httpx.Client` passed in from outside.

One method per endpoint of `cars_protocol.sync`. Every request carries the protocol and client
versions, the device credential once enrolled, and the user's session once signed in; request
bodies are gzip-compressed. Whatever goes wrong comes out as one exception of `sync.errors`:
transport failures, timeouts, 5xx and unreadable replies as `ServerUnreachable`, refusals as the
`ServerRefused` subclass for their `ErrorCode`. Secrets travel only in headers and bodies, never
in URLs, log lines or exception messages.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import ssl
import uuid
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from cars_desktop.sync.errors import (
    DeviceUnknown,
    InsecureServer,
    ServerRefused,
    ServerUnreachable,
    SessionRejected,
    refusal,
)
from cars_protocol import PROTOCOL_VERSION
from cars_protocol.installers import HEADER_MINIMUM_CLIENT_VERSION
from cars_protocol.sync import (
    DEVICE_AUTH_SCHEME,
    HEADER_CLIENT_VERSION,
    HEADER_PROTOCOL,
    HEADER_SESSION,
    AuditPushRequest,
    AuditPushResponse,
    ConflictInfo,
    ConflictResolution,
    DeviceKeyResponse,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    ErrorCode,
    EscrowRequest,
    OverbookedSlot,
    PersonRecordsResponse,
    PullResponse,
    PushRequest,
    PushResponse,
    Receipt,
    ReferenceResponse,
    SessionRequest,
    SessionResponse,
    UsersResponse,
    WorkstationStatus,
)

log = logging.getLogger(__name__)

#: Bodies smaller than this go uncompressed: gzip's header would make them bigger.
GZIP_MIN_BYTES = 512

M = TypeVar("M", bound=BaseModel)
L = TypeVar("L")
_CONFLICTS = TypeAdapter(list[ConflictInfo])
_WORKSTATIONS = TypeAdapter(list[WorkstationStatus])
_OVERBOOKED = TypeAdapter(list[OverbookedSlot])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> str:
    """The server's base URL without a trailing slash; plain http only to this machine itself.

    Refuses (InsecureServer) anything else: records must never cross a network unencrypted.
    """
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise InsecureServer(f"{url!r} is not a server address; give one like https://cars.example.org")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InsecureServer("the server address must not contain a user name, password, query or fragment")
    if parts.scheme == "http":
        if not _is_loopback(host):
            raise InsecureServer(
                f"the server address {parts.scheme}://{host} is not encrypted; use https:// "
                "(plain http is allowed only to this computer itself)"
            )
        log.info("sync uses plain http to the loopback address %s (allowed only on this computer)", host)
    return url.strip().rstrip("/")


#: A key-pin file holds one line: this prefix, then the hex SHA-256 of the server's public key
#: (its DER SubjectPublicKeyInfo). Provisioning writes one when the organisation pins the key.
PIN_PREFIX = "pin-sha256:"
_PIN_HEX = re.compile(r"[0-9a-f]{64}")


def normalise_pin(text: str) -> str | None:
    """A pin as 64 lower-case hex digits (colons and spaces allowed between), or None if it is not one."""
    pin = re.sub(r"[\s:]", "", text).lower()
    return pin if _PIN_HEX.fullmatch(pin) else None


def spki_sha256(der_certificate: bytes) -> str:
    """The hex SHA-256 of a certificate's SubjectPublicKeyInfo: what a key pin names."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    public_key = x509.load_der_x509_certificate(der_certificate).public_key()
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


class _PinnedSocket(ssl.SSLSocket):
    """Checks the server's key against the pin inside the handshake, before any request is sent."""

    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        context = self.context
        assert isinstance(context, _PinnedContext)
        certificate = self.getpeercert(binary_form=True)
        if not certificate or not hmac.compare_digest(spki_sha256(certificate), context.pin):
            self.close()
            raise ssl.SSLCertVerificationError(
                1, "[SSL: CERTIFICATE_VERIFY_FAILED] the server's key does not match the pinned key"
            )


class _PinnedContext(ssl.SSLContext):
    """TLS whose only trust is one server key: no CA chain and no host name, the pin decides."""

    sslsocket_class = _PinnedSocket
    pin: str


def pinned_context(pin: str) -> ssl.SSLContext:
    """A TLS context that accepts only a server whose public key hashes to `pin` (hex SHA-256)."""
    checked = normalise_pin(pin)
    if checked is None:
        raise InsecureServer("the pinned server key must be 64 hexadecimal digits (a SHA-256)")
    context = _PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the chain is not what is trusted: the pin is checked instead
    context.pin = checked
    return context


def tls_verification(ca_file: str | None) -> ssl.SSLContext | bool:
    """Verify against `ca_file`: an organisation CA, the server's own certificate, or a key-pin file."""
    if ca_file is None:
        return True
    try:
        with open(ca_file, encoding="utf-8") as handle:
            head = handle.read(len(PIN_PREFIX) + 200).strip()
        if head.startswith(PIN_PREFIX):
            return pinned_context(head.removeprefix(PIN_PREFIX))
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, UnicodeDecodeError, ssl.SSLError):
        raise InsecureServer(f"the server certificate file {ca_file} cannot be read") from None


def http_client(verify: ssl.SSLContext | bool, timeout_s: float) -> httpx.Client:
    """An HTTP client for the sync with this TLS verification and a timeout."""
    return httpx.Client(verify=verify, timeout=httpx.Timeout(timeout_s))


def build_http(ca_file: str | None, timeout_s: float) -> httpx.Client:
    """The HTTP client the sync uses: TLS verified against `ca_file` (or the system store), a timeout."""
    return http_client(tls_verification(ca_file), timeout_s)


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "it did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "no connection could be made"
    return "the connection broke off"


class SyncClient:
    """Talks to one central server for one workstation; holds the user's session once opened."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        client_version: str,
        device_credential: str | None = None,
        session_token: str | None = None,
    ) -> None:
        self._http = http
        self.base_url = check_server_url(base_url)
        self._client_version = client_version
        self._credential = device_credential
        self._session_token = session_token
        #: The oldest CARS Desktop the server accepts, as its last reply said (None until it answers).
        self.minimum_client_version: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def set_device_credential(self, credential: str) -> None:
        """Use this credential from now on (after enrolment)."""
        self._credential = credential

    # -- transport ------------------------------------------------------------------------------

    def _headers(self, device: bool, session: bool) -> dict[str, str]:
        headers = {
            HEADER_PROTOCOL: str(PROTOCOL_VERSION),
            HEADER_CLIENT_VERSION: self._client_version,
            "Accept": "application/json",
        }
        if device:
            if self._credential is None:
                raise DeviceUnknown(
                    ErrorCode.DEVICE_UNKNOWN,
                    "this workstation is not enrolled with a central server; enrol it first",
                )
            headers["Authorization"] = f"{DEVICE_AUTH_SCHEME} {self._credential}"
        if session:
            if self._session_token is None:
                raise SessionRejected(ErrorCode.SESSION_REQUIRED, "sign in to the central server first")
            headers[HEADER_SESSION] = self._session_token
        return headers

    def _send(
        self,
        method: str,
        path: str,
        body: BaseModel | None = None,
        *,
        device: bool = True,
        session: bool = True,
        params: dict[str, int] | dict[str, list[str]] | None = None,
    ) -> httpx.Response:
        headers = self._headers(device, session)
        content: bytes | None = None
        if body is not None:
            raw = _wire_json(body)
            headers["Content-Type"] = "application/json"
            if len(raw) >= GZIP_MIN_BYTES:
                content = gzip.compress(raw, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
            else:
                content = raw
        try:
            response = self._http.request(
                method, self.base_url + path, content=content, headers=headers, params=params
            )
            self.minimum_client_version = (
                response.headers.get(HEADER_MINIMUM_CLIENT_VERSION) or self.minimum_client_version
            )
        except httpx.TransportError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise InsecureServer(
                    f"the central server at {self.host} did not present a trusted certificate; "
                    "nothing was sent (check the server address and its certificate setting)"
                ) from None
            log.warning("sync request %s %s failed: %s", method, path, type(exc).__name__)
            raise ServerUnreachable(
                f"the central server at {self.host} could not be reached ({_describe(exc)}); "
                "your records are kept here and will be sent at the next sync"
            ) from None
        if response.status_code >= 400:
            raise self._failure(response)
        return response

    def _failure(self, response: httpx.Response) -> Exception:
        try:
            error = ErrorBody.model_validate_json(response.content)
        except ValidationError:
            error = None
        status = response.status_code
        if status >= 500 or (error is not None and error.error is ErrorCode.UNAVAILABLE):
            detail = error.message if error is not None else f"HTTP {status}"
            log.warning("sync server error %s", status)
            return ServerUnreachable(
                f"the central server at {self.host} is not working at the moment ({detail}); "
                "your records are kept here and will be sent at the next sync"
            )
        if error is None:
            return ServerRefused(
                ErrorCode.INVALID_REQUEST,
                f"the central server at {self.host} refused the request (HTTP {status}) without saying why",
            )
        return refusal(error.error, error.message)

    def _parse(self, response: httpx.Response, model: type[M]) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise ServerUnreachable(
                f"the central server at {self.host} sent a reply that could not be read; "
                "it may be the wrong address or a proxy"
            ) from None

    # -- endpoints ------------------------------------------------------------------------------

    def health(self) -> None:
        """Raise ServerUnreachable unless the server answers its health check."""
        self._send("GET", "/health", device=False, session=False)

    def enrol(self, request: EnrolRequest) -> EnrolResponse:
        """Redeem a one-time code; the response's credential is then used for every request."""
        response = self._parse(
            self._send("POST", "/v1/enrol", request, device=False, session=False), EnrolResponse
        )
        self._credential = response.device_credential.get_secret_value()
        return response

    def put_escrow(self, request: EscrowRequest) -> None:
        """Hand the sealed recovery key to the server."""
        self._send("PUT", "/v1/escrow", request, session=False)

    def open_session(self, request: SessionRequest) -> SessionResponse:
        """Sign a user in (password or attestation); later casework requests use the session."""
        response = self._parse(self._send("POST", "/v1/session", request, session=False), SessionResponse)
        self._session_token = response.session_token.get_secret_value()
        return response

    def device_key(self) -> bytes:
        """The per-device key that opens the server slot (password sessions of the site only)."""
        response = self._parse(self._send("POST", "/v1/device-key"), DeviceKeyResponse)
        try:
            return base64.b64decode(response.device_key.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise ServerUnreachable(f"the central server at {self.host} sent a damaged device key") from None

    def push(self, request: PushRequest) -> PushResponse:
        """Send one batch of changes; every change answered has a receipt."""
        return self._parse(self._send("POST", "/v1/push", request), PushResponse)

    def pull(self, cursor: int, limit: int) -> PullResponse:
        """One page of the change feed after `cursor`."""
        params = {"cursor": cursor, "limit": limit}
        return self._parse(self._send("GET", "/v1/pull", params=params), PullResponse)

    def person_records(self, person_id: uuid.UUID) -> PersonRecordsResponse:
        """Every current record of one person, whatever the pull window (the backfill)."""
        return self._parse(self._send("GET", f"/v1/people/{person_id}/records"), PersonRecordsResponse)

    def push_audit(self, request: AuditPushRequest) -> AuditPushResponse:
        """Send the next entries of the workstation's audit log; the reply says how far it is held."""
        return self._parse(self._send("POST", "/v1/audit", request), AuditPushResponse)

    def reference(self, since: int, limit: int) -> ReferenceResponse:
        """Reference data versions imported after `since`, oldest first."""
        params = {"since": since, "limit": limit}
        return self._parse(self._send("GET", "/v1/reference", params=params), ReferenceResponse)

    def users(self, known: list[str]) -> UsersResponse:
        """The site's users (active or not), and which of `known` the server holds at other sites."""
        params = {"known": known} if known else None
        return self._parse(self._send("GET", "/v1/users", params=params), UsersResponse)

    def conflicts(self) -> list[ConflictInfo]:
        """Open conflicts of the supervisor's sites."""
        return self._parse_list(self._send("GET", "/v1/conflicts"), _CONFLICTS)

    def workstations(self) -> list[WorkstationStatus]:
        """Sync health of every workstation at the supervisor's sites (unsent work per workstation)."""
        return self._parse_list(self._send("GET", "/v1/workstations"), _WORKSTATIONS)

    def overbooked_slots(self) -> list[OverbookedSlot]:
        """Appointment slots at the supervisor's sites holding more bookings than their capacity."""
        return self._parse_list(self._send("GET", "/v1/slots/overbooked"), _OVERBOOKED)

    def _parse_list(self, response: httpx.Response, adapter: TypeAdapter[list[L]]) -> list[L]:
        try:
            return adapter.validate_json(response.content)
        except ValidationError:
            raise ServerUnreachable(
                f"the central server at {self.host} sent a reply that could not be read"
            ) from None

    def resolve(self, conflict_id: uuid.UUID, resolution: ConflictResolution) -> Receipt:
        """A supervisor's merged revision settles a conflict."""
        return self._parse(self._send("POST", f"/v1/conflicts/{conflict_id}/resolve", resolution), Receipt)


def _wire_json(model: BaseModel) -> bytes:
    """The JSON a message travels as: SecretStr fields (code, password) revealed for the wire only."""
    if not isinstance(model, EnrolRequest | SessionRequest):
        return model.model_dump_json().encode()
    data = model.model_dump(mode="json")
    for name in ("code", "password"):
        value = getattr(model, name, None)
        if value is not None:
            data[name] = value.get_secret_value()
    return json.dumps(data, separators=(",", ":")).encode()
