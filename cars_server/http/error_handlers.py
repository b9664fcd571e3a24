"""Exception handlers: every refusal becomes an `ErrorBody` with the right status.

Validation problems name where (a dotted location) and what, never the submitted value, which
may be personal data or a secret.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cars_protocol.sync import ErrorCode, Problem
from cars_server.errors import ApiError
from cars_server.http.responses import error_response
from cars_server.sync.errors import ChangesRefused

MAX_LOCATION = 300
MAX_MESSAGE = 500

#: HTTP status for each code the sync core may refuse a request with; anything else is 422.
_REFUSAL_STATUS = {
    ErrorCode.WRONG_SITE: 403,
    ErrorCode.NOT_PERMITTED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn our exceptions and FastAPI's into `ErrorBody` responses."""
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(ChangesRefused, _changes_refused)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_exception)  # type: ignore[arg-type]


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.problems)


async def _changes_refused(_request: Request, exc: ChangesRefused) -> JSONResponse:
    return error_response(_REFUSAL_STATUS.get(exc.code, 422), exc.code, exc.message, exc.problems)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(400, ErrorCode.INVALID_REQUEST, "The request body is not valid JSON.")
    problems = [
        Problem(
            location=".".join(str(part) for part in error.get("loc", ()))[:MAX_LOCATION] or "request",
            message=str(error.get("msg", "invalid"))[:MAX_MESSAGE],
        )
        for error in errors[:100]
    ]
    return error_response(
        422, ErrorCode.INVALID_REQUEST, "The request is not valid; see the problems listed.", problems
    )


async def _http_exception(_request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 404:
        return error_response(404, ErrorCode.NOT_FOUND, "There is no such endpoint on this server.")
    if exc.status_code == 405:
        return error_response(
            405,
            ErrorCode.INVALID_REQUEST,
            "This endpoint does not accept that method.",
            headers=dict(exc.headers or {}),
        )
    code = ErrorCode.UNAVAILABLE if exc.status_code >= 500 else ErrorCode.INVALID_REQUEST
    return error_response(exc.status_code, code, str(exc.detail)[:MAX_MESSAGE])
