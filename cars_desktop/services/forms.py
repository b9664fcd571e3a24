"""Filling in forms: drafts saved as the worker types, completion, amendment and the actions findings create.

A form's answers live in an `Assessment` record with the form id and version; every save is a
revision through `save_records`, so drafts are encrypted, audited (collection, then alteration)
and queued for sync like any other change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from cars_desktop.domain.access import may_view
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput, RecordNotFound
from cars_desktop.forms.catalogue import FormCatalogue, shipped_catalogue
from cars_desktop.forms.computed import with_computed
from cars_desktop.forms.spec import FormSpec
from cars_desktop.forms.validation import Issue, validate, visible_answers
from cars_desktop.services.form_projections import complete_in_store, project
from cars_desktop.services.records import open_record, save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import (
    Action,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    RecordBase,
    utc_now,
)


class FormIncomplete(InvalidInput):
    """Completing needs every problem fixed; `issues` says which, field by field."""

    def __init__(self, issues: list[Issue]) -> None:
        count = len(issues)
        super().__init__(
            f"{count} answer{'s' if count != 1 else ''} need{'s' if count == 1 else ''} attention: "
            + "; ".join(i.text for i in issues[:3])
            + ("; ..." if count > 3 else "")
        )
        self.issues = issues


@dataclass(frozen=True)
class OpenForm:
    """A form record with the spec it was made with.

    `carried` names answers brought over from the person's recent forms, each with where it came
    from, for the worker to confirm rather than ask again.
    """

    record: Assessment
    spec: FormSpec
    carried: dict[str, str] = field(default_factory=dict)

    @property
    def changes(self) -> Changes:
        """What saving this form changed, for the change bus."""
        return Changes.of(self.record.record_type, self.record.id)

    @property
    def read_only(self) -> bool:
        """Completed forms change only by amendment (with a reason)."""
        return (
            self.record.status is not AssessmentStatus.DRAFT
            and self.record.status is not AssessmentStatus.RETURNED
        )


@dataclass(frozen=True)
class Completed:
    """The completed form, the actions its findings created and the typed records derived from it."""

    record: Assessment
    actions: tuple[Action, ...]
    derived: tuple[RecordBase, ...] = ()

    @property
    def changes(self) -> Changes:
        """Everything completing changed: the form, its actions and its derived records."""
        return Changes.of_records([self.record, *self.actions, *self.derived])


def _catalogue(catalogue: FormCatalogue | None) -> FormCatalogue:
    return catalogue or shipped_catalogue()


CARRY_OVER_DAYS = 28
_FINISHED = {AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED, AssessmentStatus.AMENDED}


def _carried_answers(
    session: WorkstationSession, person_id: uuid.UUID, spec: FormSpec
) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers to carry-over questions from the person's finished forms of the last four weeks, newest first.

    Any site's forms count (a person seen in custody is often in court days later); reading them is
    logged as a consultation of each source form.
    """
    wanted = [f for f in spec.all_fields() if f.carry_over]
    if not wanted:
        return {}, {}
    since = utc_now() - timedelta(days=CARRY_OVER_DAYS)
    with session.unit_of_work() as uow:
        candidates = [
            r
            for r in uow.records.for_person(person_id, "assessment")
            if isinstance(r, Assessment)
            and r.status in _FINISHED
            and r.is_live
            and may_view(session.actor, r)
            and (r.completed_at or r.updated_at) >= since
        ]
        candidates.sort(key=lambda r: r.completed_at or r.updated_at, reverse=True)
        answers: dict[str, Any] = {}
        sources: dict[str, str] = {}
        used: set[uuid.UUID] = set()
        for question in wanted:
            for record in candidates:
                if record.answers.get(question.id) not in (None, "", []):
                    answers[question.id] = record.answers[question.id]
                    when = (record.completed_at or record.updated_at).astimezone().strftime("%d %b %Y")
                    sources[question.id] = f"from the {record.kind.value.replace('_', ' ')} form of {when}"
                    used.add(record.id)
                    break
        for record_id in sorted(used, key=str):
            uow.audit(
                AuditEvent(
                    AuditOperation.CONSULTATION,
                    "assessment",
                    str(record_id),
                    details={"carried_into": spec.id},
                )
            )
        uow.commit()
    return answers, sources


def start_form(
    session: WorkstationSession,
    form_id: str,
    person_id: uuid.UUID,
    episode_id: uuid.UUID | None = None,
    answers: dict[str, Any] | None = None,
    catalogue: FormCatalogue | None = None,
    carry_over: bool = True,
) -> OpenForm:
    """A new, unsaved draft of the latest version of a form (saved at the first `save_draft`).

    Questions marked `carry_over` start with the person's recent answers, so nobody is asked the
    same questions twice within days; the worker confirms them.
    """
    spec = _catalogue(catalogue).latest(form_id)
    carried, sources = _carried_answers(session, person_id, spec) if carry_over else ({}, {})
    answers = {**carried, **(answers or {})}
    record = Assessment(
        site_code=session.site_code,
        author=session.user.username,
        person_id=person_id,
        episode_id=episode_id,
        kind=AssessmentKind(spec.record_kind),
        form_id=spec.id,
        form_version=spec.version,
        answers=with_computed(spec, answers),
    )
    return OpenForm(record, spec, {k: v for k, v in sources.items() if k in answers})


def _stored_revision(session: WorkstationSession, record: Assessment) -> int | None:
    with session.unit_of_work() as uow:
        return uow.records.current_revision(record.id)


def save_draft(session: WorkstationSession, form: OpenForm, answers: dict[str, Any]) -> OpenForm:
    """Keep what has been typed so far; only malformed answers are refused (named by field)."""
    if form.read_only:
        raise InvalidInput("this form is completed; amend it (with a reason) to change it")
    problems = validate(form.spec, answers, completing=False)
    if problems:
        raise FormIncomplete(problems)
    draft = form.record.model_copy(update={"answers": with_computed(form.spec, answers)})
    saved = save_records(session, [draft]).records[0]
    assert isinstance(saved, Assessment)
    return OpenForm(saved, form.spec, form.carried)


def complete_form(
    session: WorkstationSession, form: OpenForm, answers: dict[str, Any], today: date | None = None
) -> Completed:
    """Complete a valid form and create the actions its findings call for, in one transaction."""
    if form.read_only:
        raise InvalidInput("this form is already completed")
    full = with_computed(form.spec, answers)
    problems = validate(form.spec, full, completing=True, today=today)
    if problems:
        raise FormIncomplete(problems)
    made = complete_in_store(session, form.spec, form.record, answers)
    saved = save_records(session, made.all()).records
    record = saved[0]
    assert isinstance(record, Assessment)
    count = len(made.actions)
    return Completed(
        record,
        tuple(a for a in saved[1 : 1 + count] if isinstance(a, Action)),
        tuple(saved[1 + count :]),
    )


def amend_form(session: WorkstationSession, form: OpenForm, answers: dict[str, Any], reason: str) -> OpenForm:
    """Change a completed form: a new revision with the reason; the old revision is kept."""
    if not form.read_only:
        raise InvalidInput("a draft is changed by saving it; amendment is for completed forms")
    if len(reason.strip()) < 5:
        raise InvalidInput("say why the completed form is being changed")
    full = with_computed(form.spec, answers)
    problems = validate(form.spec, full, completing=True)
    if problems:
        raise FormIncomplete(problems)
    amended = form.record.model_copy(
        update={
            "answers": with_computed(form.spec, visible_answers(form.spec, full)),
            "status": AssessmentStatus.AMENDED,
            "amendment_reason": reason.strip(),
        }
    )
    derived = project(session, amended, session.user.username)
    saved = save_records(session, [amended, *derived], justification=reason.strip()).records[0]
    assert isinstance(saved, Assessment)
    return OpenForm(saved, form.spec)


def open_form(
    session: WorkstationSession, record_id: uuid.UUID, catalogue: FormCatalogue | None = None
) -> OpenForm:
    """Open a saved form with the version of the spec it was made with (a consultation)."""
    record: RecordBase = open_record(session, record_id)
    if not isinstance(record, Assessment):
        raise RecordNotFound("that record is not a form")
    return OpenForm(record, _catalogue(catalogue).get(record.form_id, record.form_version))
