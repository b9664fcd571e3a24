"""JSON responses for messages whose `SecretStr` fields must reach the client in clear.

The protocol types secrets as `SecretStr` so they never show in a `repr()` or log line; pydantic
masks them when serialising too, so the few answers that hand a secret over (enrolment, session,
device key) are serialised here, on purpose, and nowhere else.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel, SecretStr
from pydantic_core import to_json


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _reveal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(item) for item in value]
    return value


def secret_json_response(message: BaseModel, status_code: int = 200) -> Response:
    """A JSON response of `message` with its secrets in clear."""
    content = to_json(_reveal(message.model_dump(mode="python")))
    return Response(content=content, status_code=status_code, media_type="application/json")
