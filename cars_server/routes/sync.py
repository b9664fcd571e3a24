"""`POST /v1/push`, `GET /v1/pull` and the person backfill: the casework sync endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cars_protocol.sync import (
    MAX_PULL_LIMIT,
    ErrorBody,
    PersonRecordsResponse,
    PullResponse,
    PushRequest,
    PushResponse,
)
from cars_server.deps import CallerDep, EngineDep, NowDep, SettingsDep
from cars_server.sync.feed import read_feed, scope_for
from cars_server.sync.ingest import apply_push
from cars_server.sync.person_records import person_records

router = APIRouter(prefix="/v1", tags=["sync"])

DEFAULT_PULL_LIMIT = 500

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 413, 415, 422, 426)
}


@router.post("/push", response_model=PushResponse, responses=_REFUSALS)
def push(body: PushRequest, caller: CallerDep, engine: EngineDep, now: NowDep) -> PushResponse:
    """Apply a batch of changes in one transaction and return a receipt per change."""
    return apply_push(engine, caller, body, now)


@router.get("/pull", response_model=PullResponse, responses=_REFUSALS)
def pull(
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
    now: NowDep,
    cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> PullResponse:
    """One bounded page of the change feed after `cursor`, for the caller's scope."""
    return read_feed(engine, scope_for(caller, now, settings.feed_window_days), cursor, limit)


@router.get("/people/{person_id}/records", response_model=PersonRecordsResponse, responses=_REFUSALS)
def records_of_person(
    person_id: uuid.UUID, caller: CallerDep, engine: EngineDep, settings: SettingsDep, now: NowDep
) -> PersonRecordsResponse:
    """Every current record of one person in the caller's scope, whatever the pull window."""
    return person_records(engine, scope_for(caller, now, settings.feed_window_days), person_id)
