"""`GET /v1/reference?since=N`: reference data versions imported after the workstation's cursor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cars_protocol.sync import ErrorBody, ReferenceResponse
from cars_server.deps import EngineDep, SignedInDep
from cars_server.reference.feed import MAX_REFERENCE_ITEMS, reference_since

router = APIRouter(prefix="/v1", tags=["reference"])

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 422, 426)
}


@router.get("/reference", response_model=ReferenceResponse, responses=_REFUSALS)
def reference(
    _signed_in: SignedInDep,
    engine: EngineDep,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_REFERENCE_ITEMS)] = MAX_REFERENCE_ITEMS,
) -> ReferenceResponse:
    """Versions newer than `since`, oldest first; store `cursor` once they are applied."""
    return reference_since(engine, since, limit)
