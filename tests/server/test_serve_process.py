"""`cars-server serve` as a real process: it serves a migrated database and says it is plain HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from cars_server.cli import main
from tests.server.server_process import free_port

STARTUP_TIMEOUT_S = 30.0


def test_serve_runs_on_loopback_and_warns_about_plain_http(tmp_path: Path) -> None:
    db = f"sqlite:///{(tmp_path / 'server.db').as_posix()}"
    assert main(["migrate", "--db", db]) == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARS_SERVER_")}
    env["CARS_SERVER_DATABASE_URL"] = db  # the URL by environment, as the help recommends
    process = subprocess.Popen(
        [sys.executable, "-m", "cars_server.cli", "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        response = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None and response.status_code == 200
        assert response.json()["status"] == "ok"
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)

    assert "serving plain HTTP on loopback address 127.0.0.1" in err
    assert '"route":"/health","status":200' in err  # the access log line
    assert "Traceback" not in err
