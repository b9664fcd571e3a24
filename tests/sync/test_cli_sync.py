"""`cars-desktop enrol` and `cars-desktop sync` through `main([...])`, secrets on standard input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cars_desktop.cli import main
from cars_desktop.sync.errors import REFUSED_EXIT, UNREACHABLE_EXIT
from tests.conftest import CHEAP_KDF_ENV
from tests.server.helpers import PASSWORDS, WORKER, RunningServer


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CHEAP_KDF_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))  # the log file goes under the test's folder
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("CARS_SERVER_URL", raising=False)


def run(monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(args))


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_enrol_then_sync_from_the_command_line(
    server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(tmp_path / "ws")
    code = server.enrolment_code()
    status = run(
        monkeypatch, f"{code}\n", "--data-dir", folder, "enrol", "--server", server.base_url, "--code-stdin"
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "enrolled with" in out and "escrowed" in out and code not in out

    status = run(
        monkeypatch,
        f"{PASSWORDS[WORKER]}\n",
        "--data-dir",
        folder,
        "sync",
        "--user",
        WORKER,
        "--password-stdin",
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "Pushed 0 changes" in captured.out and "Pulled 0 records" in captured.out
    assert PASSWORDS[WORKER] not in captured.out + captured.err

    # The same code cannot be used twice: a refusal, one line, saying why.
    status = run(
        monkeypatch,
        f"{code}\n",
        "--data-dir",
        str(tmp_path / "ws2"),
        "enrol",
        "--server",
        server.base_url,
        "--code-stdin",
    )
    line = one_error_line(capsys.readouterr().err)
    assert status == REFUSED_EXIT and "new enrolment code" in line
    assert not (tmp_path / "ws2" / "vault.json").exists()


def test_sync_says_when_the_server_cannot_be_reached(
    server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(tmp_path / "ws")
    assert (
        run(
            monkeypatch,
            f"{server.enrolment_code()}\n",
            "--data-dir",
            folder,
            "enrol",
            "--server",
            server.base_url,
            "--code-stdin",
        )
        == 0
    )
    assert (
        run(
            monkeypatch,
            f"{PASSWORDS[WORKER]}\n",
            "--data-dir",
            folder,
            "sync",
            "--user",
            WORKER,
            "--password-stdin",
        )
        == 0
    )
    capsys.readouterr()
    monkeypatch.setenv("CARS_SERVER_URL", "http://127.0.0.1:9")  # nothing listens there
    status = run(
        monkeypatch,
        f"{PASSWORDS[WORKER]}\n",
        "--data-dir",
        folder,
        "sync",
        "--user",
        WORKER,
        "--password-stdin",
    )
    line = one_error_line(capsys.readouterr().err)
    assert status == UNREACHABLE_EXIT
    assert "could not be reached" in line and "kept here" in line


def test_enrol_refuses_plain_http_across_a_network_and_an_unreachable_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run(
        monkeypatch,
        "CODE-1\n",
        "--data-dir",
        str(tmp_path / "a"),
        "enrol",
        "--server",
        "http://cars.example.org",
        "--code-stdin",
    )
    assert status == REFUSED_EXIT and "not encrypted" in one_error_line(capsys.readouterr().err)
    status = run(
        monkeypatch,
        "CODE-1\n",
        "--data-dir",
        str(tmp_path / "b"),
        "enrol",
        "--server",
        "http://127.0.0.1:9",
        "--code-stdin",
    )
    assert status == UNREACHABLE_EXIT and "could not be reached" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "b" / "vault.json").exists()
