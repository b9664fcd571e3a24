#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv with everything the program,
# the server and the tests need, pinned by constraints.txt. Sourced by ./run-demo and ./run-tests.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "CARS Desktop needs Python 3.11 or newer; none was found on PATH" >&2
    return 1
}

if [ ! -x "$venv/bin/python" ]; then
    python="$(find_python)"
    echo "Creating the virtual environment in $venv (with $python)"
    "$python" -m venv "$venv"
fi

# Reinstall only when what decides the installation has changed.
stamp="$venv/.cars-installed"
wanted="$(cat "$repo/pyproject.toml" "$repo/setup.py" "$repo/constraints.txt" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing CARS Desktop and its dependencies into $venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -c "$repo/constraints.txt" "setuptools>=68" wheel
    "$venv/bin/python" -m pip install --quiet -c "$repo/constraints.txt" -e "$repo[server,dev]"
    echo "$wanted" >"$stamp"
fi
export PATH="$venv/bin:$PATH"
