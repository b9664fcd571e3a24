"""`GET /v1/users`: a workstation learns its site's users (active or not) and nobody else's.

Real server on loopback, real enrolment and sessions; users changed with the admin functions.
"""

from __future__ import annotations

import httpx

from cars_protocol.sync import ErrorBody, ErrorCode, UsersResponse
from cars_server.admin.users import disable_user
from cars_server.clock import utc_now
from tests.server.helpers import (
    COURT_WORKER,
    OTHER_SITE,
    SUPERVISOR,
    WORKER,
    RunningServer,
    api_headers,
    enrol,
    sign_in,
)


def _users(server: RunningServer, headers: dict[str, str], known: list[str] | None = None) -> httpx.Response:
    params = {"known": known} if known else None
    return httpx.get(f"{server.base_url}/v1/users", headers=headers, params=params, timeout=30)


def test_lists_only_the_workstations_site_users_without_password_hashes(live_server: RunningServer) -> None:
    station = enrol(live_server, live_server.enrolment_code())
    token = sign_in(live_server, station, WORKER)

    response = _users(live_server, api_headers(station, token))

    assert response.status_code == 200, response.text
    assert "password_hash" not in response.text and "argon2" not in response.text
    body = UsersResponse.model_validate_json(response.content)
    assert [user.username for user in body.users] == [SUPERVISOR, WORKER]
    assert body.elsewhere == []
    worker = next(user for user in body.users if user.username == WORKER)
    assert (worker.active, [role.value for role in worker.roles]) == (True, ["worker"])


def test_a_disabled_user_is_still_listed_as_inactive(live_server: RunningServer) -> None:
    station = enrol(live_server, live_server.enrolment_code())
    token = sign_in(live_server, station, SUPERVISOR)
    disable_user(live_server.engine, WORKER, "operator", utc_now())

    body = UsersResponse.model_validate_json(_users(live_server, api_headers(station, token)).content)

    assert {user.username: user.active for user in body.users} == {SUPERVISOR: True, WORKER: False}


def test_known_names_held_at_another_site_are_named_and_unknown_ones_are_not(
    live_server: RunningServer,
) -> None:
    station = enrol(live_server, live_server.enrolment_code())
    token = sign_in(live_server, station, WORKER)

    response = _users(live_server, api_headers(station, token), [COURT_WORKER, "local.admin", WORKER])

    body = UsersResponse.model_validate_json(response.content)
    assert body.elsewhere == [COURT_WORKER]
    assert COURT_WORKER not in [user.username for user in body.users]


def test_a_court_workstation_sees_only_its_own_site_users(live_server: RunningServer) -> None:
    station = enrol(live_server, live_server.enrolment_code(OTHER_SITE))
    token = sign_in(live_server, station, COURT_WORKER)

    body = UsersResponse.model_validate_json(_users(live_server, api_headers(station, token)).content)

    assert sorted(user.username for user in body.users) == [COURT_WORKER, SUPERVISOR]


def test_needs_a_user_session_and_a_device(live_server: RunningServer) -> None:
    station = enrol(live_server, live_server.enrolment_code())

    no_session = _users(live_server, api_headers(station))
    no_device = _users(live_server, api_headers())

    assert no_session.status_code == 401
    assert ErrorBody.model_validate_json(no_session.content).error is ErrorCode.SESSION_REQUIRED
    assert no_device.status_code == 401
