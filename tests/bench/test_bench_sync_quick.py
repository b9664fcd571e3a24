"""Smoke test of `bench/sync.py`: the whole benchmark runs with tiny counts and prints every figure.

It checks that the figures are printed and that the records really went through (the benchmark
itself raises, exit status 2, if a push or pull lost anything); it never asserts on a timing or on
PASS/MISS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sync import main

TINY = [
    "--quick",
    "--assessments", "4",
    "--shaped-assessments", "0",
    "--pending", "3",
    "--stations", "2",
    "--batches", "1",
    "--batch-size", "3",
    "--skip-postgres",
]  # fmt: skip


def test_the_quick_benchmark_prints_every_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*TINY, "--work-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code in (0, 1), out  # 1 = a target missed: tiny counts do not amortise fixed costs
    for line in (
        "1. wire bytes per assessment (A's cycle)",
        "2. loopback: A pushes 4 assessments",
        "2. loopback: B pulls 4 assessments",
        "3. poor link: 3 pending sync from A",
        "4. ingest, 2 workstations, SQLite",
    ):
        assert line in out
    assert "the server holds 4 assessments" in out
    assert "6 stored" in out  # 2 workstations x 1 batch of 3, counted on the server
    assert list(tmp_path.iterdir()) == []  # the benchmark removed its stores
