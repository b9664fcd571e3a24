"""`cars-desktop provision FILE` end to end: a real server on loopback, a good file, a ready workstation.

The HTTPS cases run the real `cars-server serve --tls-cert --tls-key` process with certificates from
the TLS tests' throwaway CA: the file trusts the organisation CA by a certificate file, or pins the
server's key by its SHA-256. Afterwards the workstation syncs the way the program does (the kept
trust named in its settings file), the provisioning file is gone, and the recovery key was escrowed:
the organisation's private key opens the server's copy, that key opens this workstation's vault,
and it appears nowhere in what the command printed or logged.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Engine

from cars_desktop.cli import main
from cars_desktop.config import Settings
from cars_desktop.domain import recovery_key
from cars_desktop.services.local_settings import apply_local_settings, load_local_settings
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import unlock
from cars_desktop.storage.vault import Vault
from cars_desktop.sync.client import build_http
from cars_desktop.sync.errors import InsecureServer
from cars_server.admin.recovery import unseal_recovery_key
from cars_server.clock import utc_now
from cars_server.storage.engine import build_engine
from tests.conftest import CHEAP_KDF_ENV
from tests.factories import person
from tests.server.helpers import ACTOR, PASSWORDS, SITE, WORKER, RunningServer, server_settings
from tests.server.server_process import ServerProcess, served
from tests.sync.test_tls import make_ca_signed, make_self_signed


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CHEAP_KDF_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))  # the log file goes under the test's folder
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("CARS_SERVER_URL", raising=False)
    monkeypatch.delenv("CARS_SERVER_CA_FILE", raising=False)


def _file(folder: Path, name: str, url: str, code: str, trust: str) -> Path:
    path = folder / name
    path.write_text(
        f'server_url = "{url}"\n{trust}\nenrolment_code = "{code}"\nworkstation_name = "Custody PC 7"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def _provision(folder: Path, file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["--data-dir", str(folder), "provision", str(file)])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def _spki_sha256(certificate_pem: Path) -> str:
    certificate = x509.load_pem_x509_certificate(certificate_pem.read_bytes())
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def _log_text(home: Path) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in home.rglob("cars-desktop.log"))


def _check_escrow(engine: Engine, private_pem: bytes, folder: Path, printed: str, home: Path) -> None:
    """The server holds the sealed key; the organisation's key opens it; it opens the vault; never shown."""
    vault = Vault.load(folder / "vault.json")
    info = vault.enrolment_info()
    assert info is not None and info.site_code == SITE
    key_file = home / "org-recovery.pem"
    key_file.write_bytes(private_pem)
    printable = unseal_recovery_key(engine, key_file, info.workstation_id, ACTOR, utc_now())
    vault.unwrap_with_recovery(recovery_key.parse(printable))  # raises if it is not this store's key
    assert list(home.rglob("cars-desktop.log"))  # the command's log exists, so the check below bites
    for shown in (printed, _log_text(home)):
        assert printable not in shown
        assert printable.replace("-", "") not in shown.replace("-", "")


def _sync_as_the_program_does(settings: Settings, folder: Path) -> int:
    """Unlock and sync with the settings the program runs with: the settings file over the defaults."""
    running = apply_local_settings(settings, load_local_settings(folder))
    assert running.server_ca_file is not None and running.server_ca_file.parent == folder
    with build_http(str(running.server_ca_file), running.sync_timeout_s) as http:
        session = unlock(running, folder, WORKER, PASSWORDS[WORKER], http=http)
        try:
            save_record(session, person(author=WORKER, family_name="Ormsby"))
            report = sync_now(session, http, PASSWORDS[WORKER])
        finally:
            session.lock()
    return report.pushed


def _code_of(server: ServerProcess) -> tuple[Engine, str]:
    from cars_server.admin.enrolment_codes import issue_code

    engine = build_engine(server.env["CARS_SERVER_DATABASE_URL"])
    return engine, issue_code(engine, SITE, 24, ACTOR, utc_now())


def test_a_file_trusting_the_organisation_ca_makes_a_ready_workstation(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = make_ca_signed(tmp_path)
    server_config, private_pem = server_settings(tmp_path / "server")
    folder = tmp_path / "ws"
    with served(server_config, tmp_path / "server.log", tls=tls) as server:
        engine, code = _code_of(server)
        try:
            file = _file(tmp_path, "provision.toml", server.url, code, f'ca_certificate_file = "{tls.ca}"')

            status, printed = _provision(folder, file, capsys)

            assert status == 0, printed
            assert f"enrolled with {server.url} for site {SITE}" in printed
            assert "escrowed with the central server" in printed
            assert not file.exists()  # the spent code is gone
            assert code not in printed and code not in _log_text(tmp_path)
            assert (folder / "server-ca.pem").read_text(encoding="utf-8") == tls.ca.read_text(
                encoding="utf-8"
            )
            _check_escrow(engine, private_pem, folder, printed, tmp_path)
            with engine.connect() as conn:
                label = conn.exec_driver_sql("SELECT label FROM workstations").scalar_one()
            assert label == "Custody PC 7"
            assert _sync_as_the_program_does(settings, folder) == 1
            # the command line runs with the kept certificate too (no CARS_SERVER_CA_FILE needed)
            monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORDS[WORKER]}\n"))
            synced = main(["--data-dir", str(folder), "sync", "--user", WORKER, "--password-stdin"])
            assert synced == 0, capsys.readouterr().err
        finally:
            engine.dispose()


def test_a_file_pinning_the_servers_key_makes_a_ready_workstation_and_a_wrong_pin_makes_nothing(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    tls = make_self_signed(tmp_path)
    server_config, private_pem = server_settings(tmp_path / "server")
    folder = tmp_path / "ws"
    pin = _spki_sha256(tls.cert)
    with served(server_config, tmp_path / "server.log", tls=tls) as server:
        engine, code = _code_of(server)
        try:
            wrong = "0" * 64
            refused = _file(tmp_path, "wrong.toml", server.url, code, f'pinned_key_sha256 = "{wrong}"')
            status, printed = _provision(folder, refused, capsys)
            lines = [line for line in printed.splitlines() if line.strip()]
            assert status == InsecureServer.exit_code, printed
            assert len(lines) == 1 and "did not present a trusted certificate; nothing was sent" in lines[0]
            assert refused.exists() and not (folder / "vault.json").exists()
            with engine.connect() as conn:  # the code was never sent, so it is still good
                assert conn.exec_driver_sql("SELECT used_at FROM enrolment_codes").scalar_one() is None

            # The same code, now with the right pin, written the way a certificate tool prints it.
            spaced = ":".join(pin[i : i + 2] for i in range(0, 64, 2)).upper()
            file = _file(tmp_path, "provision.toml", server.url, code, f'pinned_key_sha256 = "{spaced}"')
            status, printed = _provision(folder, file, capsys)

            assert status == 0, printed
            assert not file.exists()
            assert (folder / "server-key.pin").read_text(encoding="utf-8") == f"pin-sha256:{pin}\n"
            _check_escrow(engine, private_pem, folder, printed, tmp_path)
            assert _sync_as_the_program_does(settings, folder) == 1
        finally:
            engine.dispose()


def test_plain_http_to_loopback_and_a_second_file_for_an_enrolled_workstation_is_refused(
    server: RunningServer, tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ws"
    pem = make_ca_signed(tmp_path).ca.read_text(encoding="utf-8")
    trust = f'ca_certificate = """\n{pem}"""'
    file = _file(tmp_path, "provision.toml", server.base_url, server.enrolment_code(), trust)

    status, printed = _provision(folder, file, capsys)

    assert status == 0, printed
    assert not file.exists()
    _check_escrow(server.engine, server.recovery_private_pem, folder, printed, tmp_path)
    assert _sync_as_the_program_does(settings, folder) == 1
    vault_before = (folder / "vault.json").read_bytes()

    code = server.enrolment_code()
    again = _file(tmp_path, "again.toml", server.base_url, code, trust)
    status, printed = _provision(folder, again, capsys)

    lines = [line for line in printed.splitlines() if line.strip()]
    assert status == 5 and len(lines) == 1, printed
    assert f"this workstation is already enrolled with {server.base_url} for site {SITE}" in lines[0]
    assert "nothing was changed and the code was not used" in lines[0]
    assert again.exists() and (folder / "vault.json").read_bytes() == vault_before
    with server.engine.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM enrolment_codes WHERE used_at IS NULL").scalar() == 1
        )


def test_when_the_trust_cannot_be_kept_the_operator_is_told_and_the_spent_file_still_goes(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ws"
    (folder / "server-key.pin").mkdir(parents=True)  # something in the way of the pin file
    file = _file(
        tmp_path,
        "provision.toml",
        server.base_url,
        server.enrolment_code(),
        f'pinned_key_sha256 = "{"1" * 64}"',
    )

    status = main(["--data-dir", str(folder), "provision", str(file)])
    captured = capsys.readouterr()

    assert status == 5, captured.err
    assert "enrolled with" in captured.out
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "certificate setting could not be saved" in lines[0]
    assert not file.exists()  # the code was spent, so the file is gone all the same
    assert (folder / "vault.json").exists()
