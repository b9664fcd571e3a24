"""`GET /health` over real HTTP against a real uvicorn server, on SQLite and on PostgreSQL."""

import socket
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from cars_protocol import PROTOCOL_VERSION
from cars_server.app import create_app
from cars_server.config import SQLITE_FILE_NAME, ServerSettings
from cars_server.context import ServerContext
from tests.server.live_server import serve_in_thread

HEALTHY = {"status": "ok", "protocol_version": PROTOCOL_VERSION, "database": "ok"}


def _engine_of(app: object) -> Engine:
    """Return the engine `create_app` put in the app's context."""
    context: ServerContext = app.state.context  # type: ignore[attr-defined]
    return context.engine


def test_health_on_default_sqlite_database(sqlite_settings: ServerSettings) -> None:
    app = create_app(sqlite_settings)

    with serve_in_thread(app) as base_url:
        response = httpx.get(f"{base_url}/health", timeout=10)

    assert response.status_code == 200
    assert response.json() == HEALTHY
    # The default database is a file in the data folder, created on first use.
    assert (sqlite_settings.data_dir / SQLITE_FILE_NAME).is_file()


def test_health_on_postgresql(postgresql_db_url: str, sqlite_settings: ServerSettings) -> None:
    settings = ServerSettings(data_dir=sqlite_settings.data_dir, database_url=postgresql_db_url)
    app = create_app(settings)

    with serve_in_thread(app) as base_url:
        response = httpx.get(f"{base_url}/health", timeout=10)

    assert response.status_code == 200
    assert response.json() == HEALTHY


@pytest.fixture
def refused_port() -> Iterator[int]:
    """Yield a loopback port that is bound but not listening, so connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def test_health_reports_503_when_database_unreachable(
    refused_port: int, sqlite_settings: ServerSettings
) -> None:
    settings = ServerSettings(
        data_dir=sqlite_settings.data_dir,
        database_url=f"postgresql+psycopg://cars:not-a-secret@127.0.0.1:{refused_port}/cars",
    )
    app = create_app(settings)

    with serve_in_thread(app) as base_url:
        response = httpx.get(f"{base_url}/health", timeout=30)

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "protocol_version": PROTOCOL_VERSION,
        "database": "unavailable",
    }


def test_engine_is_disposed_when_server_stops(sqlite_settings: ServerSettings) -> None:
    app = create_app(sqlite_settings)
    engine = _engine_of(app)

    with serve_in_thread(app) as base_url:
        httpx.get(f"{base_url}/health", timeout=10).raise_for_status()
        pool_while_serving = engine.pool
        assert isinstance(pool_while_serving, QueuePool)
        assert pool_while_serving.checkedin() == 1  # the health check's connection, pooled

    # dispose() closes the pooled connections and swaps in a fresh, empty pool.
    assert engine.pool is not pool_while_serving
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.checkedin() == 0
