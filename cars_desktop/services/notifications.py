"""What the main window's notification area tells the signed-in user: work a supervisor returned.

A supervisor returns an assessment with a `ReviewDecision` (decision "returned", with a comment).
It reaches the author by sync or is saved on this workstation; either way the change bus says a
review decision changed and the window asks here again. A returned form counts while it is marked
returned or still at the revision the supervisor returned, so the author's next save clears it.

Only counts and record ids come back: the notice says how many, never whose.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cars_desktop.domain.access import Permission, allows
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import Assessment, AssessmentStatus, ReviewDecision


@dataclass(frozen=True)
class ReturnedWork:
    """Forms returned to the signed-in user and not yet changed since."""

    assessment_ids: frozenset[uuid.UUID]

    @property
    def count(self) -> int:
        return len(self.assessment_ids)


def returned_work(session: WorkstationSession) -> ReturnedWork:
    """The signed-in user's assessments returned by a supervisor and still waiting for them."""
    if not allows(session.actor, Permission.EDIT_CASEWORK):
        return ReturnedWork(frozenset())
    username = session.user.username
    latest: dict[uuid.UUID, ReviewDecision] = {}
    with session.unit_of_work() as uow:
        for record in uow.records.iter_all(["review_decision"]):
            if not isinstance(record, ReviewDecision) or not record.is_live:
                continue
            known = latest.get(record.assessment_id)
            if known is None or record.updated_at > known.updated_at:
                latest[record.assessment_id] = record
        waiting: set[uuid.UUID] = set()
        for assessment_id, decision in latest.items():
            if decision.decision != "returned":
                continue
            assessment = uow.records.get(assessment_id)
            if (
                isinstance(assessment, Assessment)
                and assessment.is_live
                and assessment.author == username
                and (
                    assessment.status is AssessmentStatus.RETURNED
                    or assessment.revision == decision.assessment_revision
                )
            ):
                waiting.add(assessment_id)
    return ReturnedWork(frozenset(waiting))
