"""The explicit context one app instance runs with: its settings and its database engine.

`create_app` builds one and stores it on `app.state`; routes reach it through the typed
dependencies in `cars_server.deps`, never through module globals.
"""

from dataclasses import dataclass

from sqlalchemy import Engine

from cars_server.config import ServerSettings


@dataclass(frozen=True, slots=True)
class ServerContext:
    """What every request handler of one app may use; built once by `create_app`."""

    settings: ServerSettings
    engine: Engine
