"""Repositories: records, users, outbox and store facts, over one session.

They map between validated `cars_protocol` records and rows; no row object leaves this package.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.domain.names import normalise_name
from cars_desktop.domain.users import UserAccount
from cars_desktop.storage.report_index import write_report_months
from cars_desktop.storage.tables import (
    EpisodeIndexRow,
    FormSpecRow,
    MetaRow,
    OutboxRow,
    PersonIndexRow,
    RecordHistoryRow,
    RecordRow,
    UserRow,
    to_db_time,
)
from cars_protocol.records import (
    CustodyEpisode,
    Person,
    RecordBase,
    Role,
    record_from_json,
)

_INSERT_RECORD = (
    "INSERT INTO records (id, record_type, revision, site_code, author, person_id, created_at,"
    " updated_at, live, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_RECORD = (
    "UPDATE records SET revision = ?, site_code = ?, author = ?, person_id = ?, created_at = ?,"
    " updated_at = ?, live = ?, body = ? WHERE id = ?"
)
_INSERT_HISTORY = (
    "INSERT INTO record_history (record_id, revision, change_id, record_type, saved_at, saved_by, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_PERSON_INDEX = (
    "INSERT INTO person_index (person_id, family_name_key, given_names_key, date_of_birth, pnc_id,"
    " live) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET"
    " family_name_key = excluded.family_name_key, given_names_key = excluded.given_names_key,"
    " date_of_birth = excluded.date_of_birth, pnc_id = excluded.pnc_id, live = excluded.live"
)
_UPSERT_EPISODE_INDEX = (
    "INSERT INTO episode_index (episode_id, custody_record_number) VALUES (?, ?)"
    " ON CONFLICT (episode_id) DO UPDATE SET custody_record_number = excluded.custody_record_number"
)
_INSERT_OUTBOX = (
    "INSERT INTO outbox (change_id, record_type, record_id, revision, base_revision, base_change_id,"
    " body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_RECORD_SYNC = (
    "INSERT INTO record_sync (record_id, change_id, state, server_revision, updated_at)"
    " VALUES (?, ?, ?, NULL, ?) ON CONFLICT (record_id) DO UPDATE SET change_id = excluded.change_id,"
    " state = excluded.state, updated_at = excluded.updated_at"
)
#: Where `RecordRepository.save` leaves each saved record's new change id and the change it was
#: based on, for `OutboxRepository.add` in the same transaction (both run on one session).
_SAVED_CHANGES = "cars_saved_changes"


class RevisionConflict(InvalidInput):
    """Someone saved a newer revision first; reload and apply the change again."""


def person_of(record: RecordBase) -> str | None:
    """The person a record is about (a person is about themselves), for the person index column."""
    if isinstance(record, Person):
        return str(record.id)
    person_id = getattr(record, "person_id", None)
    return str(person_id) if person_id is not None else None


class RecordRepository:
    """Current revisions, their history and search indexes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def current_revision(self, record_id: uuid.UUID) -> int | None:
        """The revision stored now, or None for a record never saved here."""
        return self.session.connection().scalar(
            select(RecordRow.revision).where(RecordRow.id == str(record_id))
        )

    def save(self, record: RecordBase, saved_by: str) -> None:
        """Store a new revision, which must follow the stored one (optimistic concurrency).

        Hand-written statements on the session's connection: this path runs for every record a
        worker or the seeder writes, and building SQLAlchemy statements cost more than the SQL.
        """
        conn = self.session.connection()
        key = str(record.id)
        body = record.model_dump_json()
        stored = conn.exec_driver_sql(
            "SELECT r.revision, r.record_type, s.change_id FROM records r"
            " LEFT JOIN record_sync s ON s.record_id = r.id WHERE r.id = ?",
            (key,),
        ).first()
        values = (
            record.revision,
            record.site_code,
            record.author,
            person_of(record),
            to_db_time(record.created_at),
            to_db_time(record.updated_at),
            record.is_live,
            body,
        )
        if stored is None:
            if record.revision != 1:
                raise RevisionConflict("a new record must start at revision 1")
            conn.exec_driver_sql(_INSERT_RECORD, (key, record.record_type, *values))
        else:
            if stored.record_type != record.record_type:
                raise InvalidInput("a record cannot change its type")
            if record.revision != stored.revision + 1:
                raise RevisionConflict(
                    "this record was changed by someone else since you opened it; reopen it"
                )
            conn.exec_driver_sql(_UPDATE_RECORD, (*values, key))
        change_id = str(uuid.uuid4())
        base_change_id = stored.change_id if stored is not None else None
        self.session.info.setdefault(_SAVED_CHANGES, {})[key] = (change_id, base_change_id)
        conn.exec_driver_sql(
            _INSERT_HISTORY,
            (
                key,
                record.revision,
                change_id,
                record.record_type,
                to_db_time(record.updated_at),
                saved_by,
                body,
            ),
        )
        conn.exec_driver_sql(
            _UPSERT_RECORD_SYNC, (key, change_id, "local_only", to_db_time(record.updated_at))
        )
        self._write_indexes(conn, record, body)

    @staticmethod
    def _write_indexes(conn: Connection, record: RecordBase, body: str) -> None:
        """Keep the typed search keys and the report index in step with the stored body."""
        key = str(record.id)
        write_report_months(conn, key, record.record_type, body)
        if isinstance(record, Person):
            conn.exec_driver_sql(
                _UPSERT_PERSON_INDEX,
                (
                    key,
                    normalise_name(record.family_name),
                    normalise_name(record.given_names),
                    record.date_of_birth.isoformat(),
                    record.pnc_id.upper() if record.pnc_id else None,
                    record.is_live,
                ),
            )
        elif isinstance(record, CustodyEpisode):
            conn.exec_driver_sql(_UPSERT_EPISODE_INDEX, (key, record.custody_record_number.upper()))

    def get(self, record_id: uuid.UUID) -> RecordBase | None:
        """The current revision of a record, live or not."""
        row = (
            self.session.connection()
            .exec_driver_sql("SELECT record_type, body FROM records WHERE id = ?", (str(record_id),))
            .first()
        )
        return record_from_json(row.record_type, row.body) if row else None

    def history(self, record_id: uuid.UUID) -> list[RecordBase]:
        """Every revision, oldest first."""
        rows = self.session.scalars(
            select(RecordHistoryRow)
            .where(RecordHistoryRow.record_id == str(record_id))
            .order_by(RecordHistoryRow.revision, RecordHistoryRow.saved_at)
        )
        return [record_from_json(r.record_type, r.body) for r in rows]

    def find_people(
        self, family_name: str, date_of_birth: date | None = None, given_names: str = "", limit: int = 50
    ) -> list[Person]:
        """Live people by normalised family name (and date of birth, and a given-name prefix)."""
        query = select(RecordRow.body).join(PersonIndexRow, PersonIndexRow.person_id == RecordRow.id)
        query = query.where(
            PersonIndexRow.family_name_key == normalise_name(family_name), PersonIndexRow.live.is_(True)
        )
        if date_of_birth is not None:
            query = query.where(PersonIndexRow.date_of_birth == date_of_birth)
        given_key = normalise_name(given_names)
        if given_key:
            query = query.where(PersonIndexRow.given_names_key.startswith(given_key, autoescape=True))
        bodies = self.session.scalars(query.limit(limit))
        return [Person.model_validate_json(b) for b in bodies]

    def find_people_by_pnc(self, pnc_id: str) -> list[Person]:
        """Live people with this Police National Computer id."""
        query = (
            select(RecordRow.body)
            .join(PersonIndexRow, PersonIndexRow.person_id == RecordRow.id)
            .where(PersonIndexRow.pnc_id == pnc_id.strip().upper(), PersonIndexRow.live.is_(True))
        )
        return [Person.model_validate_json(b) for b in self.session.scalars(query)]

    def find_episodes(self, custody_record_number: str) -> list[CustodyEpisode]:
        """Episodes by custody record number."""
        query = (
            select(RecordRow.body)
            .join(EpisodeIndexRow, EpisodeIndexRow.episode_id == RecordRow.id)
            .where(EpisodeIndexRow.custody_record_number == custody_record_number.strip().upper())
        )
        return [CustodyEpisode.model_validate_json(b) for b in self.session.scalars(query)]

    def for_person(self, person_id: uuid.UUID, record_type: str | None = None) -> list[RecordBase]:
        """Everything recorded about one person."""
        query = select(RecordRow).where(RecordRow.person_id == str(person_id))
        if record_type:
            query = query.where(RecordRow.record_type == record_type)
        return [record_from_json(r.record_type, r.body) for r in self.session.scalars(query)]

    def iter_all(self, record_types: Sequence[str] | None = None, batch: int = 1000) -> Iterator[RecordBase]:
        """Every current revision, streamed in batches (exports, reports)."""
        query = select(RecordRow.record_type, RecordRow.body).order_by(RecordRow.record_type, RecordRow.id)
        if record_types is not None:
            query = query.where(RecordRow.record_type.in_(list(record_types)))
        for record_type, body in self.session.execute(query.execution_options(yield_per=batch)):
            yield record_from_json(record_type, body)

    def count(self, record_type: str | None = None) -> int:
        """How many records (of a type) are stored, live or not."""
        query = select(func.count()).select_from(RecordRow)
        if record_type:
            query = query.where(RecordRow.record_type == record_type)
        return int(self.session.scalar(query) or 0)


class OutboxRepository:
    """Changes waiting for the central server, each with the change id that makes a retry harmless."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: RecordBase, at: datetime) -> str:
        """Queue a revision for push, in the same transaction as its save; returns its change id.

        The change id is the one `RecordRepository.save` gave the revision's history row, and the
        base is the change that produced the revision it was edited from.
        """
        conn = self.session.connection()
        key = str(record.id)
        saved: tuple[str, str | None] | None = self.session.info.get(_SAVED_CHANGES, {}).pop(key, None)
        if saved is None:  # queued without a save in this transaction: base it on what is stored
            current = conn.exec_driver_sql(
                "SELECT change_id FROM record_sync WHERE record_id = ?", (key,)
            ).scalar()
            saved = (str(uuid.uuid4()), current)
        change_id, base_change_id = saved
        when = to_db_time(at)
        conn.exec_driver_sql(
            _INSERT_OUTBOX,
            (
                change_id,
                record.record_type,
                key,
                record.revision,
                record.revision - 1,
                base_change_id,
                record.model_dump_json(),
                when,
            ),
        )
        conn.exec_driver_sql(_UPSERT_RECORD_SYNC, (key, change_id, "queued", when))
        return change_id

    def pending(self, limit: int = 500) -> list[tuple[int, RecordBase]]:
        """The oldest unsent changes, in the order they were made."""
        rows = self.session.scalars(
            select(OutboxRow).where(OutboxRow.receipted_at.is_(None)).order_by(OutboxRow.seq).limit(limit)
        )
        return [(r.seq, record_from_json(r.record_type, r.body)) for r in rows]

    def pending_count(self) -> int:
        """How many changes the server has not yet receipted."""
        query = select(func.count()).where(OutboxRow.receipted_at.is_(None))
        return int(self.session.scalar(query) or 0)


class UserRepository:
    """Users enrolled at this workstation."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _to_account(row: UserRow) -> UserAccount:
        return UserAccount(
            username=row.username,
            display_name=row.display_name,
            roles=frozenset(Role(r) for r in row.roles.split(",") if r),
            active=row.active,
            created_at=row.created_at,
        )

    def get(self, username: str) -> UserAccount | None:
        row = self.session.get(UserRow, username)
        return self._to_account(row) if row else None

    def add(self, account: UserAccount) -> None:
        if self.session.get(UserRow, account.username) is not None:
            raise InvalidInput(f"there is already a user called {account.username} at this workstation")
        self.session.add(
            UserRow(
                username=account.username,
                display_name=account.display_name,
                roles=",".join(sorted(r.value for r in account.roles)),
                active=account.active,
                created_at=account.created_at,
            )
        )

    def update(self, account: UserAccount) -> None:
        """Bring a user's name, roles and active flag in line (from the central server)."""
        row = self.session.get(UserRow, account.username)
        if row is None:
            raise InvalidInput(f"there is no user called {account.username} at this workstation")
        row.display_name = account.display_name
        row.roles = ",".join(sorted(r.value for r in account.roles))
        row.active = account.active

    def list(self) -> list[UserAccount]:
        return [self._to_account(r) for r in self.session.scalars(select(UserRow).order_by(UserRow.username))]


class MetaRepository:
    """Small facts about the store, as text."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> str | None:
        row = self.session.get(MetaRow, key)
        return row.value if row else None

    def set(self, key: str, value: str) -> None:
        self.session.merge(MetaRow(key=key, value=value))


class FormSpecRepository:
    """Form versions kept in the store, as the JSON they arrived in (validated by the forms package)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, form_id: str, version: int, body: str, at: datetime) -> None:
        if self.session.get(FormSpecRow, (form_id, version)) is not None:
            raise InvalidInput(f"version {version} of the form {form_id!r} is already held")
        self.session.add(FormSpecRow(form_id=form_id, version=version, body=body, received_at=at))

    def all(self) -> list[tuple[str, int, str]]:
        rows = self.session.scalars(select(FormSpecRow).order_by(FormSpecRow.form_id, FormSpecRow.version))
        return [(r.form_id, r.version, r.body) for r in rows]
