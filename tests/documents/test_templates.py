"""Letter templates: placeholders are declared, supplied and escaped, or loading/filling fails loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from cars_desktop.documents.templates import TemplateError, load_template_file, parse_template

GOOD = """
title = "Letter for {name}"
[placeholders]
name = "The person's name"
when = "Date and time"
[text]
greeting = "Dear {name},"
items = ["Come at {when}.", "Bring this letter."]
"""


def test_fill_replaces_every_placeholder_and_escapes_values() -> None:
    template = parse_template(GOOD, "letters/good.toml")
    filled = template.fill({"name": "Jo <b>&</b> Co", "when": "10:00"})
    assert filled.title == "Letter for Jo <b>&</b> Co"  # plain text: the layout escapes it
    assert filled.one("greeting") == "Dear Jo &lt;b&gt;&amp;&lt;/b&gt; Co,"
    assert filled.lines("items") == ["Come at 10:00.", "Bring this letter."]


def test_unknown_placeholder_in_wording_fails_loading_naming_file_and_placeholder(tmp_path: Path) -> None:
    broken = tmp_path / "appointment_draft.toml"
    broken.write_text(GOOD.replace("Bring this letter.", "Ask for {contact_name}."), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"appointment_draft\.toml.*\{contact_name\}"):
        load_template_file(broken)


def test_missing_value_fails_filling_naming_file_and_placeholder() -> None:
    template = parse_template(GOOD, "letters/good.toml")
    with pytest.raises(TemplateError, match=r"letters/good\.toml.*\{when\}"):
        template.fill({"name": "Jo"})
    with pytest.raises(TemplateError, match=r"\{when\}"):
        template.fill({"name": "Jo", "when": "  "})


def test_value_for_an_undeclared_placeholder_is_refused() -> None:
    template = parse_template(GOOD, "letters/good.toml")
    with pytest.raises(TemplateError, match=r"letters/good\.toml.*unknown placeholder \{typo\}"):
        template.fill({"name": "Jo", "when": "10:00", "typo": "x"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("title = 'x'\n[text]\na = '{name!r}'\n[placeholders]\nname='n'", "plain name"),
        ("title = 'x'\n[text]\na = 'open { brace'", "stray brace"),
        ("[text]\na = 'b'", "needs a title"),
        ("title = 'x'", r"\[text\]"),
        ("title = = 'x'", "not valid TOML"),
        ("title = 'x'\n[text]\na = 3", "string or a list"),
    ],
)
def test_malformed_templates_are_clear_errors(raw: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse_template(raw, "letters/bad.toml")
