"""Typed FastAPI dependencies: routes declare what they need instead of reaching for globals.

Everything comes from the `ServerContext` that `create_app(settings)` stored on the app, so two
apps in one process (as in tests) never share an engine.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from cars_server.config import ServerSettings
from cars_server.context import ServerContext


def get_context(request: Request) -> ServerContext:
    """Return the context `create_app` stored on the app serving this request."""
    context: ServerContext = request.app.state.context
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]


def get_settings(context: ContextDep) -> ServerSettings:
    """Return the settings of the app serving this request."""
    return context.settings


def get_engine(context: ContextDep) -> Engine:
    """Return the database engine of the app serving this request."""
    return context.engine


SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
