"""How long each document takes to build, and a full release pack (target: under 300 ms on 2 cores).

Run from the repository root:  .venv/bin/python bench/documents.py [--runs N] [--out FILE]

Every document type is built from the invented specimen casework (`documents.specimen`), in
memory, exactly as the print preview builds it; each is built N times and the median is printed
with its page count and size. The release pack line is the headline: appointment letter, provider
contact card, harm-reduction advice, Naloxone checklist and the site's leaflets laid out in one
pass. The first build of each kind is run once beforehand and not counted (fonts, templates and
reference lists load on first use; the program pays that once per session). Timings only; no test
asserts them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cars_desktop.documents.model import BuiltDocument, PrintOptions
from cars_desktop.documents.specimen import all_specimens

PACK = "release_pack"
TARGET_MS = 300.0
PRINTED_AT = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)


def _median_ms(build: Callable[[], BuiltDocument], runs: int) -> tuple[float, BuiltDocument]:
    build()  # warm-up: first use loads fonts, templates and reference lists
    times: list[float] = []
    built = None
    for _ in range(runs):
        start = time.perf_counter()
        built = build()
        times.append((time.perf_counter() - start) * 1000)
    assert built is not None
    return statistics.median(times), built


def run(runs: int, large_print: bool) -> list[str]:
    """Build every specimen `runs` times; the lines of the report."""
    options = PrintOptions(printed_at=PRINTED_AT, large_print=large_print)
    lines = [
        f"documents benchmark: median of {runs} builds after one warm-up, "
        f"{'large print (16 pt)' if large_print else 'standard print (12 pt)'}",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs visible, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}",
        "",
        f"{'document':<36}{'median ms':>10}{'pages':>7}{'bytes':>10}",
    ]
    pack_ms, pack = None, None
    for name, builder in all_specimens():
        ms, built = _median_ms(lambda b=builder: b(options), runs)  # type: ignore[misc]
        lines.append(f"{name:<36}{ms:>10.1f}{built.page_count:>7}{len(built.pdf):>10}")
        if name == PACK:
            pack_ms, pack = ms, built
    lines.append("")
    if pack_ms is None or pack is None:
        lines.append("MISS: no release pack among the specimens")
    else:
        verdict = "OK" if pack_ms < TARGET_MS else "MISS"
        lines.append(
            f"release pack: {pack_ms:.1f} ms median, {pack.page_count} pages, {len(pack.pdf)} bytes "
            f"({len(pack.pdf) / 1024:.0f} KiB); target < {TARGET_MS:.0f} ms: {verdict}"
        )
    return lines


def through_services(runs: int) -> list[str]:
    """The release pack as the preview builds it: records read from a real SQLCipher store, the pack
    built and one consultation written to the audit log."""
    import tempfile

    from cars_desktop.config import KdfCost, Settings
    from cars_desktop.documents import core_specimen as core
    from cars_desktop.documents.model import DocumentKind
    from cars_desktop.services.documents import preview_document
    from cars_desktop.services.records import save_records
    from cars_desktop.services.users import enrol_user
    from cars_desktop.services.workstation import init_workstation, unlock
    from cars_protocol.records import Role

    settings = Settings(kdf=KdfCost(memory_kib=1024, time_cost=1, parallelism=1))
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "ws"
        init_workstation(settings, data_dir, "OLDBURY", "admin1", "bench admin password")
        admin = unlock(settings, data_dir, "admin1", "bench admin password")
        enrol_user(admin, "bench.worker", "Bench Worker", frozenset({Role.WORKER}), "bench worker password")
        admin.lock()
        session = unlock(settings, data_dir, "bench.worker", "bench worker password")
        try:
            person = core.specimen_person()
            save_records(
                session,
                [
                    person,
                    core.specimen_appointment(person, True),
                    core.specimen_referral(person),
                    core.specimen_supply(person),
                ],
            )
            ms, pack = _median_ms(
                lambda: preview_document(session, person.id, DocumentKind.RELEASE_PACK).document, runs
            )
        finally:
            session.lock()
    verdict = "OK" if ms < TARGET_MS else "MISS"
    return [
        f"release pack through preview_document (store read, build, audit entry): {ms:.1f} ms median, "
        f"{pack.page_count} pages, {len(pack.pdf)} bytes; target < {TARGET_MS:.0f} ms: {verdict}"
    ]


def main() -> int:
    """Print the figures, and write them to --out if given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="builds per document (default 15)")
    parser.add_argument("--large-print", action="store_true", help="build at 16 pt")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    lines = run(args.runs, args.large_print) + through_services(args.runs)
    report = "\n".join(lines) + "\n"
    print(report, end="")
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
