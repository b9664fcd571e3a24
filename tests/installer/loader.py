"""installer/build.py loaded under an unambiguous name (`build` is also a folder and a PyPI package)."""

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "installer" / "build.py"
_spec = importlib.util.spec_from_file_location("cars_installer_build", _PATH)
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = build
_spec.loader.exec_module(build)
