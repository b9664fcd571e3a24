"""Read-only lookups for the worker's pages: recent records by type, and person search keys.

Today and Find a person must answer in well under a second over a year of a busy block's records,
so they never parse every stored body: the records table's (record_type, updated_at) index picks the
recent ones, and person search reads only the small typed keys of `person_index` before ranking
them in Python and loading the few bodies it shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from cars_desktop.storage.sql_lists import chunks, placeholders
from cars_desktop.storage.tables import to_db_time
from cars_protocol.records import Person, RecordBase, record_from_json


@dataclass(frozen=True)
class PersonKey:
    """The search keys of one live person (normalised names, date of birth, PNC id)."""

    person_id: uuid.UUID
    family_name_key: str
    given_names_key: str
    date_of_birth: date
    pnc_id: str | None


class LookupRepository:
    """Queries over one session (a unit of work's); nothing here writes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def created_since(self, record_types: Collection[str], since: datetime) -> list[RecordBase]:
        """Live current revisions of these types created at or after `since`.

        The (record_type, updated_at) index narrows the rows (a record created since then was
        also updated since then); the bodies of older records are never read.
        """
        if not record_types:
            return []
        marks = placeholders(len(record_types))
        bound = to_db_time(since)
        sql = (  # placeholders only; every value is bound
            f"SELECT record_type, body FROM records WHERE record_type IN ({marks})"  # noqa: S608
            " AND updated_at >= ? AND created_at >= ? AND live = 1"
        )
        rows = self.session.connection().exec_driver_sql(sql, (*record_types, bound, bound)).all()
        return [record_from_json(r.record_type, r.body) for r in rows]

    def person_keys(self, initials: Iterable[str], date_of_birth: date | None) -> list[PersonKey]:
        """Live people whose family or given names start with one of `initials`, or born that day.

        Initials are single normalised letters: a misspelt name nearly always keeps its first
        letter, and the same letters are tried against given names to catch names typed in the
        wrong order.
        """
        letters = sorted({i[:1] for i in initials if i})
        clauses: list[str] = []
        params: list[str] = []
        for letter in letters:
            clauses.append("family_name_key LIKE ? OR given_names_key LIKE ?")
            params += [f"{letter}%", f"{letter}%"]
        if date_of_birth is not None:
            clauses.append("date_of_birth = ?")
            params.append(date_of_birth.isoformat())
        if not clauses:
            return []
        where = " OR ".join(f"({c})" for c in clauses)  # fixed clauses; values are bound
        head = "SELECT person_id, family_name_key, given_names_key, date_of_birth, pnc_id FROM person_index"
        sql = f"{head} WHERE live = 1 AND ({where})"
        rows = self.session.connection().exec_driver_sql(sql, tuple(params)).all()
        return [
            PersonKey(
                uuid.UUID(r.person_id),
                r.family_name_key,
                r.given_names_key,
                date.fromisoformat(str(r.date_of_birth)),
                r.pnc_id,
            )
            for r in rows
        ]

    def live_at_site_in_states(
        self, record_type: str, site_code: str, statuses: Collection[str]
    ) -> list[RecordBase]:
        """Live current revisions of one type at one site whose `status` is one of `statuses`.

        The status is read from the body by SQLite (json_extract), so only the matching bodies are
        parsed: open actions, not every action ever raised at every site.
        """
        if not statuses:
            return []
        marks = placeholders(len(statuses))
        sql = (  # placeholders only; every value is bound
            f"SELECT record_type, body FROM records WHERE json_extract(body, '$.status') IN ({marks})"  # noqa: S608
            " AND record_type = ? AND site_code = ? AND live = 1"
        )
        rows = self.session.connection().exec_driver_sql(sql, (*statuses, record_type, site_code)).all()
        return [record_from_json(r.record_type, r.body) for r in rows]

    def people(self, person_ids: Iterable[uuid.UUID]) -> list[Person]:
        """The current revisions of these people (live or not), in no particular order."""
        ids = [str(i) for i in person_ids]
        found: list[Person] = []
        for chunk in chunks(ids):
            marks = placeholders(len(chunk))
            rows = (
                self.session.connection()
                .exec_driver_sql(
                    f"SELECT record_type, body FROM records WHERE id IN ({marks})",  # noqa: S608
                    tuple(chunk),
                )
                .all()
            )
            # By primary key only: with the type in the WHERE clause SQLite prefers the type index.
            found += [Person.model_validate_json(r.body) for r in rows if r.record_type == "person"]
        return found

    def people_with_crn(
        self, custody_record_number_prefix: str, limit: int = 50
    ) -> list[tuple[uuid.UUID, str]]:
        """(person id, custody record number) of episodes whose number starts with the prefix."""
        prefix = custody_record_number_prefix.strip().upper()
        if not prefix:
            return []
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = (
            self.session.connection()
            .exec_driver_sql(
                "SELECT r.person_id, e.custody_record_number FROM episode_index e"
                " JOIN records r ON r.id = e.episode_id"
                " WHERE e.custody_record_number LIKE ? ESCAPE '\\' AND r.live = 1 LIMIT ?",
                (f"{escaped}%", limit),
            )
            .all()
        )
        return [(uuid.UUID(r.person_id), r.custody_record_number) for r in rows if r.person_id]
