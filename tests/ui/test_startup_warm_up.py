"""The warm-up's background imports leave out httpx's command line (click, rich, pygments)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
from cars_desktop.app import _import_background_modules
_import_background_modules()
import httpx
print(json.dumps({
    "httpx": "httpx" in sys.modules,
    "command_line": sorted(m for m in ("click", "rich", "pygments") if m in sys.modules),
    "client": httpx.Client.__name__,
}))
"""


def test_the_background_warm_up_imports_httpx_without_its_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, cwd=REPO, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"httpx": True, "command_line": [], "client": "Client"}
