"""A form described as pure data, so a new version can ship from the central server without a build.

Specs live in `resources/forms/<form_id>/v<version>.json` (and, later, in the store when the server
sends newer ones). Loading validates them here, including that every condition names a field the
form defines and every computed field names a known scoring function.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cars_desktop.forms.expressions import Condition, referenced_fields

FieldId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class FieldType(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    SCALE = "scale"
    LOOKUP = "lookup"
    REPEAT_GROUP = "repeat_group"
    SIGNATURE = "signature"
    COMPUTED = "computed"


CHOICE_TYPES = {FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE, FieldType.SCALE}
YES_NO_CODES = ("yes", "no", "not_asked")


class Choice(BaseModel):
    """A coded answer: the code is stored, the label shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str | int
    label: str


class Validation(BaseModel):
    """Checks on one answer beyond its type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    not_in_future: bool = False
    after_field: FieldId | None = None
    before_field: FieldId | None = None
    min_items: int | None = None
    max_items: int | None = None


class CrossCheck(BaseModel):
    """A rule across fields: `when` it holds, `require` must hold too, else `message` shows on `field`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: FieldId
    require: Condition
    when: Condition | None = None
    message: str


class ComputedSource(BaseModel):
    """How a computed field calls its scoring function.

    `args` maps argument names to a field (or a list of fields); the score waits until they are
    answered, except arguments named in `optional`, which are left out while blank. `flags` maps
    arguments to yes/no questions, passed as True only for "yes".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scorer: str
    args: dict[str, FieldId | list[FieldId]] = Field(default_factory=dict)
    optional: list[str] = Field(default_factory=list)
    flags: dict[str, FieldId] = Field(default_factory=dict)
    constants: dict[str, Any] = Field(default_factory=dict)
    show: str = "summary"


class ActionRule(BaseModel):
    """A finding that creates an action with an owner and a status when the form is completed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    when: Condition
    action_type: Literal[
        "safeguarding",
        "marac",
        "police_notification",
        "custody_officer_alert",
        "nrm",
        "liaison_and_diversion",
    ]
    note: str
    due_hours: int | None = None


class FieldSpec(BaseModel):
    """One question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: FieldId
    type: FieldType
    label: str = Field(min_length=1)
    help: str | None = None
    required: bool = False
    required_when: Condition | None = None
    shown_when: Condition | None = None
    choices: list[Choice] | None = None
    choices_from: str | None = None
    lookup: Literal["person", "provider", "site", "local_authority"] | None = None
    validation: Validation = Field(default_factory=Validation)
    fields: list[FieldSpec] | None = None
    computed: ComputedSource | None = None
    carry_over: bool = False

    @model_validator(mode="after")
    def _shape_fits_type(self) -> FieldSpec:
        if self.type in CHOICE_TYPES and not (self.choices or self.choices_from):
            raise ValueError(f"field {self.id}: a {self.type} needs choices or choices_from")
        if self.type is FieldType.REPEAT_GROUP and not self.fields:
            raise ValueError(f"field {self.id}: a repeat group needs its fields")
        if self.type is FieldType.COMPUTED and self.computed is None:
            raise ValueError(f"field {self.id}: a computed field needs its scorer")
        if self.type is FieldType.LOOKUP and self.lookup is None:
            raise ValueError(f"field {self.id}: a lookup needs what it looks up")
        return self


class Section(BaseModel):
    """A page of the form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: FieldId
    title: str
    help: str | None = None
    shown_when: Condition | None = None
    fields: list[FieldSpec] = Field(min_length=1)


class FormSpec(BaseModel):
    """A whole form at one version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: FieldId
    version: int = Field(ge=1)
    title: str
    purpose: str
    record_kind: str
    sections: list[Section] = Field(min_length=1)
    checks: list[CrossCheck] = Field(default_factory=list)
    actions: list[ActionRule] = Field(default_factory=list)

    def all_fields(self) -> Iterator[FieldSpec]:
        """Top-level fields in form order (repeat groups hold their own)."""
        for section in self.sections:
            yield from section.fields

    def field(self, field_id: str) -> FieldSpec:
        for candidate in self.all_fields():
            if candidate.id == field_id:
                return candidate
            for inner in candidate.fields or []:
                if inner.id == field_id:
                    return inner
        raise KeyError(field_id)

    def section_of(self, field_id: str) -> Section:
        for section in self.sections:
            if any(f.id == field_id for f in section.fields):
                return section
        raise KeyError(field_id)

    @model_validator(mode="after")
    def _names_are_consistent(self) -> FormSpec:
        top = [f.id for f in self.all_fields()]
        if len(top) != len(set(top)):
            raise ValueError(f"form {self.id}: field ids must be unique")
        known = set(top) | {inner.id for f in self.all_fields() for inner in f.fields or []}
        conditions: list[Condition] = []
        for section in self.sections:
            conditions += [section.shown_when] if section.shown_when else []
            for f in section.fields:
                for g in [f, *(f.fields or [])]:
                    conditions += [c for c in (g.shown_when, g.required_when) if c is not None]
                    for ref in (g.validation.after_field, g.validation.before_field):
                        if ref and ref not in known:
                            raise ValueError(f"form {self.id}: field {g.id} compares with unknown {ref}")
        for check in self.checks:
            conditions += [check.require] + ([check.when] if check.when else [])
        conditions += [a.when for a in self.actions]
        for condition in conditions:
            unknown = referenced_fields(condition) - known
            if unknown:
                raise ValueError(f"form {self.id}: a condition names unknown fields {sorted(unknown)}")
        return self
