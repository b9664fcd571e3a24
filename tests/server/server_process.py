"""`cars-server serve` as a real child process, for tests (and benchmarks) that need the real command.

    with served(settings, tmp_path / "server.log") as server:     # migrate, set up, serve
        httpx.get(f"{server.url}/health")
        server.stop(signal.SIGKILL); server.start()                # kill and restart it mid-test

`served` runs `cars-server migrate` as a process, creates the sites and users of
`tests.server.helpers` with the admin functions, then starts `cars-server serve` on a free loopback
port with the settings passed through the environment (never argv: a database URL may hold a
password). With `tls=TlsFiles(...)` it serves HTTPS and the health check verifies the certificate
against the CA given.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from cars_server.config import ServerSettings
from tests.server.helpers import prepare_database

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


def free_port() -> int:
    """A loopback port free at the moment of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(settings: ServerSettings) -> dict[str, str]:
    """The environment of a server process: these settings and nothing of the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARS_SERVER_")}
    env.update(
        {
            "CARS_SERVER_DATA_DIR": str(settings.data_dir),
            "CARS_SERVER_DATABASE_URL": settings.database_url,
            "CARS_SERVER_RECOVERY_PUBLIC_KEY": settings.recovery_public_key,
            "CARS_SERVER_ARGON2_MEMORY_KIB": str(settings.argon2_memory_kib),
            "CARS_SERVER_ARGON2_TIME_COST": str(settings.argon2_time_cost),
        }
    )
    return env


@dataclass(frozen=True)
class TlsFiles:
    """The server's certificate and key, and the file a client verifies it against."""

    cert: Path
    key: Path
    ca: Path


class ServerProcess:
    """`cars-server serve` in a process of its own, on a fixed loopback port, started and stopped."""

    def __init__(self, env: dict[str, str], port: int, log: IO[str], tls: TlsFiles | None = None) -> None:
        self.env, self.port, self.log, self.tls = env, port, log, tls
        self.process: subprocess.Popen[str] | None = None
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{port}"

    def start(self) -> None:
        """Start it and wait until /health answers."""
        command = [sys.executable, "-m", "cars_server.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port)]
        if self.tls:
            command += ["--tls-cert", str(self.tls.cert), "--tls-key", str(self.tls.key)]
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=self.env, stdout=self.log, stderr=self.log, text=True
        )
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=self.tls.ca) if self.tls else True
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"cars-server serve exited with {self.process.returncode}; see its log")
            try:
                if httpx.get(f"{self.url}/health", timeout=2, verify=verify).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"cars-server serve did not answer /health in {START_TIMEOUT_S} s")
            time.sleep(0.1)

    def stop(self, sig: signal.Signals) -> int:
        """Send `sig` and wait for the process to end; its exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the server did not stop within {STOP_TIMEOUT_S} s of {sig.name}") from None


def migrate_by_command(settings: ServerSettings) -> str:
    """Run `cars-server migrate` as a process against the settings' database; its output."""
    migrated = subprocess.run(
        [sys.executable, "-m", "cars_server.cli", "migrate"],
        cwd=REPO_ROOT,
        env=server_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    return migrated.stdout


@contextmanager
def served(settings: ServerSettings, log_path: Path, tls: TlsFiles | None = None) -> Iterator[ServerProcess]:
    """Migrate with `cars-server migrate`, set up sites and users, serve; killed at the end."""
    assert "revision" in migrate_by_command(settings)
    prepare_database(settings)  # the admin functions `cars-server admin` uses
    with log_path.open("w") as log:
        running = ServerProcess(server_env(settings), free_port(), log, tls)
        running.start()
        try:
            yield running
        finally:
            running.stop(signal.SIGKILL)
