"""The SQL of the workstation retention purge: who may be purged, and the purge itself.

Apart from the save path and the sync bookkeeping because it runs rarely and deletes; the policy
(what "closed" means, how old is old enough) is decided in `services/retention.py` from what these
queries return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from cars_desktop.storage.sql_lists import chunks, placeholders
from cars_desktop.storage.tables import to_db_time
from cars_protocol.records import RecordBase, record_from_json

#: Record types (with a person) whose bodies decide whether a case is still open.
CASE_STATE_TYPES = ("assessment", "action", "appointment")


@dataclass(frozen=True)
class PersonHoldings:
    """What this workstation holds about one person, as the purge needs to judge it."""

    person_id: str
    record_ids: tuple[str, ...]  # the person, everything with their person id, and reviews of those
    last_change_at: datetime  # the latest `updated_at` among them
    all_receipted: bool  # every one is held by the server and none has an unsent change


class RetentionRepository:
    """Retention queries and deletions over one session (a unit of work's)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _conn(self) -> Connection:
        return self.session.connection()

    def people_unchanged_since(self, before: datetime) -> list[str]:
        """People nothing about whom (by person id) has changed since `before`, oldest first."""
        rows = self._conn.exec_driver_sql(
            "SELECT person_id FROM records WHERE person_id IS NOT NULL GROUP BY person_id"
            " HAVING max(updated_at) < ? ORDER BY max(updated_at), person_id",
            (to_db_time(before),),
        ).all()
        return [str(r.person_id) for r in rows]

    def holdings(self, person_id: str) -> PersonHoldings:
        """The person's records (reviews of their assessments included) and their sync position."""
        conn = self._conn
        own = conn.exec_driver_sql(
            "SELECT id, record_type FROM records WHERE person_id = ?", (person_id,)
        ).all()
        assessment_ids = [str(r.id) for r in own if r.record_type == "assessment"]
        reviews: list[str] = []
        for chunk in chunks(assessment_ids):
            # Built from a count of placeholders only; the ids are bound parameters.
            found = conn.exec_driver_sql(
                "SELECT id FROM records WHERE record_type = 'review_decision'"  # noqa: S608
                f" AND json_extract(body, '$.assessment_id') IN ({placeholders(len(chunk))})",
                tuple(chunk),
            ).all()
            reviews.extend(str(r.id) for r in found)
        ids = [str(r.id) for r in own] + reviews
        last = ""
        all_receipted = True
        for chunk in chunks(ids):
            marks = placeholders(len(chunk))
            row = conn.exec_driver_sql(
                "SELECT max(r.updated_at) AS last, sum(CASE WHEN s.state = 'receipted' THEN 0 ELSE 1 END)"  # noqa: S608
                f" AS not_receipted FROM records r LEFT JOIN record_sync s ON s.record_id = r.id"
                f" WHERE r.id IN ({marks})",
                tuple(chunk),
            ).one()
            unsent = conn.exec_driver_sql(
                f"SELECT count(*) FROM outbox WHERE receipted_at IS NULL AND record_id IN ({marks})",  # noqa: S608
                tuple(chunk),
            ).scalar()
            last = max(last, str(row.last or ""))
            all_receipted = all_receipted and not row.not_receipted and not unsent
        return PersonHoldings(
            person_id=person_id,
            record_ids=tuple(ids),
            last_change_at=datetime.fromisoformat(last),
            all_receipted=all_receipted,
        )

    def case_records(self, person_id: str) -> list[RecordBase]:
        """The person's assessments, actions and appointments: what says whether the case is open."""
        rows = self._conn.exec_driver_sql(
            "SELECT record_type, body FROM records WHERE person_id = ?"  # noqa: S608
            f" AND record_type IN ({placeholders(len(CASE_STATE_TYPES))})",
            (person_id, *CASE_STATE_TYPES),
        ).all()
        return [record_from_json(r.record_type, r.body) for r in rows]

    def purge(self, record_ids: Sequence[str]) -> int:
        """Delete these records with their history, search keys, sync state and receipted outbox rows.

        Refuses (ValueError) if any still has an unsent change: the caller checked, and an unsent
        change must never be lost.
        """
        conn = self._conn
        deleted = 0
        for chunk in chunks(list(record_ids)):
            marks = placeholders(len(chunk))
            params = tuple(chunk)
            unsent = conn.exec_driver_sql(
                f"SELECT count(*) FROM outbox WHERE receipted_at IS NULL AND record_id IN ({marks})",  # noqa: S608
                params,
            ).scalar()
            if unsent:
                raise ValueError("a record chosen for purging has an unsent change")
            for table, column in (
                ("person_index", "person_id"),
                ("episode_index", "episode_id"),
                ("report_months", "record_id"),
                ("record_history", "record_id"),
                ("record_sync", "record_id"),
                ("outbox", "record_id"),
            ):
                conn.exec_driver_sql(f"DELETE FROM {table} WHERE {column} IN ({marks})", params)  # noqa: S608
            result = conn.exec_driver_sql(f"DELETE FROM records WHERE id IN ({marks})", params)  # noqa: S608
            deleted += int(result.rowcount or 0)
        return deleted
