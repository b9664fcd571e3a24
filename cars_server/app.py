"""Composition root of the server: `create_app(settings)` builds the engine, context and routes.

Nothing happens at import time, so tests can run several apps side by side, each on its own
database, and the command line decides the settings before anything touches the database.

Middleware, outermost first: access log → unexpected-error guard → version gate (`/v1` only) →
request-body limits and gzip → gzip responses → routes. So every request is logged, nothing ends
in a traceback, an old client is refused before its body is read, and no route ever sees an
unbounded or compressed body.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from cars_protocol import PROTOCOL_VERSION
from cars_server.config import ServerSettings
from cars_server.context import ServerContext
from cars_server.http.access_log import AccessLogMiddleware
from cars_server.http.error_handlers import install_error_handlers
from cars_server.http.request_body import RequestBodyMiddleware
from cars_server.http.unexpected import UnexpectedErrorMiddleware
from cars_server.http.version_gate import VersionGateMiddleware
from cars_server.routes import audit, enrolment, health, reference, sessions, slots, supervision, sync, users
from cars_server.storage.engine import build_engine
from cars_server.version import server_version

#: Responses smaller than this are not worth compressing.
GZIP_MINIMUM_BYTES = 1024


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
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(enrolment.router)
    app.include_router(sessions.router)
    app.include_router(sync.router)
    app.include_router(supervision.router)
    app.include_router(audit.router)
    app.include_router(slots.router)
    app.include_router(reference.router)
    app.include_router(users.router)
    # add_middleware wraps what is already there, so the last added is the outermost.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)
    app.add_middleware(RequestBodyMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        VersionGateMiddleware,
        minimum_client_version=settings.minimum_client_version,
        installer_source=settings.installer_source,
    )
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app
