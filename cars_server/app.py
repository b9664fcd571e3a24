"""Composition root of the server: `create_app(settings)` builds the engine, context and routes.

Nothing happens at import time, so tests can run several apps side by side, each on its own
database, and the command line decides the settings before anything touches the database.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cars_protocol import PROTOCOL_VERSION
from cars_server.config import ServerSettings
from cars_server.context import ServerContext
from cars_server.routes import health
from cars_server.storage.engine import build_engine
from cars_server.version import server_version


def create_app(settings: ServerSettings) -> FastAPI:
    """Build a ready-to-serve app for `settings`; its engine is disposed when the app shuts down.

    Raises `ConfigurationError` if the database URL is unusable. No connection is opened here:
    an unreachable database shows up in `GET /health`, not as a start-up crash.
    """
    context = ServerContext(settings=settings, engine=build_engine(settings.database_url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context.engine.dispose()

    app = FastAPI(
        title="CARS server",
        version=server_version(),
        summary=f"Central sync server for CARS Desktop (protocol {PROTOCOL_VERSION}).",
        lifespan=lifespan,
    )
    app.state.context = context
    app.include_router(health.router)
    return app
