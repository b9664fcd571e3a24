"""Build `ErrorBody` responses, both as Starlette responses and as raw ASGI messages."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import JSONResponse
from starlette.types import Send

from cars_protocol.sync import ErrorBody, ErrorCode, Problem


def error_body(code: ErrorCode, message: str, problems: Sequence[Problem] = ()) -> bytes:
    """The JSON bytes of an `ErrorBody` (message cut to the protocol's limit)."""
    body = ErrorBody(error=code, message=message[:1000], problems=list(problems)[:100])
    return body.model_dump_json().encode("utf-8")


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    problems: Sequence[Problem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON response carrying an `ErrorBody`."""
    body = ErrorBody(error=code, message=message[:1000], problems=list(problems)[:100])
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


async def send_error(send: Send, status: int, code: ErrorCode, message: str) -> None:
    """Send a whole `ErrorBody` response from ASGI middleware, before the app has run."""
    payload = error_body(code, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload, "more_body": False})
