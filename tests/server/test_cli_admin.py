"""`cars-server migrate`, `serve` refusals and `admin ...`, run in-process through `main()`."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cars_server.cli import EXIT_FAILURE, EXIT_NOT_MIGRATED, EXIT_OK, EXIT_USAGE, main
from cars_server.storage.engine import build_engine
from cars_server.storage.tables import ServerAuditRow, UserRow

PASSWORD = "a good long pass 7"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'server.db').as_posix()}"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> bool:
    return err.startswith("cars-server: error: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture
def migrated(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CARS_SERVER_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("CARS_SERVER_ARGON2_TIME_COST", "1")
    assert run(["migrate", "--db", db], capsys)[0] == EXIT_OK
    assert (
        run(
            ["admin", "site", "create", "OLDBURY", "--name", "Oldbury", "--kind", "custody", "--db", db],
            capsys,
        )[0]
        == 0
    )
    return db


def test_migrate_prints_the_revision_before_and_after(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(["migrate", "--db", db], capsys)
    again = run(["migrate", "--db", db], capsys)

    assert first[0] == again[0] == EXIT_OK
    assert first[1].startswith("database schema upgraded from empty to revision ")
    assert again[1].startswith("database schema already at revision ")


def test_admin_commands_refuse_an_unmigrated_database(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["admin", "user", "list", "--db", db], capsys)

    assert code == EXIT_NOT_MIGRATED
    assert out == "" and one_error_line(err) and "cars-server migrate" in err


def test_serve_refuses_an_unmigrated_database_and_plain_http_off_loopback(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    unmigrated = run(["serve", "--db", db, "--port", "1"], capsys)
    exposed = run(["serve", "--db", db, "--host", "0.0.0.0"], capsys)  # noqa: S104 - the point of the test
    half_tls = run(["serve", "--db", db, "--tls-cert", "cert.pem"], capsys)

    assert unmigrated[0] == EXIT_NOT_MIGRATED and one_error_line(unmigrated[2])
    assert exposed[0] == EXIT_FAILURE and one_error_line(exposed[2]) and "--tls-cert" in exposed[2]
    assert half_tls[0] == EXIT_USAGE and one_error_line(half_tls[2])


def test_user_lifecycle(
    migrated: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    created = run(
        [
            "admin", "user", "create", "sam.worker", "--name", "Sam Worker",
            "--role", "worker", "--role", "supervisor", "--site", "OLDBURY",
            "--password-stdin", "--db", migrated,
        ],
        capsys,
    )  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("another long pass 9\n"))
    changed = run(["admin", "user", "passwd", "sam.worker", "--password-stdin", "--db", migrated], capsys)
    disabled = run(["admin", "user", "disable", "sam.worker", "--db", migrated], capsys)
    listed = run(["admin", "user", "list", "--db", migrated], capsys)

    assert [created[0], changed[0], disabled[0], listed[0]] == [0, 0, 0, 0]
    assert listed[1] == "sam.worker\tSam Worker\tsupervisor,worker\tOLDBURY\tdisabled\n"
    engine = build_engine(migrated)
    try:
        with Session(engine) as session:
            user = session.get(UserRow, "sam.worker")
            operations = session.scalars(select(ServerAuditRow.operation).order_by(ServerAuditRow.seq)).all()
    finally:
        engine.dispose()
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert operations == ["site_created", "user_created", "user_password_set", "user_disabled"]


@pytest.mark.parametrize(
    ("role", "site", "stdin", "expected"),
    [
        pytest.param("wizard", "OLDBURY", PASSWORD, "roles", id="unknown-role"),
        pytest.param("worker", "NOWHERE", PASSWORD, "no such site", id="unknown-site"),
        pytest.param("worker", "OLDBURY", "short", "at least 10 characters", id="weak-password"),
        pytest.param("worker", "OLDBURY", "", "no password", id="no-password"),
    ],
)
def test_bad_user_creation_is_one_line(
    migrated: str,
    role: str,
    site: str,
    stdin: str,
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    argv = [
        "admin",
        "user",
        "create",
        "ann.other",
        "--name",
        "Ann Other",
        "--password-stdin",
        "--db",
        migrated,
    ]

    code, out, err = run([*argv, "--role", role, "--site", site], capsys)

    assert code == EXIT_FAILURE
    assert out == "" and one_error_line(err) and expected in err
    if stdin:
        assert stdin not in err  # the password is never echoed


def test_enrolment_code_prints_only_the_code(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["admin", "enrolment-code", "OLDBURY", "--hours", "2", "--db", migrated], capsys)
    missing = run(["admin", "enrolment-code", "NOWHERE", "--db", migrated], capsys)

    assert code == EXIT_OK and err == ""
    assert len(out.strip()) >= 40 and out.count("\n") == 1
    assert missing[0] == EXIT_FAILURE and one_error_line(missing[2])


def test_workstation_revoke_of_an_unknown_id_is_one_line(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = run(["admin", "workstation", "list", "--db", migrated], capsys)
    code, _out, err = run(["admin", "workstation", "revoke", "not-a-workstation", "--db", migrated], capsys)

    assert listed == (EXIT_OK, "", "")
    assert code == EXIT_FAILURE and one_error_line(err)


def test_recovery_keygen_writes_a_private_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "org-recovery.pem"

    code, out, _err = run(["admin", "recovery", "keygen", "--out", str(out_file)], capsys)
    again = run(["admin", "recovery", "keygen", "--out", str(out_file)], capsys)

    assert code == EXIT_OK
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert out_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    public = out.strip().splitlines()[-1].removeprefix("set CARS_SERVER_RECOVERY_PUBLIC_KEY=")
    assert len(public) == 44
    assert again[0] == EXIT_FAILURE and one_error_line(again[2]) and "already exists" in again[2]


def test_admin_actions_are_logged_without_personal_data(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["admin", "enrolment-code", "OLDBURY", "--db", migrated], capsys)
    engine = build_engine(migrated)
    try:
        with Session(engine) as session:
            row = session.scalars(select(ServerAuditRow).order_by(ServerAuditRow.seq.desc())).first()
    finally:
        engine.dispose()

    assert row is not None and row.operation == "enrolment_code_issued"
    assert json.loads(row.detail) == {"site": "OLDBURY", "hours": 24}
    assert row.actor.startswith("cli:")
