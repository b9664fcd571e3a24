"""Reference data is found through the one loader, from a checkout and from a built wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import reference_list, resource_path

REPO = Path(__file__).resolve().parents[1]


def test_reference_lists_load_with_effective_dates() -> None:
    sites = reference_list("sites")
    assert {s.code for s in sites.current(date(2026, 1, 1))} >= {"OLDBURY", "BHAM-MC"}
    assert sites.get("OLDBURY").extra("kind") == "custody"
    assert len(reference_list("local_authorities").current()) == 9
    with pytest.raises(InvalidInput, match="OLDBURY"):
        sites.get("NOWHERE")


def test_missing_resource_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match="missing"):
        resource_path("reference", "no-such-list.json")


@pytest.mark.slow
def test_wheel_ships_resources_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(tmp_path.glob("cars_desktop-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "cars_resources/reference/sites.json" in names
    assert "cars_desktop/storage/migrations/versions/0001_initial_schema.py" in names
    assert "cars_desktop/storage/migrations/script.py.mako" in names
    assert "cars_server/app.py" in names
    assert "cars_protocol/records.py" in names
    assert not any(n.startswith("tests/") for n in names)
