"""One unit of work per user action: the record, its outbox row and its audit entry commit together."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType

from sqlalchemy.orm import Session

from cars_desktop.domain.audit import AuditEvent
from cars_desktop.storage.audit import AuditWriter
from cars_desktop.storage.repositories import (
    FormSpecRepository,
    MetaRepository,
    OutboxRepository,
    RecordRepository,
    UserRepository,
)
from cars_desktop.storage.store import Store
from cars_desktop.storage.sync_repository import SyncRepository
from cars_protocol.records import utc_now


class UnitOfWork:
    """A write transaction with the repositories and the audit log bound to it.

    Leaving the block without `commit()` rolls everything back, audit entries included.
    """

    def __init__(self, store: Store, audit: AuditWriter, username: str, roles: str) -> None:
        self._store = store
        self._audit = audit
        self.username = username
        self.roles = roles
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self._session = self._store.write_session()
        self._session.begin()
        self.records = RecordRepository(self._session)
        self.outbox = OutboxRepository(self._session)
        self.users = UserRepository(self._session)
        self.meta = MetaRepository(self._session)
        self.form_specs = FormSpecRepository(self._session)
        self.sync = SyncRepository(self._session)
        return self

    @property
    def session(self) -> Session:
        assert self._session is not None, "unit of work used outside its with-block"
        return self._session

    def audit(self, event: AuditEvent, at: datetime | None = None) -> None:
        """Add a signed, chained log entry in this transaction."""
        self._audit.append(self.session, event, self.username, self.roles, at or utc_now())

    def commit(self) -> None:
        self.session.commit()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        if session.in_transaction():
            session.rollback()
        session.close()
        self._session = None
