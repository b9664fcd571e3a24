#!/usr/bin/env bash
# CI's bundle step (after ./run-tests): build the Linux one-folder bundle from the lock file, check
# that it holds no test, bench or server files and no excluded modules, and start it to --version
# and, offscreen, to its unlock window. Prints the build time, the size and the start-up times.
# installer/build.py does the work; this script installs PyInstaller (the `bundle` extra) first.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo}"
source scripts/bootstrap.sh

started=${SECONDS}
echo "== bundle: installing PyInstaller (the bundle extra, pinned by constraints.txt)"
python -m pip install --quiet -c constraints.txt -e ".[bundle]"
echo "== bundle: installer/build.py"
python installer/build.py --runs 3
echo "== bundle: step took $((SECONDS - started)) s"
