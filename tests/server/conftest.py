"""Fixtures for the server tests: settings isolated from the developer's environment, a live server."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cars_server.config import ServerSettings
from tests.server.helpers import RunningServer, running_server


@pytest.fixture(autouse=True)
def _isolated_server_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop any CARS_SERVER_* variables of the developer's shell, so tests see only their own."""
    for name in list(os.environ):
        if name.startswith("CARS_SERVER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> ServerSettings:
    """Default settings (SQLite in the data folder) with the data folder in `tmp_path`."""
    return ServerSettings(data_dir=tmp_path / "server-data")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A migrated SQLite server with sites and users (see tests.server.helpers), on loopback."""
    with running_server(tmp_path) as server:
        yield server
