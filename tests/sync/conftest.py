"""Fixtures shared by the sync tests: a real server on loopback and an HTTP client for the workstations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.helpers import RunningServer, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    """A migrated server with the helper sites and users, serving on a loopback port (SQLite)."""
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The HTTP client workstations sync through."""
    with httpx.Client(timeout=30) as client:
        yield client
