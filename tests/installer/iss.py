"""A small reader of Inno Setup scripts: preprocessor defines and includes, and section entries.

Enough of the format for the checks in test_windows_script.py; it is not a general parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_DEFINE = re.compile(r'^#define\s+(\w+)\s+"([^"]*)"\s*$')
_INCLUDE = re.compile(r'^#include\s+"([^"]+)"\s*$')
_SECTION = re.compile(r"^\[(\w+)\]\s*$")
_PARAM = re.compile(r'\s*(\w+):\s*("(?:[^"]|"")*"|[^;]*)\s*(?:;|$)')


@dataclass
class IssScript:
    """Defines (after includes), section entries as key/value dicts, and [Setup]'s directives."""

    path: Path
    defines: dict[str, str] = field(default_factory=dict)
    includes: list[Path] = field(default_factory=list)
    setup: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    code: str = ""

    def expand(self, text: str) -> str:
        """Replace {#Name} with the defined value."""
        return re.sub(r"\{#(\w+)\}", lambda m: self.defines[m.group(1)], text)


def _entry(line: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for match in _PARAM.finditer(line):
        value = match.group(2).strip()
        if value.startswith('"') and value.endswith('"'):
            value = value[1:-1].replace('""', '"')
        values[match.group(1)] = value
    return values


def read_iss(path: Path) -> IssScript:
    """Read the script; includes are resolved against the script's folder and must exist."""
    script = IssScript(path)
    section = ""
    code: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if section == "Code":
            code.append(raw)
        if not line or line.startswith(";"):
            continue
        if found := _DEFINE.match(line):
            script.defines[found.group(1)] = found.group(2)
        elif found := _INCLUDE.match(line):
            included = (path.parent / found.group(1).replace("\\", "/")).resolve()
            script.includes.append(included)
            script.defines.update(read_iss(included).defines)
        elif line.startswith("#"):
            continue
        elif found := _SECTION.match(line):
            section = found.group(1)
            script.sections.setdefault(section, [])
        elif section == "Setup":
            key, _, value = line.partition("=")
            script.setup[key.strip()] = value.strip()
        elif section != "Code":
            script.sections[section].append(_entry(line))
    script.code = "\n".join(code)
    return script
