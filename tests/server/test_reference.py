"""Reference data: `cars-server admin reference import` checks files, names bad lines, keeps versions;
`GET /v1/reference?since=N` hands workstations the versions they have not seen. Real CLI, real HTTP.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from cars_desktop.resources import resource_path
from cars_server.cli import main
from cars_server.storage.tables import ReferenceDataRow, ServerAuditRow
from tests.server.helpers import WORKER, RunningServer, api_headers, enrol, sign_in


def db_args(server: RunningServer) -> list[str]:
    return ["--db", server.settings.database_url]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def shipped(tmp_path: Path, *parts: str) -> Path:
    """A copy of a shipped reference file that the test may edit."""
    copy = tmp_path / parts[-1]
    shutil.copyfile(resource_path(*parts), copy)
    return copy


def test_shipped_lists_and_forms_import_and_reach_workstations(
    live_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = shipped(tmp_path, "reference", "sites.json")
    form = shipped(tmp_path, "forms", "harm_reduction", "v2.json")

    code, out, err = run(
        ["admin", "reference", "import", str(sites), "--effective-from", "2026-12-01", *db_args(live_server)],
        capsys,
    )
    assert (code, err) == (0, "")
    assert out == "imported sites version 1, in effect from 2026-12-01\n"
    code, out, _ = run(["admin", "reference", "import", str(form), *db_args(live_server)], capsys)
    assert code == 0 and out.startswith("imported form:harm_reduction version 1")

    station = enrol(live_server, live_server.enrolment_code())
    headers = api_headers(station, sign_in(live_server, station, WORKER))
    everything = httpx.get(f"{live_server.base_url}/v1/reference", headers=headers, timeout=30).json()
    assert [(item["kind"], item["version"]) for item in everything["items"]] == [
        ("sites", 1),
        ("form:harm_reduction", 1),
    ]
    assert everything["items"][0]["effective_from"] == "2026-12-01"
    assert everything["items"][0]["body"] == json.loads(sites.read_text())
    newer = httpx.get(
        f"{live_server.base_url}/v1/reference",
        params={"since": everything["items"][0]["seq"]},
        headers=headers,
        timeout=30,
    ).json()
    assert [item["kind"] for item in newer["items"]] == ["form:harm_reduction"]
    assert newer["cursor"] == everything["cursor"]
    refused = httpx.get(f"{live_server.base_url}/v1/reference", headers=api_headers(station), timeout=30)
    assert refused.status_code == 401


def test_a_changed_list_is_a_new_version_and_an_unchanged_one_is_refused(
    live_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    providers = shipped(tmp_path, "reference", "providers.json")
    assert run(["admin", "reference", "import", str(providers), *db_args(live_server)], capsys)[0] == 0

    code, out, err = run(["admin", "reference", "import", str(providers), *db_args(live_server)], capsys)
    assert code == 1 and out == ""
    assert (
        err
        == "cars-server: error: providers is the same as version 1 already imported; nothing was changed\n"
    )

    changed = json.loads(providers.read_text())
    changed["items"][0]["name"] = "Change Grow Live Birmingham (renamed)"
    providers.write_text(json.dumps(changed, indent=2))
    code, out, _ = run(["admin", "reference", "import", str(providers), *db_args(live_server)], capsys)
    assert code == 0 and out.startswith("imported providers version 2")
    with live_server.engine.connect() as connection:
        versions = connection.execute(select(ReferenceDataRow.kind, ReferenceDataRow.version)).all()
        logged = connection.scalars(
            select(ServerAuditRow.detail).where(ServerAuditRow.operation == "reference_imported")
        ).all()
    assert sorted(tuple(row) for row in versions) == [("providers", 1), ("providers", 2)]
    assert [json.loads(detail)["version"] for detail in logged] == [1, 2]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            lambda text: text.replace(
                '"code": "OLDBURY", "name": "Oldbury custody block", "kind": "custody"',
                '"code": "OLDBURY", "name": "Oldbury custody block", "kind": "prison"',
            ),
            "line 8: field items[2].kind: Input should be 'custody', 'court' or 'office'",
            id="wrong-value",
        ),
        pytest.param(
            lambda text: text.replace('"code": "COVENTRY", ', ""),
            "line 9: field items[3].code: Field required",
            id="missing-field",
        ),
        pytest.param(
            lambda text: text.replace(
                '"weekend_cover": true, "effective_from": "2020-01-01"', '"x": 1 "y": 2', 1
            ),
            "line 6, column 123: not valid JSON (Expecting ',' delimiter)",
            id="syntax",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_field(
    edit: object,
    expected: str,
    live_server: RunningServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sites = shipped(tmp_path, "reference", "sites.json")
    sites.write_text(edit(sites.read_text()))  # type: ignore[operator]

    code, out, err = run(["admin", "reference", "import", str(sites), *db_args(live_server)], capsys)

    assert code == 1 and out == ""
    assert err.startswith(f"cars-server: error: {sites} ")
    assert expected in err
    assert err.count("\n") == 1
    with live_server.engine.connect() as connection:
        assert connection.execute(select(ReferenceDataRow.id)).first() is None


def test_appointment_slots_are_checked(
    live_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slots = tmp_path / "slots.json"
    slots.write_text(
        "{\n"
        '  "list": "appointment_slots",\n'
        '  "version": 1,\n'
        '  "items": [\n'
        '    {"code": "OLD-AM", "name": "Morning", "site_code": "OLDBURY", "start": "09:30",\n'
        '     "capacity": 2, "effective_from": "2026-01-01"},\n'
        '    {"code": "OLD-PM", "name": "Afternoon", "site_code": "OLDBURY", "start": "25:00",\n'
        '     "capacity": 2, "effective_from": "2026-01-01"}\n'
        "  ]\n"
        "}\n"
    )

    code, _out, err = run(["admin", "reference", "import", str(slots), *db_args(live_server)], capsys)

    assert code == 1
    assert "line 7: field items[1].start: String should match pattern" in err


def test_a_missing_file_is_one_line(
    live_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        ["admin", "reference", "import", str(tmp_path / "nope.json"), *db_args(live_server)], capsys
    )
    assert code == 1
    assert err == f"cars-server: error: cannot read {tmp_path / 'nope.json'}: No such file or directory\n"
