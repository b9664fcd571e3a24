"""`cars-server admin sar`: everything held about one person, nothing about anyone else, logged."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from cars_desktop.domain.audit_chain import GENESIS, entry_digest, sign_entry
from cars_server.cli import main
from cars_server.storage.tables import ServerAuditRow
from tests.factories import assessment, person
from tests.server.helpers import WORKER, RunningServer, api_headers, enrol, push_body, sign_in
from tests.server.sync.test_audit_sync import make_entry


def sar(
    server: RunningServer, person_id: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    code = main(
        ["admin", "sar", "--person", person_id, "--out", str(out), "--db", server.settings.database_url]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_export_holds_the_persons_records_revisions_and_audit_entries_only(
    live_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    station = enrol(live_server, live_server.enrolment_code())
    headers = api_headers(station, sign_in(live_server, station, WORKER))
    subject, other = person(), person(family_name="Underhay")
    their_assessment = assessment(subject.id)
    pushed = httpx.post(
        f"{live_server.base_url}/v1/push",
        json=push_body(subject, their_assessment, other, assessment(other.id, note="Other-marker")),
        headers=headers,
        timeout=30,
    )
    assert pushed.status_code == 200, pushed.text
    entry = make_entry(station.signing_key, 1, GENESIS)
    entry |= {"record_id": str(their_assessment.id), "record_type": "assessment"}
    entry["entry_hash"] = entry_digest(entry)
    entry["signature"] = base64.b64encode(sign_entry(station.signing_key, entry["entry_hash"])).decode()
    url = f"{live_server.base_url}/v1/audit"
    audit = httpx.post(url, json={"entries": [entry]}, headers=headers, timeout=30)
    assert audit.json() == {"accepted_through": 1, "alert": None}
    out = tmp_path / "sar.json"

    code, printed, err = sar(live_server, str(subject.id), out, capsys)

    assert (code, err) == (0, "")
    assert printed.startswith(f"wrote 2 records, 2 revisions and 1 audit entries to {out}")
    document = json.loads(out.read_text())
    assert sorted(item["id"] for item in document["records"]) == sorted(
        [str(subject.id), str(their_assessment.id)]
    )
    assert {
        item["record"]["family_name"] for item in document["records"] if item["record_type"] == "person"
    } == {"Quillfeather"}
    assert "Underhay" not in out.read_text() and "Other-marker" not in out.read_text()
    assert [entry["entry"]["record_id"] for entry in document["workstation_audit"]] == [
        str(their_assessment.id)
    ]
    assert out.stat().st_mode & 0o077 == 0
    with live_server.engine.connect() as connection:
        logged = connection.scalars(
            select(ServerAuditRow.detail).where(ServerAuditRow.operation == "subject_access")
        ).all()
    assert [json.loads(detail)["person_id"] for detail in logged] == [str(subject.id)]
    assert "Quillfeather" not in logged[0]

    again, _, err = sar(live_server, str(subject.id), out, capsys)
    assert again == 1
    assert err.startswith(f"cars-server: error: {out} already exists; choose a new file")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("person_id", "expected"),
    [
        ("not-a-uuid", "not a person id: 'not-a-uuid' (expected the person's UUID)"),
        (
            str(uuid.UUID(int=7)),
            f"the server holds no records about person {uuid.UUID(int=7)}; nothing was written",
        ),
    ],
)
def test_bad_or_unknown_person_is_one_line_and_writes_nothing(
    person_id: str,
    expected: str,
    live_server: RunningServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "sar.json"

    code, _printed, err = sar(live_server, person_id, out, capsys)

    assert code == 1
    assert err == f"cars-server: error: {expected}\n"
    assert not out.exists()
