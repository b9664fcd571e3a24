"""Three workstations syncing through the fault-injecting proxy: nothing lost, nothing twice.

For each kind of fault, many seeded random rounds: every workstation does some casework, then
tries to sync through a proxy that cuts request or response bodies part-way, resets connections,
stalls past the client's timeout, or shapes the link (delay, bandwidth, loss). Syncs may fail; the
proxy's counters prove each fault really fired where it should. Then the faults stop, everyone
syncs until quiet, and the server's database and every store are checked (`check_exactly_once`).

Rounds: CARS_STRESS_ROUNDS (default small, for CI); run e.g. `CARS_STRESS_ROUNDS=60` by hand.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.sync.errors import ServerUnreachable, SyncError
from tests.conftest import stress_rounds
from tests.server.helpers import RunningServer
from tests.sync.fault_proxy import BodyFault, CounterSnapshot, FaultProxy, Faults, ResetBeforeRequest
from tests.sync.stations import (
    Casework,
    check_exactly_once,
    enrol_station,
    open_station,
    receipts_lost,
    sync_until_quiet,
)

STATIONS = 3
ROUNDS = stress_rounds(4)
CLIENT_TIMEOUT_S = 10.0
#: The stall fault holds a body longer than this client timeout, so the client gives up mid-body.
STALL_CLIENT_TIMEOUT_S = 0.4
STALL_S = 0.9


@dataclass(frozen=True)
class FaultCase:
    """One kind of fault: what the proxy does in a round, and what its counters must show."""

    name: str
    faults: Callable[[random.Random, int], Faults]
    fired: Callable[[CounterSnapshot], bool]
    may_fail: bool = True  # False: a shaped link is slow, never broken, so every sync succeeds
    lost_receipts: bool = False  # True: pushes reach the server but their replies are cut
    client_timeout_s: float = CLIENT_TIMEOUT_S


def _either(round_no: int) -> str:
    """Pushes in even rounds, pulls in odd ones, so both exchanges meet every fault."""
    return "/v1/push" if round_no % 2 == 0 else "/v1/pull"


CASES = [
    FaultCase(
        "drop mid request body",
        lambda rng, i: Faults(
            request_body=BodyFault("drop", probability=0.7, shots=None, path_prefix="/v1/push")
        ),
        lambda c: c.request_body_cuts > 0,
    ),
    FaultCase(
        "drop mid response body",
        lambda rng, i: Faults(
            response_body=BodyFault("drop", probability=0.7, shots=None, path_prefix=_either(i))
        ),
        lambda c: c.response_body_cuts > 0,
        lost_receipts=True,
    ),
    FaultCase(
        "reset",
        lambda rng, i: rng.choice(
            [
                Faults(
                    reset_before_request=ResetBeforeRequest(probability=0.5, shots=None, path_prefix="/v1/")
                ),
                Faults(request_body=BodyFault("reset", probability=0.7, shots=None, path_prefix="/v1/push")),
                Faults(response_body=BodyFault("reset", probability=0.7, shots=None, path_prefix=_either(i))),
            ]
        ),
        lambda c: c.resets > 0 and c.request_body_cuts + c.response_body_cuts > 0,
    ),
    FaultCase(
        "stall past the client timeout",
        lambda rng, i: Faults(
            **{  # type: ignore[arg-type]
                rng.choice(("request_body", "response_body")): BodyFault(
                    rng.choice(("stall", "stall_then_drop")),
                    stall_s=STALL_S,
                    probability=0.5,
                    shots=1,
                    path_prefix=_either(i),
                )
            }
        ),
        lambda c: c.stalls > 0,
        client_timeout_s=STALL_CLIENT_TIMEOUT_S,
    ),
    FaultCase(
        "delay and bandwidth cap",
        lambda rng, i: Faults(
            delay_s=rng.uniform(0.005, 0.03), bandwidth_bytes_per_s=rng.choice((100_000, 300_000))
        ),
        lambda c: c.bytes_to_server > 0 and c.bytes_to_client > 0,
        may_fail=False,
    ),
    FaultCase(
        "loss model",
        lambda rng, i: Faults(
            loss_probability=0.05,
            retransmission_timeout_s=0.15,
            bandwidth_bytes_per_s=400_000,
            segment_bytes=512,
        ),
        lambda c: c.held_back_chunks > 0,
        may_fail=False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_randomized_rounds_through_faults_lose_and_duplicate_nothing(
    case: FaultCase, server: RunningServer, tmp_path: Path
) -> None:
    seed = sum(map(ord, case.name))
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    with (
        httpx.Client(timeout=CLIENT_TIMEOUT_S) as direct,
        httpx.Client(timeout=case.client_timeout_s) as faulty,
        FaultProxy.for_url(server.base_url, rng=random.Random(seed + 1)) as proxy,
    ):
        folders = [
            enrol_station(server.base_url, server.enrolment_code(), tmp_path / f"station-{n}", direct)
            for n in range(STATIONS)
        ]
        sessions: list[WorkstationSession] = [open_station(f, direct, proxy.url) for f in folders]
        try:
            work = [Casework(s, random.Random(seed + 10 + n), f"St{n}") for n, s in enumerate(sessions)]
            for round_no in range(ROUNDS):
                proxy.set_faults(case.faults(rng, round_no))
                for casework in work:
                    casework.step(rng.randint(1, 4))
                for session in rng.sample(sessions, len(sessions)):
                    try:
                        outcomes["duplicates"] += sync_now(
                            session, faulty
                        ).duplicates  # resent, not reapplied
                        outcomes["ok"] += 1
                    except ServerUnreachable:
                        outcomes["unreachable"] += 1
                        outcomes["receipts lost"] += receipts_lost(session, server.engine)
                    except SyncError as exc:  # a refusal is not a network fault: report it plainly
                        pytest.fail(f"the server refused a sync during {case.name!r}: {exc.message}")
            counters = proxy.counters.snapshot()
            print(f"{case.name}: {ROUNDS} rounds, outcomes {dict(outcomes)}, {counters}")
            assert case.fired(counters), f"the {case.name!r} fault never fired: {counters}"
            if case.may_fail:
                assert outcomes["unreachable"] > 0, "no sync was broken by the fault"
            else:
                assert outcomes["unreachable"] == 0, "a slow link is not a broken one"
            proxy.set_faults(Faults())
            if case.lost_receipts:  # pushes the server applied whose replies never arrived
                assert outcomes["receipts lost"] > 0, "no push reply was lost"
            sync_until_quiet(sessions, direct)
            view = check_exactly_once(server.engine, sessions)
            made = sum(sum(w.made.values()) for w in work)
            assert made > 0 and len(view.applied) == made
        finally:
            for session in sessions:
                session.lock()
