"""The command line as IT staff and scripts use it: real processes, secrets on standard input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHEAP_KDF_ENV

REPO = Path(__file__).resolve().parents[2]
ADMIN_PW = "admin password 1"
SUP_PW = "supervisor pass 2"


def cli(*args: str, stdin: str = "", data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    prefix = ["--data-dir", str(data_dir)] if data_dir else []
    env = {
        **os.environ,
        **CHEAP_KDF_ENV,
        "PYTHONPATH": str(REPO),
        "HOME": str(data_dir.parent if data_dir else REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "cars_desktop", *prefix, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store made through the command line, with a supervisor and seeded data."""
    data_dir = tmp_path_factory.mktemp("cli") / "ws"
    made = cli(
        "init",
        "--site",
        "OLDBURY",
        "--admin",
        "it.admin",
        "--password-stdin",
        stdin=f"{ADMIN_PW}\n",
        data_dir=data_dir,
    )
    assert made.returncode == 0, made.stderr
    key_line = made.stdout.splitlines()[2].strip()
    added = cli(
        "users",
        "add",
        "--user",
        "it.admin",
        "--password-stdin",
        "sue.sup",
        "--roles",
        "supervisor,worker",
        stdin=f"{ADMIN_PW}\n{SUP_PW}\n",
        data_dir=data_dir,
    )
    assert added.returncode == 0, added.stderr
    seeded = cli(
        "seed",
        "--user",
        "sue.sup",
        "--password-stdin",
        "--people",
        "40",
        "--random-seed",
        "5",
        stdin=f"{SUP_PW}\n",
        data_dir=data_dir,
    )
    assert seeded.returncode == 0, seeded.stderr
    return data_dir, key_line


def test_version_and_help() -> None:
    assert cli("--version").stdout.startswith("cars-desktop ")
    for command in (
        ["--help"],
        ["init", "--help"],
        ["users", "passwd", "--help"],
        ["audit", "verify", "--help"],
    ):
        result = cli(*command)
        assert result.returncode == 0
        assert "usage:" in result.stdout


def test_init_prints_a_recovery_key_once_and_refuses_to_overwrite(store: tuple[Path, str]) -> None:
    data_dir, key_line = store
    assert len(key_line.split("-")) == 9
    again = cli(
        "init",
        "--site",
        "OLDBURY",
        "--admin",
        "x.admin",
        "--password-stdin",
        stdin=f"{ADMIN_PW}\n",
        data_dir=data_dir,
    )
    assert "already exists" in one_error_line(again)


def test_init_rejects_an_unknown_site_and_a_bad_user_name(tmp_path: Path) -> None:
    bad_site = cli(
        "init",
        "--site",
        "NARNIA",
        "--admin",
        "a.admin",
        "--password-stdin",
        stdin=f"{ADMIN_PW}\n",
        data_dir=tmp_path / "a",
    )
    assert "OLDBURY" in one_error_line(bad_site)
    bad_name = cli(
        "init",
        "--site",
        "OLDBURY",
        "--admin",
        "Bad Name",
        "--password-stdin",
        stdin=f"{ADMIN_PW}\n",
        data_dir=tmp_path / "b",
    )
    assert "not a valid user name" in one_error_line(bad_name)
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / "b").exists()


def test_usage_mistakes_are_one_line() -> None:
    assert "--help" in one_error_line(cli("users", "add", "--nonsense"))
    assert "--help" in one_error_line(cli("export", "--user", "x"))


def test_missing_stdin_line_is_explained(store: tuple[Path, str]) -> None:
    data_dir, _ = store
    result = cli(
        "users",
        "add",
        "--user",
        "it.admin",
        "--password-stdin",
        "new.one",
        "--roles",
        "worker",
        stdin=f"{ADMIN_PW}\n",
        data_dir=data_dir,
    )
    assert "line 2 of standard input" in one_error_line(result)


def test_audit_verify_counts_entries(store: tuple[Path, str]) -> None:
    data_dir, _ = store
    result = cli(
        "audit", "verify", "--user", "sue.sup", "--password-stdin", stdin=f"{SUP_PW}\n", data_dir=data_dir
    )
    assert result.returncode == 0
    assert "entries checked" in result.stdout


def test_export_writes_json_lines_for_supervisors_only(store: tuple[Path, str], tmp_path: Path) -> None:
    data_dir, _ = store
    out = tmp_path / "export.jsonl"
    result = cli(
        "export",
        "--user",
        "sue.sup",
        "--password-stdin",
        "--out",
        str(out),
        stdin=f"{SUP_PW}\n",
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {"type", "id", "revision", "fields"} <= set(lines[0])
    assert {line["type"] for line in lines} >= {"person", "custody_episode"}
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    again = cli(
        "export",
        "--user",
        "sue.sup",
        "--password-stdin",
        "--out",
        str(out),
        stdin=f"{SUP_PW}\n",
        data_dir=data_dir,
    )
    assert "already exists" in one_error_line(again)


def test_wrong_password_is_one_line_with_attempts_left(store: tuple[Path, str]) -> None:
    data_dir, _ = store
    result = cli(
        "users", "list", "--user", "it.admin", "--password-stdin", stdin="nope nope nope\n", data_dir=data_dir
    )
    assert "attempts left" in one_error_line(result)
    assert result.returncode == 3
    listed = cli(
        "users", "list", "--user", "it.admin", "--password-stdin", stdin=f"{ADMIN_PW}\n", data_dir=data_dir
    )
    assert "sue.sup" in listed.stdout
    assert "it.admin" in listed.stdout


def test_worker_may_not_rotate_the_recovery_key(store: tuple[Path, str]) -> None:
    data_dir, _ = store
    result = cli(
        "recovery-key",
        "rotate",
        "--user",
        "sue.sup",
        "--password-stdin",
        stdin=f"{SUP_PW}\n",
        data_dir=data_dir,
    )
    assert "does not allow" in one_error_line(result)


def test_passwd_with_recovery_key_then_backup_and_restore(store: tuple[Path, str], tmp_path: Path) -> None:
    data_dir, key = store
    reset = cli(
        "users",
        "passwd",
        "--recovery-key",
        "--for",
        "sue.sup",
        "--password-stdin",
        stdin=f"{key}\nnew supervisor pw\n",
        data_dir=data_dir,
    )
    assert reset.returncode == 0, reset.stderr
    changed = cli(
        "users",
        "passwd",
        "--user",
        "sue.sup",
        "--password-stdin",
        stdin=f"new supervisor pw\n{SUP_PW}\n",
        data_dir=data_dir,
    )
    assert changed.returncode == 0, changed.stderr
    backup = tmp_path / "ws.cbak"
    made = cli(
        "backup",
        "--user",
        "it.admin",
        "--password-stdin",
        "--out",
        str(backup),
        stdin=f"{ADMIN_PW}\n",
        data_dir=data_dir,
    )
    assert made.returncode == 0, made.stderr
    target = tmp_path / "restored"
    refused = cli(
        "restore", str(backup), "--user", "sue.sup", "--password-stdin", stdin=f"{SUP_PW}\n", data_dir=target
    )
    assert "does not allow" in one_error_line(refused)
    assert not (target / "cars.db").exists()
    restored = cli(
        "restore",
        str(backup),
        "--user",
        "it.admin",
        "--password-stdin",
        stdin=f"{ADMIN_PW}\n",
        data_dir=target,
    )
    assert restored.returncode == 0, restored.stderr
    verified = cli(
        "audit", "verify", "--user", "sue.sup", "--password-stdin", stdin=f"{SUP_PW}\n", data_dir=target
    )
    assert verified.returncode == 0, verified.stderr
    not_a_backup = tmp_path / "junk.cbak"
    not_a_backup.write_text("hello")
    junk = cli(
        "restore",
        str(not_a_backup),
        "--user",
        "it.admin",
        "--password-stdin",
        stdin=f"{ADMIN_PW}\n",
        data_dir=tmp_path / "x",
    )
    assert "not a CARS Desktop backup" in one_error_line(junk)


def test_demo_without_gui_sets_up_a_seeded_workstation(tmp_path: Path) -> None:
    result = cli("demo", "--no-gui", "--people", "20", data_dir=tmp_path / "demo")
    assert result.returncode == 0, result.stderr
    assert "demo.worker" in result.stdout
    verify = cli(
        "audit",
        "verify",
        "--user",
        "demo.worker",
        "--password-stdin",
        stdin="demo-password-2026\n",
        data_dir=tmp_path / "demo",
    )
    assert verify.returncode == 0, verify.stderr
