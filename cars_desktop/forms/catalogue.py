"""Every form version the program knows: shipped in resources/forms, plus newer ones from the store.

Answers are stored with their form id and version, so a draft made on version 1 still opens,
validates and prints with version 1 after version 2 ships. Upgrading answers to a newer version
goes through a registered migration, never by guesswork.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from pydantic import ValidationError

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.spec import FormSpec
from cars_desktop.resources import resource_path

AnswerMigration = Callable[[dict[str, Any]], dict[str, Any]]
_MIGRATIONS: dict[tuple[str, int], AnswerMigration] = {}


def answer_migration(form_id: str, from_version: int) -> Callable[[AnswerMigration], AnswerMigration]:
    """Register how answers of `form_id` move from `from_version` to the next version."""

    def register(function: AnswerMigration) -> AnswerMigration:
        _MIGRATIONS[(form_id, from_version)] = function
        return function

    return register


class FormCatalogue:
    """Form specs by id and version."""

    def __init__(self, specs: Iterable[FormSpec]) -> None:
        self._specs: dict[tuple[str, int], FormSpec] = {}
        for spec in specs:
            self._specs[(spec.id, spec.version)] = spec

    def with_extra(self, specs: Iterable[FormSpec]) -> FormCatalogue:
        """This catalogue plus versions received later (from the central server, via the store)."""
        return FormCatalogue([*self._specs.values(), *specs])

    def get(self, form_id: str, version: int) -> FormSpec:
        try:
            return self._specs[(form_id, version)]
        except KeyError:
            raise InvalidInput(f"version {version} of the form {form_id!r} is not available here") from None

    def latest(self, form_id: str) -> FormSpec:
        versions = [v for (f, v) in self._specs if f == form_id]
        if not versions:
            raise InvalidInput(f"there is no form {form_id!r}")
        return self._specs[(form_id, max(versions))]

    def form_ids(self) -> list[str]:
        return sorted({f for (f, _) in self._specs})

    def upgrade_answers(
        self, form_id: str, answers: dict[str, Any], from_version: int, to_version: int
    ) -> dict[str, Any]:
        """Carry answers forward one registered step at a time."""
        upgraded = dict(answers)
        for version in range(from_version, to_version):
            self.get(form_id, version + 1)
            step = _MIGRATIONS.get((form_id, version))
            if step is None:
                raise InvalidInput(
                    f"answers of {form_id!r} cannot be moved from version {version} to {version + 1}"
                )
            upgraded = step(upgraded)
        return upgraded


def parse_spec(raw: str | bytes, where: str) -> FormSpec:
    """A spec from JSON, or a message naming the file and the first problem."""
    try:
        return FormSpec.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0:3]
        raise InvalidInput(f"form file {where} is not a valid form: {' '.join(first)}") from None


@answer_migration("harm_reduction", 1)
def _harm_reduction_1_to_2(answers: dict[str, Any]) -> dict[str, Any]:
    """Version 2 only adds questions (recipient, place, kind of training): v1 answers carry over as
    they are, and the worker is asked the new questions when the draft reopens."""
    return dict(answers)


@cache
def shipped_catalogue() -> FormCatalogue:
    """The forms shipped with this build."""
    root = resource_path("forms")
    specs = [parse_spec(p.read_bytes(), f"{p.parent.name}/{p.name}") for p in sorted(root.glob("*/v*.json"))]
    return FormCatalogue(specs)
