"""Letter wording kept in editable TOML files under resources/letters, checked when loaded and filled.

A template file looks like this::

    title = "Appointment letter"
    [placeholders]              # every name the wording may use, with what it means
    name = "The person's name"
    [text]                      # the wording; {name} is replaced, <b>..</b> is bold
    greeting = "Dear {name},"
    advice = ["First point.", "Second point."]   # a list is printed as separate lines

Guarantees: a placeholder used in the wording but not declared is an error when the file is
loaded; a declared placeholder that the program does not supply, or a value supplied for a name
that is not declared, is an error when it is filled. Either way the `TemplateError` names the file
and the placeholder, so nothing goes to paper with a blank or a stray `{brace}`. Values are escaped
for reportlab's paragraph mark-up; the wording itself may use `<b>`, `<i>` and `<br/>`.
"""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from cars_desktop.domain.errors import CarsError
from cars_desktop.resources import resource_path

Wording = str | tuple[str, ...]


class TemplateError(CarsError):
    """A letter template is broken or was filled wrongly: fix the file named in the message."""

    exit_code = 9


def _placeholders_in(text: str, where: str) -> set[str]:
    """Names used as {name} in one piece of wording; anything fancier is refused."""
    names: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{where}: stray brace in the wording ({exc})") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"{where}: placeholder {{{name}}} must be a plain name like {{name}}")
        names.add(name)
    return names


@dataclass(frozen=True)
class FilledTemplate:
    """The wording of one template with every placeholder replaced.

    Values in `text` are escaped for paragraph mark-up; `title` is plain text (the layout
    escapes it where it becomes a paragraph, and it also names the PDF).
    """

    source: str
    title: str
    text: Mapping[str, Wording]

    def one(self, key: str) -> str:
        """A single piece of wording (a list is joined as lines)."""
        value = self._get(key)
        return value if isinstance(value, str) else "<br/>".join(value)

    def plain(self, key: str) -> str:
        """A single piece of wording as plain text, for blocks that escape what they are given."""
        return html.unescape(self.one(key))

    def lines(self, key: str) -> list[str]:
        """A list of wording items (a single string is a list of one)."""
        value = self._get(key)
        return [value] if isinstance(value, str) else list(value)

    def _get(self, key: str) -> Wording:
        try:
            return self.text[key]
        except KeyError:
            raise TemplateError(f"{self.source}: the wording {key!r} is missing from [text]") from None


@dataclass(frozen=True)
class LetterTemplate:
    """A checked template: its wording, and the placeholders it declares (name → meaning)."""

    source: str
    title: str
    placeholders: Mapping[str, str]
    text: Mapping[str, Wording]

    def fill(self, values: Mapping[str, object]) -> FilledTemplate:
        """Replace every placeholder; a missing or undeclared value raises `TemplateError`."""
        for name in self.placeholders:
            value = values.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise TemplateError(f"{self.source}: no value for placeholder {{{name}}}")
        for name in values:
            if name not in self.placeholders:
                raise TemplateError(f"{self.source}: unknown placeholder {{{name}}} (not declared)")
        safe = {name: escape(str(values[name])) for name in self.placeholders}
        filled: dict[str, Wording] = {}
        for key, wording in self.text.items():
            if isinstance(wording, str):
                filled[key] = wording.format_map(safe)
            else:
                filled[key] = tuple(item.format_map(safe) for item in wording)
        plain = {name: str(values[name]) for name in self.placeholders}
        return FilledTemplate(self.source, self.title.format_map(plain), filled)


def parse_template(raw: str, source: str) -> LetterTemplate:
    """Check and load the text of one template file; `source` names it in every error."""
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{source}: not valid TOML ({exc})") from None
    title = data.get("title")
    declared = data.get("placeholders", {})
    text = data.get("text")
    if not isinstance(title, str) or not title.strip():
        raise TemplateError(f"{source}: needs a title")
    if not isinstance(declared, dict) or not all(isinstance(v, str) for v in declared.values()):
        raise TemplateError(f"{source}: [placeholders] must map each name to what it means")
    if not isinstance(text, dict) or not text:
        raise TemplateError(f"{source}: needs a [text] table of wording")
    wording: dict[str, Wording] = {}
    for key, value in text.items():
        if isinstance(value, str):
            wording[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            wording[key] = tuple(value)
        else:
            raise TemplateError(f"{source}: [text] {key} must be a string or a list of strings")
    for key, value in [("title", title), *wording.items()]:
        for item in [value] if isinstance(value, str) else value:
            for name in sorted(_placeholders_in(item, f"{source} [{key}]")):
                if name not in declared:
                    raise TemplateError(f"{source}: unknown placeholder {{{name}}} in {key}")
    return LetterTemplate(source, title, dict(declared), wording)


def load_template_file(path: Path) -> LetterTemplate:
    """Load a template from any file (an administrator's draft, or a test's)."""
    return parse_template(path.read_text(encoding="utf-8"), path.name)


@cache
def load_template(name: str) -> LetterTemplate:
    """The shipped template `resources/letters/<name>.toml` (name may hold a sub-folder)."""
    path = resource_path("letters", *f"{name}.toml".split("/"))
    return parse_template(path.read_text(encoding="utf-8"), f"letters/{name}.toml")
