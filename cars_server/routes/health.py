"""`GET /health`: tells a load balancer, an operator or a workstation whether the server can work.

It runs a real query, because a server that answers HTTP but cannot reach its database would
otherwise look healthy while every sync fails.
"""

import logging
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from cars_protocol import PROTOCOL_VERSION
from cars_server.deps import EngineDep

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class HealthResponse(BaseModel):
    """Body of `GET /health`; `protocol_version` lets a client refuse an incompatible server."""

    model_config = ConfigDict(frozen=True)

    status: Literal["ok", "unavailable"]
    protocol_version: int
    database: Literal["ok", "unavailable"]


@router.get(
    "/health",
    response_model=HealthResponse,
    responses={503: {"model": HealthResponse, "description": "The database is unreachable."}},
)
def health(engine: EngineDep, response: Response) -> HealthResponse:
    """Report liveness after a `SELECT 1` on the database; 503 if the database cannot answer.

    A plain (sync) function so FastAPI runs the blocking database call in its thread pool.
    """
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError as exc:
        # The driver's own message names host and port but never the password; the URL itself
        # is never logged.
        reason = str(exc.orig) if isinstance(exc, DBAPIError) else type(exc).__name__
        logger.warning("Health check: database unavailable: %s", reason.strip())
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthResponse(status="unavailable", protocol_version=PROTOCOL_VERSION, database="unavailable")
    return HealthResponse(status="ok", protocol_version=PROTOCOL_VERSION, database="ok")
