"""Server settings: the one place in `cars_server` that reads the environment.

Settings come from `CARS_SERVER_*` environment variables (or keyword arguments in tests and the
command line). Secrets such as a database password belong in the environment or a service manager's
credential store, never on the command line, where any local user can read them from the process
list.
"""

import base64
import binascii
import ipaddress
from os import PathLike
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cars_protocol.sync import MAX_BODY_BYTES
from cars_server.errors import ConfigurationError
from cars_server.versions import parse_version

APP_NAME = "cars-server"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
SQLITE_FILE_NAME = "cars-server.db"
#: RFC 9106 second recommended Argon2id parameters (64 MiB, 3 passes); tests set cheaper ones.
DEFAULT_ARGON2_MEMORY_KIB = 65536
DEFAULT_ARGON2_TIME_COST = 3
X25519_KEY_BYTES = 32


def default_data_dir() -> Path:
    """Return the per-user data folder, so a server started without set-up needs no privileges."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


def sqlite_url_for(data_dir: Path) -> str:
    """Return the SQLAlchemy URL of the default SQLite database inside `data_dir`."""
    return f"sqlite:///{(data_dir / SQLITE_FILE_NAME).as_posix()}"


class ServerSettings(BaseSettings):
    """Everything the server needs to start, validated once at start-up.

    `database_url` defaults to a SQLite file in `data_dir`; set `CARS_SERVER_DATABASE_URL` to a
    `postgresql+psycopg://` URL for production. It is left out of `repr()` because it may contain
    a password.
    """

    model_config = SettingsConfigDict(env_prefix="CARS_SERVER_", extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = Field(default="", repr=False)
    host: str = Field(default=DEFAULT_HOST, min_length=1)
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: Clients older than this are refused with `client_too_old`; they keep their data and outbox.
    minimum_client_version: str = "0.1.0"
    #: Where IT publishes installers, named in the refusal an old client shows (default "your IT service").
    installer_source: str | None = Field(default=None, min_length=1, max_length=200)
    session_hours: int = Field(default=12, ge=1, le=24 * 7)
    enrolment_code_hours: int = Field(default=24, ge=1, le=24 * 30)
    #: How many days of a site's records a workstation pulls (the sync core's feed scope).
    feed_window_days: int = Field(default=90, ge=1, le=3650)
    #: The organisation's X25519 recovery public key (base64); enrolment is refused while unset.
    recovery_public_key: str = ""
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024, le=MAX_BODY_BYTES)
    argon2_memory_kib: int = Field(default=DEFAULT_ARGON2_MEMORY_KIB, ge=8, le=4 * 1024 * 1024)
    argon2_time_cost: int = Field(default=DEFAULT_ARGON2_TIME_COST, ge=1, le=20)

    @field_validator("minimum_client_version")
    @classmethod
    def _check_version(cls, value: str) -> str:
        """Refuse a minimum version the gate could not compare against."""
        if parse_version(value) is None:
            raise ValueError("must be a dotted version such as 0.1.0")
        return value

    @field_validator("recovery_public_key")
    @classmethod
    def _check_recovery_key(cls, value: str) -> str:
        """Refuse a malformed key at start-up rather than at the first enrolment."""
        value = value.strip()
        if not value:
            return value
        try:
            raw = base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError(
                "must be the base64 X25519 public key printed by 'admin recovery keygen'"
            ) from None
        if len(raw) != X25519_KEY_BYTES:
            raise ValueError("must be the base64 of a raw 32-byte X25519 public key")
        return value

    @model_validator(mode="after")
    def _check_tls(self) -> "ServerSettings":
        """TLS needs both files (whether plain HTTP may listen is `check_listen_address`'s job)."""
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key must be given together")
        return self

    @property
    def uses_tls(self) -> bool:
        """True when the server terminates HTTPS itself."""
        return self.tls_cert is not None

    @model_validator(mode="before")
    @classmethod
    def _resolve_paths(cls, data: object) -> object:
        """Make `data_dir` absolute and derive the SQLite URL from it when no URL is given.

        Done before field validation so that overriding only the data folder (for example with
        `cars-server serve --data-dir`) also moves the default database with it.
        """
        if not isinstance(data, dict):
            return data
        raw_dir = data.get("data_dir")
        if not raw_dir:
            data_dir = default_data_dir()
        elif isinstance(raw_dir, str | PathLike):
            data_dir = Path(raw_dir).expanduser().resolve()
        else:
            return data  # let field validation report the wrong type
        values = {**data, "data_dir": data_dir}
        if not values.get("database_url"):
            values["database_url"] = sqlite_url_for(data_dir)
        return values


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback IP addresses, the only places plain HTTP may listen."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_listen_address(settings: ServerSettings) -> None:
    """Refuse plain HTTP anywhere but loopback: casework must not cross a network in clear."""
    if settings.uses_tls:
        for path in (settings.tls_cert, settings.tls_key):
            if path is not None and not path.is_file():
                raise ConfigurationError(f"TLS file not found: {path}")
        return
    if not is_loopback(settings.host):
        raise ConfigurationError(
            f"refusing plain HTTP on {settings.host}, which is not a loopback address: "
            "give --tls-cert and --tls-key (or put a TLS proxy in front and listen on 127.0.0.1)"
        )
