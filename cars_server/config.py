"""Server settings: the one place in `cars_server` that reads the environment.

Settings come from `CARS_SERVER_*` environment variables (or keyword arguments in tests and the
command line). Secrets such as a database password belong in the environment or a service manager's
credential store, never on the command line, where any local user can read them from the process
list.
"""

from os import PathLike
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "cars-server"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
SQLITE_FILE_NAME = "cars-server.db"


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
